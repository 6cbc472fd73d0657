"""A deterministic AIS traffic simulator for Danish waters, with the ground truth it sailed.

For a date and a seed it builds a fleet (cargo ships and tankers on sea-lane routes between real
ports, ferries shuttling across the Øresund and the Fehmarn Belt, fishing vessels, ships at
anchor, Class B pleasure craft, base stations, aids to navigation), sails it through the day and
emits the AIS reports each transmitter would send, at ITU-R M.1371 reporting intervals:

- Class A: every 10 s under way (6 s above 14 kn, 2 s above 23 kn), every 3 min at anchor or
  moored; static and voyage data every 6 min (DMA prints those rows at lat 91 / lon 181);
- Class B: every 30 s above 2 kn, every 3 min below;
- base stations every 10 s, AtoN every 3 min.

Everything is generated vectorised per vessel (numpy), so days of 15 M rows take minutes, not
hours. The :class:`Truth` records what the simulator did: each vessel's port stays (arrival and
departure), its distance sailed, the position glitches it injected, the time it was observed and
the hours its transponder was off, so that gold's detected stops, visits, voyages, tracks,
density and gaps can be compared with what really happened.

**Days join up.** A vessel's schedule is a function of the fleet (seed and vessel), not of the
day: liners and ferries repeat a fixed rotation of ports (dwell and passage times drawn once),
anchored ships stay put, fishing boats and pleasure craft leave from and return to the same berth.
Every timeline is anchored at :data:`EPOCH`, so consecutive days are one continuous voyage: a ship
moored at 23:59 is moored at the same berth at 00:00, and a stay or a passage across midnight is
one stay or passage in the truth of both days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aislake.reference.ports import NORDIC_PORTS, PORTS_BY_NAME, US_PORTS
from aislake.simulate.events import PlantedEvent, planted_events, planted_vessels
from aislake.simulate.legs import DAY_SECONDS, Leg, polyline_lengths, sail, stay
from aislake.simulate.sealanes import route
from aislake.simulate.shared import SCENARIOS, SharedMmsi, SharedShip, shared_ships

# Every vessel's timeline is anchored here: its rotation's phase is counted from this instant.
EPOCH = dt.datetime(2024, 1, 1)


@dataclass(frozen=True)
class Region:
    """Where a simulated fleet sails: its ports, flags and names."""

    name: str
    cargo_ports: tuple[str, ...]
    ferry_pairs: tuple[tuple[str, str], ...]
    fishing_ports: tuple[str, ...]
    pleasure_homes: tuple[str, ...]
    station_ports: tuple[str, ...]  # where base stations and AtoN stand, in this order
    mids: tuple[int, ...]  # flags (Maritime Identification Digits) of the fleet, in turn
    names: tuple[str, ...]
    callsign_prefix: str
    base_station_mmsi: int  # the first base station's MMSI as printed (leading zeros dropped)
    aton_mmsi: int


DANISH_WATERS = Region(
    name="danish_waters",
    cargo_ports=(
        "Aarhus",
        "Copenhagen",
        "Gothenburg",
        "Kiel",
        "Rostock",
        "Gdańsk",
        "Esbjerg",
        "Malmö",
        "Frederikshavn",
        "Kalundborg",
        "Rønne",
        "Trelleborg",
        "Helsingborg",
        "Skagen",
    ),
    ferry_pairs=(("Helsingør", "Helsingborg"), ("Rødby", "Puttgarden"), ("Korsør", "Nyborg")),
    fishing_ports=("Skagen", "Hirtshals", "Esbjerg", "Grenaa", "Rønne"),
    pleasure_homes=("Copenhagen", "Helsingør", "Aarhus"),
    station_ports=tuple(p.name for p in NORDIC_PORTS),
    mids=(265, 219, 219),  # Swedish and Danish flags
    names=(
        "NORDIC",
        "BALTIC",
        "KATTEGAT",
        "SKAGEN",
        "HAVFRUE",
        "ODIN",
        "FREJA",
        "THOR",
        "AURORA",
        "STELLA",
        "MAERSK",
        "TERN",
        "SVANEN",
        "NORDLYS",
        "JUTLANDIA",
        "BORNHOLM",
        "ARCTIC",
        "HEDDA",
    ),
    callsign_prefix="OU",
    base_station_mmsi=2_190_060,
    aton_mmsi=992_191_000,
)

US_EAST_COAST = Region(
    name="us_east_coast",
    cargo_ports=(
        "Boston",
        "New York",
        "Norfolk",
        "Charleston",
        "Savannah",
        "Jacksonville",
        "Port Everglades",
        "Miami",
    ),
    ferry_pairs=(("Whitehall", "St. George"), ("Woods Hole", "Vineyard Haven")),
    fishing_ports=("New Bedford", "Gloucester", "Cape May"),
    pleasure_homes=("Boston", "Charleston", "Miami"),
    station_ports=tuple(p.name for p in US_PORTS),
    mids=(366, 367, 368, 538),  # US flags and the Marshall Islands
    names=(
        "ATLANTIC",
        "LIBERTY",
        "EAGLE",
        "CAROLINA",
        "HUDSON",
        "CHESAPEAKE",
        "SAVANNAH",
        "MAYFLOWER",
        "PELICAN",
        "FREEDOM",
        "SEA HAWK",
        "GULF STREAM",
        "COASTAL",
        "HORIZON",
    ),
    callsign_prefix="WD",
    base_station_mmsi=3_669_060,
    aton_mmsi=993_661_000,
)
REGIONS = {r.name: r for r in (DANISH_WATERS, US_EAST_COAST)}

SHIP_TYPES = {
    "cargo": ("Cargo", 7),
    "tanker": ("Tanker", 8),
    "ferry": ("Passenger", 6),
    "fishing": ("Fishing", 3),
    "anchored": ("Cargo", 7),
    "pleasure": ("Pleasure", 3),
    "dark": ("Cargo", 7),
}


@dataclass(frozen=True)
class Stay:
    """A port call the simulator made: moored in ``port`` from arrival to departure (UTC)."""

    port: str
    lat: float
    lon: float
    arrival: dt.datetime
    departure: dt.datetime


@dataclass(frozen=True)
class Gap:
    """A time the simulator switched a vessel's transponder off (UTC); ``under_way``: it sailed
    during it (a gap a lake should report; dark while moored throughout is not one)."""

    start: dt.datetime
    end: dt.datetime
    under_way: bool


@dataclass
class VesselTruth:
    mmsi: int
    name: str
    kind: str
    ship_type: str
    mobile_type: str
    imo: int | None
    callsign: str
    length: int
    width: int
    draught: float
    stays: list[Stay] = field(default_factory=list)
    distance_nm: float = 0.0
    glitches: list[dt.datetime] = field(default_factory=list)
    # Dark periods overlapping the day, and the seconds of the day between consecutive reports
    # at most OBSERVED_MAX_GAP_S apart (what a density product can account for).
    gaps: list[Gap] = field(default_factory=list)
    observed_seconds: float = 0.0
    # Passages between two stays that overlap the day: (origin, destination, departure,
    # arrival, nautical miles berth to berth).
    voyages: list[tuple[str, str, dt.datetime, dt.datetime, float]] = field(default_factory=list)
    # The seconds of the day of its positions (kept on days with shared MMSIs only).
    report_seconds: np.ndarray | None = field(default=None, compare=False, repr=False)

    def dark_during(self, start: dt.datetime, end: dt.datetime) -> bool:
        """The transponder was off at some time between ``start`` and ``end``: what the
        simulator did then is not in its reports."""
        return any(g.start < end and g.end > start for g in self.gaps)


@dataclass
class Truth:
    """What the simulator did on ``day``: ``vessels`` by MMSI (where several ships transmitted
    one MMSI, the ship it belongs to: the first to report; ``shared`` lists them all)."""

    day: dt.date
    vessels: dict[int, VesselTruth] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)  # quirk name -> rows injected
    quirk_vessels: dict[str, int] = field(default_factory=dict)  # quirk name -> its vessel
    events: list[PlantedEvent] = field(default_factory=list)  # what FleetSize.events planted
    shared: list[SharedMmsi] = field(default_factory=list)  # what FleetSize.shared planted


class Reports:
    """A sink of AIS reports: each vessel's rows become one Arrow record batch (in DMA's field
    order and units, typed by :data:`REPORT_SCHEMA`) handed to ``sink`` as they are made, so a
    day of any size never has to be held whole."""

    def __init__(self, sink: Callable[[pa.RecordBatch], None]) -> None:
        self.sink = sink

    def add(self, **cols: np.ndarray) -> None:
        n = len(next(iter(cols.values())))
        arrays = [
            pa.array(cols[f.name], type=f.type) if f.name in cols else pa.nulls(n, f.type)
            for f in REPORT_SCHEMA
        ]
        self.sink(pa.RecordBatch.from_arrays(arrays, schema=REPORT_SCHEMA))


# One row a report; ``t`` is seconds of the day. Types as DMA's fields hold them.
REPORT_SCHEMA = pa.schema(
    [
        ("t", pa.float64()),
        ("mobile_type", pa.string()),
        ("mmsi", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("nav_status", pa.string()),
        ("rot", pa.float64()),
        ("sog", pa.float64()),
        ("cog", pa.float64()),
        ("heading", pa.int64()),
        ("imo", pa.int64()),
        ("callsign", pa.string()),
        ("name", pa.string()),
        ("ship_type", pa.string()),
        ("cargo_type", pa.string()),
        ("width", pa.int64()),
        ("length", pa.int64()),
        ("pos_fix_device", pa.string()),
        ("draught", pa.float64()),
        ("destination", pa.string()),
        ("eta", pa.timestamp("us")),
        ("size_a", pa.int64()),
        ("size_b", pa.int64()),
        ("size_c", pa.int64()),
        ("size_d", pa.int64()),
    ]
)
REPORT_FIELDS = tuple(REPORT_SCHEMA.names)


def _rng(day: dt.date | None, seed: int, *salt: object) -> np.random.Generator:
    """A generator for ``salt`` on ``day``; with ``day`` None, one that is the same every day
    (a vessel's identity and schedule)."""
    key = "|".join([day.isoformat() if day else "fleet", str(seed), *map(str, salt)]).encode()
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))


