"""Events the simulator plants at sea, away from every port and sea lane, with their truth: a
ship-to-ship transfer (two tankers alongside for 3 hours), a fishing vessel loitering, and two
cargo ships crossing with a closest point of approach of 0.3 nm.

What each implies in the field's definitions (docs/gold.md) is its truth: the transfer is an
encounter and, since both ships are slow away from port, a loitering event of each (the one that
waits longer loiters longer); the drift is a loitering event; the crossing is a close-quarters
situation. The same scenario is planted every day at the same times (a function of the day only
through its date); nothing else in it comes near another ship. The planted vessels are heard
only around their events, so between one day's and the next day's the lake also sees each go
silent at sea (an AIS gap, by ais_gaps' rule).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from aislake.simulate.legs import Leg, sail, stay

HOUR = 3600.0
# The rendezvous of the transfer (east Kattegat), the drift (Hanö Bay) and the crossing (the
# Baltic north of the Bornholm lane): each over 15 km from any bundled port and 20 km from any
# of the simulator's sea lanes.
TRANSFER_AT = (57.05, 11.85)
DRIFT_AT = (55.75, 15.00)
CROSSING_AT = (55.45, 16.00)
CROSSING_CPA_NM = 0.3
CROSSING_SPEED_KN = 12.0


@dataclass(frozen=True)
class PlantedEvent:
    """An event the simulator made happen: what, who (MMSIs, ascending), when (UTC) and, for a
    crossing, its closest point of approach in nautical miles."""

    kind: str  # 'encounter', 'loitering' or 'close_quarters'
    mmsis: tuple[int, ...]
    start: dt.datetime
    end: dt.datetime
    cpa_nm: float | None = None


@dataclass(frozen=True)
class PlantedVessel:
    """A vessel a scenario sails: its kind (cargo, tanker, fishing) and its legs."""

    role: str
    kind: str
    legs: list[Leg]


Point = tuple[float, float]  # lat, lon


def _offset(at: Point, north_nm: float, east_nm: float) -> Point:
    lat, lon = at
    return lat + north_nm / 60.0, lon + east_nm / (60.0 * math.cos(math.radians(lat)))


def _line(*points: Point) -> np.ndarray:
    return np.array(points, dtype=float)


def transfer() -> list[PlantedVessel]:
    """Tanker B arrives from the south-east at 09:00 and waits at anchor; tanker A comes from the
    north-west at 10:00 and lies 70 m from it until 13:00; B leaves at 14:00."""
    rendezvous_a = _offset(TRANSFER_AT, 0.02, 0.0)
    rendezvous_b = _offset(TRANSFER_AT, -0.02, 0.0)
    far_a = _offset(TRANSFER_AT, 15.0, -15.0)
    far_b = _offset(TRANSFER_AT, -15.0, 12.0)
    speed = 10.0
    a_in = sail(0.0, _line(far_a, rendezvous_a), speed, "Under way using engine")
    a_in = sail(10 * HOUR - (a_in.t1 - a_in.t0), a_in.points, speed, a_in.nav_status)
    b_in = sail(0.0, _line(far_b, rendezvous_b), speed, "Under way using engine")
    b_in = sail(9 * HOUR - (b_in.t1 - b_in.t0), b_in.points, speed, b_in.nav_status)
    return [
        PlantedVessel(
            "transfer_a",
            "tanker",
            [
                a_in,
                stay(10 * HOUR, 13 * HOUR, rendezvous_a[0], rendezvous_a[1], "Moored"),
                sail(13 * HOUR, _line(rendezvous_a, far_a), speed, "Under way using engine"),
            ],
        ),
        PlantedVessel(
            "transfer_b",
            "tanker",
            [
                b_in,
                stay(9 * HOUR, 14 * HOUR, rendezvous_b[0], rendezvous_b[1], "At anchor"),
                sail(14 * HOUR, _line(rendezvous_b, far_b), speed, "Under way using engine"),
            ],
        ),
    ]


def drift() -> list[PlantedVessel]:
    """A fishing vessel steams in at 9 kn, drifts 2 nm at 1 kn from 06:00 to 08:00, steams off."""
    start, end = DRIFT_AT, _offset(DRIFT_AT, 1.2, 1.6)
    far_in, far_out = _offset(DRIFT_AT, -12.0, 8.0), _offset(end, 10.0, 6.0)
    steam = sail(0.0, _line(far_in, start), 9.0, "Under way using engine")
    steam = sail(6 * HOUR - (steam.t1 - steam.t0), steam.points, 9.0, steam.nav_status)
    floating = sail(6 * HOUR, _line(start, end), 1.0, "Engaged in fishing")
    return [
        PlantedVessel(
            "drifter",
            "fishing",
            [steam, floating, sail(floating.t1, _line(end, far_out), 9.0, steam.nav_status)],
        )
    ]


def crossing() -> list[PlantedVessel]:
    """Cargo A eastbound passes the crossing point at 12:00; cargo B northbound passes it later
    by the time that puts their closest approach at 0.3 nm (at equal speeds on perpendicular
    courses: CPA = speed x delay / sqrt 2), at about 12:01."""
    v = CROSSING_SPEED_KN
    delay_h = CROSSING_CPA_NM * math.sqrt(2) / v
    west, east = _offset(CROSSING_AT, 0.0, -18.0), _offset(CROSSING_AT, 0.0, 18.0)
    south, north = _offset(CROSSING_AT, -18.0, 0.0), _offset(CROSSING_AT, 18.0, 0.0)
    lead = 18.0 / v * HOUR
    return [
        PlantedVessel(
            "crossing_a",
            "cargo",
            [sail(12 * HOUR - lead, _line(west, east), v, "Under way using engine")],
        ),
        PlantedVessel(
            "crossing_b",
            "cargo",
            [
                sail(
                    12 * HOUR + delay_h * HOUR - lead,
                    _line(south, north),
                    v,
                    "Under way using engine",
                )
            ],
        ),
    ]


def planted_vessels() -> list[PlantedVessel]:
    return [*transfer(), *drift(), *crossing()]


def planted_events(day0: dt.datetime, mmsi: dict[str, int]) -> list[PlantedEvent]:
    """The truth of the scenarios on the day starting at ``day0``, for the MMSIs the fleet gave
    each role."""

    def at(hours: float) -> dt.datetime:
        return day0 + dt.timedelta(hours=hours)

    a, b = mmsi["transfer_a"], mmsi["transfer_b"]
    pair = tuple(sorted((a, b)))
    ca, cb = sorted((mmsi["crossing_a"], mmsi["crossing_b"]))
    delay_h = CROSSING_CPA_NM * math.sqrt(2) / CROSSING_SPEED_KN
    return [
        PlantedEvent("encounter", pair, at(10), at(13)),
        PlantedEvent("loitering", (a,), at(10), at(13)),
        PlantedEvent("loitering", (b,), at(9), at(14)),
        PlantedEvent("loitering", (mmsi["drifter"],), at(6), at(8)),
        PlantedEvent(
            "close_quarters", (ca, cb), at(12 + delay_h / 2), at(12 + delay_h / 2), CROSSING_CPA_NM
        ),
    ]
