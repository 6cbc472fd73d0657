"""MMSIs the simulator has several ships transmit at once, with their truth: what a lake must
tell apart by reachability (docs/gold.md, "Transmitters").

- **Different waters**: two trawlers under one MMSI (a fleet that shares one), one in the North
  Sea off Jutland, one in the Baltic north-east of Bornholm, both at work all day.
- **Same harbour**: a ship moored in Frederikshavn all day and a second ship under its MMSI that
  comes in from the Kattegat, moors 900 m from it from 08:00 to 15:00 and leaves.
- **Spoofed**: a ship in the Kattegat transmits a ferry's MMSI and its static data (name, call
  sign, IMO, type) from 10:00 to 14:00 while the ferry shuttles across the Øresund.

Each is planted every day at the same times, away from the sea lanes and the planted events;
the ship whose MMSI it is reports first (transmitter 1), the other second. Two ships never
report in the same second (a second that both would use goes to the first): every position has
one true ship.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aislake.simulate.legs import DAY_SECONDS, Leg, polyline_lengths, sail, stay

if TYPE_CHECKING:
    from aislake.simulate.traffic import VesselTruth

HOUR = 3600.0
WORKING_SPEED_KN = 4.0
# Each trawler works a 3 nm square (a lap: 12 nm) from before midnight to after.
NORTH_SEA_GROUND = (55.90, 6.60)
BALTIC_GROUND = (55.85, 16.60)
# Frederikshavn's harbour: the owner's berth and the second ship's, 900 m to the north.
HARBOUR_BERTH = (57.4380, 10.5450)
SECOND_BERTH = (57.4461, 10.5450)
HARBOUR_APPROACH = (57.4461, 10.7500)
# The spoofer's passage across the Kattegat, west of the Swedish coast.
SPOOF_FROM = (56.95, 11.90)
SPOOF_TO = (56.35, 12.25)


@dataclass(frozen=True)
class SharedShip:
    """A ship of a shared-MMSI scenario: its role, kind, legs and, for the second ship under an
    MMSI, the role whose MMSI (and, when spoofing, static data) it transmits. ``stays``: its
    port calls within the day, (port, first second, last second)."""

    role: str
    kind: str
    legs: list[Leg]
    shares: str | None = None
    copies_identity: bool = False
    stays: tuple[tuple[str, float, float], ...] = ()


def _laps(centre: tuple[float, float], side_nm: float) -> np.ndarray:
    """Waypoints round a square of ``side_nm`` about ``centre``, enough laps for the day."""
    lat, lon = centre
    dlat = side_nm / 2 / 60.0
    dlon = side_nm / 2 / (60.0 * np.cos(np.radians(lat)))
    lap = [
        (lat - dlat, lon - dlon),
        (lat + dlat, lon - dlon),
        (lat + dlat, lon + dlon),
        (lat - dlat, lon + dlon),
    ]
    hours = (DAY_SECONDS + 4 * HOUR) / HOUR
    laps = int(np.ceil(hours * WORKING_SPEED_KN / (4 * side_nm))) + 1
    return np.array(lap * laps + [lap[0]], dtype=float)


def different_waters() -> list[SharedShip]:
    def trawler(role: str, ground: tuple[float, float], shares: str | None) -> SharedShip:
        legs = [sail(-2 * HOUR, _laps(ground, 3.0), WORKING_SPEED_KN, "Engaged in fishing")]
        return SharedShip(role, "fishing", legs, shares)

    return [
        trawler("twin_north_sea", NORTH_SEA_GROUND, None),
        trawler("twin_baltic", BALTIC_GROUND, "twin_north_sea"),
    ]


def same_harbour() -> list[SharedShip]:
    """The owner moored all day; the second ship arrives at 08:00 and leaves at 15:00 at 8 kn."""
    speed = 8.0
    inbound = sail(0.0, np.array([HARBOUR_APPROACH, SECOND_BERTH]), speed, "Under way using engine")
    inbound = sail(8 * HOUR - (inbound.t1 - inbound.t0), inbound.points, speed, inbound.nav_status)
    outbound = sail(15 * HOUR, inbound.points[::-1], speed, inbound.nav_status)
    return [
        SharedShip(
            "harbour_owner",
            "cargo",
            [stay(-HOUR, DAY_SECONDS + HOUR, *HARBOUR_BERTH, "Moored")],
            stays=(("Frederikshavn", 0.0, DAY_SECONDS),),
        ),
        SharedShip(
            "harbour_second",
            "cargo",
            [inbound, stay(8 * HOUR, 15 * HOUR, *SECOND_BERTH, "Moored"), outbound],
            shares="harbour_owner",
            stays=(("Frederikshavn", 8 * HOUR, 15 * HOUR),),
        ),
    ]


def spoofed(ferry: str) -> list[SharedShip]:
    """A ship that transmits ``ferry``'s MMSI and static data on a passage 10:00 to 14:00."""
    points = np.array([SPOOF_FROM, SPOOF_TO])
    speed = float(polyline_lengths(points).sum()) / 4.0
    passage = sail(10 * HOUR, points, speed, "Under way using engine")
    return [SharedShip("spoofer", "cargo", [passage], shares=ferry, copies_identity=True)]


def shared_ships(ferry: str) -> list[SharedShip]:
    return [*different_waters(), *same_harbour(), *spoofed(ferry)]


@dataclass(frozen=True)
class SharedMmsi:
    """An MMSI several ships transmitted on ``day``: the scenario and its ships in order of
    first report (what a lake should number transmitters 1, 2, ...), each with its truth
    (``report_seconds``: the seconds of the day of its positions)."""

    mmsi: int
    scenario: str  # 'different_waters', 'same_harbour' or 'spoofed'
    day: dt.date
    ships: tuple[VesselTruth, ...]

    def positions(self, ship: int) -> set[dt.datetime]:
        """The UTC times of ship ``ship``'s (0, 1, ...) true positions: its reports but the
        glitches the simulator threw off its track."""
        v = self.ships[ship]
        day0 = dt.datetime.combine(self.day, dt.time())
        seconds = v.report_seconds if v.report_seconds is not None else np.empty(0)
        return {day0 + dt.timedelta(seconds=float(s)) for s in seconds} - set(v.glitches)


SCENARIOS = {
    "twin_baltic": "different_waters",
    "harbour_second": "same_harbour",
    "spoofer": "spoofed",
}