def _berth(port: str, rng: np.random.Generator) -> tuple[float, float]:
    p = PORTS_BY_NAME[port]
    return p.lat + rng.uniform(-0.003, 0.003), p.lon + rng.uniform(-0.004, 0.004)


def _at(day0: dt.datetime, t: float) -> dt.datetime:
    return day0 + dt.timedelta(seconds=round(t, 3))


def _liner_legs(
    who: np.random.Generator,
    speed: float,
    truth: VesselTruth,
    day0: dt.datetime,
    ports: tuple[str, ...],
    dwell_h: tuple[float, float],
    direct: bool = False,
) -> list[Leg]:
    """A vessel on a fixed rotation of ports (all of ``ports`` in turn when ``direct``, else
    three or four of them), each call's berth and dwell and each passage drawn once from
    ``who``: the rotation repeats for ever from :data:`EPOCH` at a phase of its own, so the legs
    of any day continue those of the day before. Returns the legs covering the day (from the
    rotation before midnight to after) and records the stays and passages that overlap it."""
    if direct:
        rotation = list(ports) if who.random() < 0.5 else list(reversed(ports))
    else:
        rotation = [str(p) for p in who.choice(ports, size=int(who.integers(3, 5)), replace=False)]
    berths = [_berth(p, who) for p in rotation]
    dwell = [float(who.uniform(*dwell_h)) * 3600 for _ in rotation]
    passages = []
    for i, port in enumerate(rotation):
        j = (i + 1) % len(rotation)
        if direct:
            points = np.array([berths[i], berths[j]])
        else:
            points = np.array(route(port, rotation[j]))
            points[0], points[-1] = berths[i], berths[j]
        passages.append(points)
    lengths = [float(polyline_lengths(w).sum()) for w in passages]
    durations = [nm / speed * 3600 for nm in lengths]
    cycle = sum(dwell) + sum(durations)
    phase = float(who.uniform(0, cycle))
    offset = (day0 - EPOCH).total_seconds()
    k = int(np.floor((offset + phase) / cycle)) - 1
    legs: list[Leg] = []
    t = k * cycle - phase - offset  # the day's seconds at which rotation k begins
    previous: Stay | None = None
    while t < DAY_SECONDS:
        for i, port in enumerate(rotation):
            lat, lon = berths[i]
            legs.append(stay(t, t + dwell[i], lat, lon, "Moored"))
            call = Stay(port, lat, lon, _at(day0, t), _at(day0, t + dwell[i]))
            if t + dwell[i] > 0 and t < DAY_SECONDS:
                truth.stays.append(call)
            if (
                previous is not None
                and previous.departure < _at(day0, DAY_SECONDS)
                and (call.arrival > day0)
            ):
                truth.voyages.append(
                    (previous.port, call.port, previous.departure, call.arrival, lengths[i - 1])
                )
            previous = call
            t += dwell[i]
            legs.append(Leg(t, t + durations[i], passages[i], speed, "Under way using engine"))
            t += durations[i]
    return legs


def _fishing_legs(rng: np.random.Generator, who: np.random.Generator, home: str) -> list[Leg]:
    """A day trip from the home berth (``who``: the same every day) to a fishing ground and
    back (``rng``: the day's)."""
    lat, lon = _berth(home, who)
    sea = PORTS_BY_NAME[home]
    ground = np.array([sea.lat + rng.uniform(-0.4, 0.4), sea.lon + rng.uniform(-0.6, 0.6)])
    start = rng.uniform(2, 6) * 3600
    legs = [stay(-3600, start, lat, lon, "Moored")]
    out = sail(start, np.array([[lat, lon], ground]), 9.0, "Under way using engine")
    legs.append(out)
    # Trawling: a random walk at ~3 kn for several hours.
    steps = rng.normal(0, 0.02, size=(12, 2)).cumsum(axis=0) + ground
    trawl = sail(out.t1, np.vstack([ground, steps]), 3.0, "Engaged in fishing")
    legs.append(trawl)
    back = sail(trawl.t1, np.array([steps[-1], [lat, lon]]), 9.0, "Under way using engine")
    legs.append(back)
    legs.append(stay(back.t1, DAY_SECONDS + 3600, lat, lon, "Moored"))
    return legs


# The dark vessel's transponder is off every night and every afternoon (seconds of the day),
# 7 hours each: one gap spans midnight, one lies within the day.
DARK_WINDOWS = ((-3 * 3600.0, 4 * 3600.0), (9 * 3600.0, 16 * 3600.0), (21 * 3600.0, 28 * 3600.0))
# Reports further apart than this are not "observed" time (the motion rules' track cut).
OBSERVED_MAX_GAP_S = 1800.0


def _dark_windows(legs: list[Leg], day0: dt.datetime) -> list[tuple[float, float, Gap]]:
    """The dark vessel's windows that overlap the day, each with its truth."""
    windows = []
    for a, b in DARK_WINDOWS:
        if b <= 0 or a >= DAY_SECONDS:
            continue
        sailing = any(leg.t0 < b and leg.t1 > a and leg.speed_kn > 0 for leg in legs)
        windows.append((a, b, Gap(_at(day0, a), _at(day0, b), sailing)))
    return windows


def _interval(mobile_type: str, sog: np.ndarray) -> np.ndarray:
    if mobile_type == "Class B":
        return np.where(sog > 2, 30.0, 180.0)
    return np.select([sog < 0.5, sog > 23, sog > 14], [180.0, 2.0, 6.0], default=10.0)


def _report_times(
    legs: list[Leg], mobile_type: str, rng: np.random.Generator, min_interval: float = 0.0
) -> np.ndarray:
    times = []
    for leg in legs:
        lo, hi = max(leg.t0, 0.0), min(leg.t1, DAY_SECONDS - 1.0)
        if hi <= lo:
            continue
        step = max(float(_interval(mobile_type, np.array([leg.speed_kn]))[0]), min_interval)
        t = np.arange(lo + rng.uniform(0, step), hi, step)
        times.append(t)
    if not times:
        return np.empty(0)
    t = np.unique(np.floor(np.concatenate(times)))
    if min_interval > 0:  # downsampled: the first report of each interval (NOAA: each minute)
        t = t[np.unique(np.floor(t / min_interval), return_index=True)[1]]
    return t


def _positions(legs: list[Leg], t: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Positions, SOG, COG, heading and status at times ``t`` (seconds of the day)."""
    n = len(t)
    lat, lon = np.empty(n), np.empty(n)
    sog, cog = np.zeros(n), np.zeros(n)
    status = np.empty(n, dtype=object)
    for leg in legs:
        m = (t >= leg.t0) & (t < leg.t1)
        if not m.any():
            continue
        status[m] = leg.nav_status
        if len(leg.points) == 1:
            jitter = rng.normal(0, 0.00005, size=(m.sum(), 2))  # ~5 m of GPS noise
            lat[m] = leg.points[0, 0] + jitter[:, 0]
            lon[m] = leg.points[0, 1] + jitter[:, 1]
            sog[m] = np.abs(rng.normal(0, 0.05, m.sum()))
            cog[m] = rng.uniform(0, 360, m.sum())
            continue
        seg = polyline_lengths(leg.points)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        dist = (t[m] - leg.t0) / 3600 * leg.speed_kn
        lat[m] = np.interp(dist, cum, leg.points[:, 0])
        lon[m] = np.interp(dist, cum, leg.points[:, 1])
        idx = np.clip(np.searchsorted(cum, dist, side="right") - 1, 0, len(seg) - 1)
        a, b = leg.points[idx], leg.points[idx + 1]
        dy = b[:, 0] - a[:, 0]
        dx = (b[:, 1] - a[:, 1]) * np.cos(np.radians(a[:, 0]))
        cog[m] = (np.degrees(np.arctan2(dx, dy)) + rng.normal(0, 1.0, m.sum())) % 360
        sog[m] = np.maximum(leg.speed_kn + rng.normal(0, 0.2, m.sum()), 0)
    heading = np.round(cog + rng.normal(0, 2, n)) % 360
    return {"lat": lat, "lon": lon, "sog": sog, "cog": cog, "heading": heading, "status": status}


def _planted_legs(ship: SharedShip, v: VesselTruth, day0: dt.datetime) -> list[Leg]:
    """A shared-MMSI scenario's legs, its port calls recorded in ``v``'s truth."""
    for port, start, end in ship.stays:
        (lat, lon), *_ = (leg.points[0] for leg in ship.legs if leg.speed_kn == 0)
        v.stays.append(Stay(port, float(lat), float(lon), _at(day0, start), _at(day0, end)))
    return ship.legs


def _seconds(v: VesselTruth) -> np.ndarray:
    return v.report_seconds if v.report_seconds is not None else np.empty(0)


def _distance_sailed(legs: list[Leg]) -> float:
    total = 0.0
    for leg in legs:
        if len(leg.points) < 2:
            continue
        lo, hi = max(leg.t0, 0.0), min(leg.t1, DAY_SECONDS)
        if hi > lo:
            total += (hi - lo) / 3600 * leg.speed_kn
    return total


def _new_vessel(
    rng: np.random.Generator,
    mmsi: int,
    kind: str,
    index: int,
    mobile_type: str = "Class A",
    region: Region = DANISH_WATERS,
) -> VesselTruth:
    """A vessel's identity: ``rng`` is the vessel's own (the same every day)."""
    ship_type = SHIP_TYPES[kind][0]
    length = int(rng.integers(10, 16) if kind == "pleasure" else rng.integers(40, 230))
    return VesselTruth(
        mmsi=mmsi,
        name=f"{region.names[index % len(region.names)]} {index}",
        kind=kind,
        ship_type=ship_type,
        mobile_type=mobile_type,
        imo=None if kind == "pleasure" else 9_000_000 + index * 7 + 3,
        callsign=f"{region.callsign_prefix}{index:04d}",
        length=length,
        width=max(3, length // 6),
        draught=round(float(rng.uniform(2, 11)) if kind != "pleasure" else 1.5, 1),
    )


def _static_fields(v: VesselTruth, n: int, destination: str | None) -> dict[str, np.ndarray]:
    a = int(v.length * 0.8)
    c = v.width // 2
    return {
        "imo": np.full(n, v.imo, dtype=object),
        "callsign": np.full(n, v.callsign, dtype=object),
        "name": np.full(n, v.name, dtype=object),
        "ship_type": np.full(n, v.ship_type, dtype=object),
        "width": np.full(n, v.width, dtype=object),
        "length": np.full(n, v.length, dtype=object),
        "draught": np.full(n, v.draught, dtype=object),
        "destination": np.full(n, destination, dtype=object),
        "size_a": np.full(n, a, dtype=object),
        "size_b": np.full(n, v.length - a, dtype=object),
        "size_c": np.full(n, c, dtype=object),
        "size_d": np.full(n, v.width - c, dtype=object),
    }


def _emit_vessel(
    reports: Reports,
    v: VesselTruth,
    legs: list[Leg],
    rng: np.random.Generator,
    glitch_share: float,
    day0: dt.datetime,
    cadence: Cadence,
    dark: list[tuple[float, float]] = (),  # type: ignore[assignment]
    avoid: np.ndarray | None = None,
) -> None:
    def audible(times: np.ndarray) -> np.ndarray:
        keep = np.ones(len(times), dtype=bool)
        for a, b in dark:
            keep &= (times < a) | (times >= b)
        return times[keep]

    t = audible(_report_times(legs, v.mobile_type, rng, cadence.min_interval_s))
    if avoid is not None:  # another ship under this MMSI reports in those seconds
        t = t[~np.isin(t, avoid)]
    if not len(t):
        return
    steps = np.diff(t)
    v.observed_seconds = float(steps[steps <= OBSERVED_MAX_GAP_S].sum())
    p = _positions(legs, t, rng)
    n = len(t)
    # A few GPS glitches: one position thrown ~30 km off, between two good ones.
    glitch = (rng.random(n) < glitch_share) & (np.arange(n) > 0) & (np.arange(n) < n - 1)
    p["lat"] = np.where(glitch, p["lat"] + 0.3, p["lat"])
    v.glitches.extend(day0 + dt.timedelta(seconds=float(s)) for s in t[glitch])
    if avoid is not None or v.report_seconds is not None:
        v.report_seconds = t
    destination = v.stays[-1].port.upper() if v.stays else None
    # DMA joins static data onto position rows once the day's first static report was seen.
    first_static = t[0] + rng.uniform(0, 360)
    static = _static_fields(v, n, destination)
    unknown = t < first_static
    for key in static:
        static[key] = np.where(unknown, np.array(None, dtype=object), static[key])
    rot = np.where(p["sog"] > 0.5, np.round(rng.normal(0, 2, n), 1), 0.0)
    reports.add(
        t=t,
        mobile_type=np.full(n, v.mobile_type, dtype=object),
        mmsi=np.full(n, v.mmsi),
        lat=np.round(p["lat"], 6),
        lon=np.round(p["lon"], 6),
        nav_status=p["status"] if v.mobile_type == "Class A" else np.full(n, None, dtype=object),
        rot=rot if v.mobile_type == "Class A" else np.full(n, None, dtype=object),
        sog=np.round(p["sog"], 1),
        cog=np.round(p["cog"], 1),
        heading=p["heading"].astype(int),
        pos_fix_device=np.full(n, None, dtype=object),
        **static,
    )
    # Static and voyage data (message 5 / 24) every 6 minutes: DMA prints it at lat 91, lon 181.
    ts = audible(np.arange(first_static, DAY_SECONDS - 1, 360.0).astype(int).astype(float))
    m = len(ts)
    if m and cadence.static_rows:
        reports.add(
            t=ts,
            mobile_type=np.full(m, v.mobile_type, dtype=object),
            mmsi=np.full(m, v.mmsi),
            lat=np.full(m, 91.0),
            lon=np.full(m, 181.0),
            nav_status=np.full(m, "Unknown value", dtype=object),
            pos_fix_device=np.full(m, "GPS", dtype=object),
            eta=np.full(m, day0 + dt.timedelta(days=1, hours=6), dtype=object),
            **_static_fields(v, m, destination),
        )


def _emit_fixed(
    reports: Reports,
    mmsi: int,
    mobile_type: str,
    lat: float,
    lon: float,
    every: float,
    rng: np.random.Generator,
    name: str | None = None,
) -> None:
    t = np.arange(rng.uniform(0, every), DAY_SECONDS - 1, every).astype(int).astype(float)
    n = len(t)
    reports.add(
        t=t,
        mobile_type=np.full(n, mobile_type, dtype=object),
        mmsi=np.full(n, mmsi),
        lat=np.full(n, round(lat, 6)),
        lon=np.full(n, round(lon, 6)),
        nav_status=np.full(n, "Unknown value", dtype=object),
        name=np.full(n, name, dtype=object),
        pos_fix_device=np.full(n, "Surveyed" if mobile_type == "AtoN" else "GPS", dtype=object),
    )


@dataclass(frozen=True)
class Cadence:
    """How often transmitters appear in the file: at their ITU-R M.1371 intervals with DMA's
    static rows (the default), or downsampled as NOAA publishes (the first report of each
    minute, no static-only rows)."""

    min_interval_s: float = 0.0
    static_rows: bool = True


DMA_CADENCE = Cadence()
NOAA_CADENCE = Cadence(min_interval_s=60.0, static_rows=False)


@dataclass(frozen=True)
class FleetSize:
    """How many of each kind sail; :meth:`for_rows` scales a fleet to a target row count."""

    cargo: int = 14
    tanker: int = 4
    ferry_per_pair: int = 2
    fishing: int = 5
    anchored: int = 4
    pleasure: int = 6
    base_stations: int = 3
    atons: int = 4
    dark: int = 1
    # The planted events at sea (``aislake.simulate.events``: a ship-to-ship transfer, a drift,
    # a crossing), Danish waters only; off by default, so that no other day changes.
    events: bool = False
    # The planted shared MMSIs (``aislake.simulate.shared``: two ships in different waters, two
    # in one harbour, a spoofer on a ferry's MMSI), Danish waters only; off by default.
    shared: bool = False

    @classmethod
    def for_rows(cls, rows: int) -> FleetSize:
        """A fleet that reports about ``rows`` rows a day. Fixed stations are capped (there are
        only so many base stations and AtoN), and vessels make up the rest."""
        default = cls()
        k = max(rows / DEFAULT_FLEET_ROWS, 0.05)
        base_stations = min(max(1, round(default.base_stations * k)), 40)
        atons = min(max(1, round(default.atons * k)), 200)
        station_rows = base_stations * 8_640 + atons * 480  # every 10 s and every 3 min
        kv = max(rows - station_rows, 0) / DEFAULT_VESSEL_ROWS

        def s(n: int) -> int:
            return max(1, round(n * kv))

        return cls(s(14), s(4), s(2), s(5), s(4), s(6), base_stations, atons)


# Measured (bench/): the default fleet reports about 242 k rows a day, 214 k of them from vessels.
DEFAULT_FLEET_ROWS = 242_000
DEFAULT_VESSEL_ROWS = 214_000


def simulate(
    day: dt.date,
    fleet: FleetSize | None = None,
    seed: int = 0,
    glitch_share: float = 0.0002,
    region: Region = DANISH_WATERS,
    cadence: Cadence = DMA_CADENCE,
) -> tuple[dict[str, np.ndarray], Truth]:
    """AIS reports of one day (columns in DMA field order, ``t`` = seconds of the day), sorted by
    time, with the ground truth, in memory: for days of up to a few million rows (larger ones
    stream through :func:`simulate_into`)."""
    batches: list[pa.RecordBatch] = []
    truth = simulate_into(batches.append, day, fleet, seed, glitch_share, region, cadence)
    table = pa.Table.from_batches(batches, schema=REPORT_SCHEMA)
    table = table.take(pc.sort_indices(table, [("t", "ascending"), ("mmsi", "ascending")]))
    return {k: table.column(k).to_numpy(zero_copy_only=False) for k in REPORT_FIELDS}, truth


def simulate_into(
    sink: Callable[[pa.RecordBatch], None],
    day: dt.date,
    fleet: FleetSize | None = None,
    seed: int = 0,
    glitch_share: float = 0.0002,
    region: Region = DANISH_WATERS,
    cadence: Cadence = DMA_CADENCE,
) -> Truth:
    """Sail ``fleet`` through ``day`` in ``region`` and hand each transmitter's reports to
    ``sink`` as one record batch (vessel by vessel, not in time order), at ``cadence``; returns
    the ground truth. The same arguments always give the same batches in the same order."""
    fleet = fleet or FleetSize()
    day0 = dt.datetime.combine(day, dt.time())
    truth = Truth(day)
    reports = Reports(sink)
    index = 0

    def add(
        kind: str,
        legs_for: object,
        mobile_type: str = "Class A",
        shares: VesselTruth | None = None,
        copies_identity: bool = False,
    ) -> VesselTruth:
        """Sail a vessel; ``shares``: the vessel whose MMSI it transmits (and static data, when
        ``copies_identity``), in the seconds that one does not use."""
        nonlocal index
        index += 1
        rng = _rng(day, seed, kind, index)  # the day's: report times, noise, a day's trip
        who = _rng(None, seed, kind, index)  # the vessel's: identity and schedule, every day
        mid = region.mids[index % len(region.mids)]
        v = _new_vessel(who, mid * 1_000_000 + 10_000 + index, kind, index, mobile_type, region)
        if shares is not None:
            v.mmsi = shares.mmsi
            if copies_identity:
                v = replace(shares, kind=kind, stays=[], glitches=[], gaps=[], voyages=[])
        if fleet.shared:
            v.report_seconds = np.empty(0)  # kept: the test of shared MMSIs reads it
        legs = legs_for(rng, who, v)  # type: ignore[operator]
        v.distance_nm = _distance_sailed(legs)
        dark = _dark_windows(legs, day0) if kind == "dark" else []
        v.gaps = [gap for _, _, gap in dark]
        truth.vessels.setdefault(v.mmsi, v)
        avoid = shares.report_seconds if shares is not None else None
        _emit_vessel(
            reports, v, legs, rng, glitch_share, day0, cadence, [(a, b) for a, b, _ in dark], avoid
        )
        return v

    def liner(rng: np.random.Generator, who: np.random.Generator, v: VesselTruth) -> list[Leg]:
        speed = float(who.uniform(10, 16))
        return _liner_legs(who, speed, v, day0, region.cargo_ports, (2.0, 10.0))

    for i in range(fleet.cargo + fleet.tanker):
        add("cargo" if i < fleet.cargo else "tanker", liner)
    ferries = []
    for a, b in region.ferry_pairs:
        for _ in range(fleet.ferry_per_pair):
            ferries.append(
                add(
                    "ferry",
                    lambda rng, who, v, a=a, b=b: _liner_legs(
                        who, float(who.uniform(12, 16)), v, day0, (a, b), (0.25, 0.5), direct=True
                    ),
                )
            )
    for _ in range(fleet.fishing):
        add(
            "fishing",
            lambda rng, who, v: _fishing_legs(rng, who, str(who.choice(region.fishing_ports))),
        )
    for _ in range(fleet.anchored):

        def anchored(
            rng: np.random.Generator, who: np.random.Generator, v: VesselTruth
        ) -> list[Leg]:
            p = PORTS_BY_NAME[str(who.choice(region.cargo_ports))]
            return [stay(-3600, DAY_SECONDS + 3600, p.lat + 0.03, p.lon + 0.03, "At anchor")]

        add("anchored", anchored)
    for _ in range(fleet.pleasure):

        def trip(rng: np.random.Generator, who: np.random.Generator, v: VesselTruth) -> list[Leg]:
            home = PORTS_BY_NAME[str(who.choice(region.pleasure_homes))]
            away = np.array([home.lat + rng.uniform(-0.1, 0.1), home.lon + 0.12])
            start = rng.uniform(8, 12) * 3600
            out = sail(start, np.array([[home.lat, home.lon], away]), 6.0, "Under way")
            back = sail(out.t1 + 1800, np.array([away, [home.lat, home.lon]]), 6.0, "Under way")
            return [
                stay(-3600, start, home.lat, home.lon, "Moored"),
                out,
                stay(out.t1, out.t1 + 1800, float(away[0]), float(away[1]), "Moored"),
                back,
                stay(back.t1, DAY_SECONDS + 3600, home.lat, home.lon, "Moored"),
            ]

        add("pleasure", trip, mobile_type="Class B")
    # Cargo ships whose transponder goes dark twice a day (DARK_WINDOWS), on a rotation.
    for _ in range(fleet.dark):
        add("dark", liner)
    if fleet.events:
        if region is not DANISH_WATERS:
            raise ValueError(f"planted events are in Danish waters, not {region.name}")
        roles = {
            planted.role: add(planted.kind, lambda rng, who, v, legs=planted.legs: legs).mmsi
            for planted in planted_vessels()
        }
        truth.events = planted_events(day0, roles)
    if fleet.shared:
        if region is not DANISH_WATERS:
            raise ValueError(f"planted shared MMSIs are in Danish waters, not {region.name}")
        ships = {"ferry": ferries[0]}
        for ship in shared_ships("ferry"):
            owner = ships[ship.shares] if ship.shares else None
            v = add(
                ship.kind,
                lambda rng, who, v, ship=ship: _planted_legs(ship, v, day0),
                shares=owner,
                copies_identity=ship.copies_identity,
            )
            ships[ship.role] = v
            if owner is not None:
                first, second = sorted((owner, v), key=lambda x: float(_seconds(x).min()))
                truth.shared.append(SharedMmsi(v.mmsi, SCENARIOS[ship.role], day, (first, second)))
    rng = _rng(day, seed, "fixed")
    stations = [PORTS_BY_NAME[name] for name in region.station_ports]
    for i in range(fleet.base_stations):
        p = stations[i % len(stations)]
        # Base stations are 00MIDxxxx: DMA prints them without the leading zeros (7 digits).
        every = max(10.0, cadence.min_interval_s)
        _emit_fixed(reports, region.base_station_mmsi + i, "Base Station", p.lat, p.lon, every, rng)
    for i in range(fleet.atons):
        p = stations[(i * 5) % len(stations)]
        _emit_fixed(
            reports,
            region.aton_mmsi + i,
            "AtoN",
            p.lat + 0.05,
            p.lon - 0.05,
            180.0,
            rng,
            name=f"WIND FARM {i}",
        )
    return truth
