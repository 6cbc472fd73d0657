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
departure), its distance sailed, and the position glitches it injected, so that gold's detected
port calls and tracks can be compared with what really happened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aislake.reference.ports import NORDIC_PORTS, PORTS_BY_NAME, US_PORTS, distance_nm
from aislake.simulate.sealanes import route

DAY_SECONDS = 86_400


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
}


@dataclass(frozen=True)
class Stay:
    """A port call the simulator made: moored in ``port`` from arrival to departure (UTC)."""

    port: str
    lat: float
    lon: float
    arrival: dt.datetime
    departure: dt.datetime


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


@dataclass
class Truth:
    day: dt.date
    vessels: dict[int, VesselTruth] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)  # quirk name -> rows injected
    quirk_vessels: dict[str, int] = field(default_factory=dict)  # quirk name -> its vessel


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
        ("t", pa.float64()), ("mobile_type", pa.string()), ("mmsi", pa.int64()),
        ("lat", pa.float64()), ("lon", pa.float64()), ("nav_status", pa.string()),
        ("rot", pa.float64()), ("sog", pa.float64()), ("cog", pa.float64()),
        ("heading", pa.int64()), ("imo", pa.int64()), ("callsign", pa.string()),
        ("name", pa.string()), ("ship_type", pa.string()), ("cargo_type", pa.string()),
        ("width", pa.int64()), ("length", pa.int64()), ("pos_fix_device", pa.string()),
        ("draught", pa.float64()), ("destination", pa.string()), ("eta", pa.timestamp("us")),
        ("size_a", pa.int64()), ("size_b", pa.int64()), ("size_c", pa.int64()),
        ("size_d", pa.int64()),
    ]
)  # fmt: skip
REPORT_FIELDS = tuple(REPORT_SCHEMA.names)


@dataclass
class Leg:
    """A piece of a vessel's day: sail along waypoints, or stay at a point."""

    t0: float
    t1: float
    points: np.ndarray  # (k, 2) lat, lon; one row when staying
    speed_kn: float
    nav_status: str


def _rng(day: dt.date, seed: int, *salt: object) -> np.random.Generator:
    key = "|".join([day.isoformat(), str(seed), *map(str, salt)]).encode()
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))


def _polyline_lengths(points: np.ndarray) -> np.ndarray:
    return np.array(
        [distance_nm(*points[i], *points[i + 1]) for i in range(len(points) - 1)], dtype=float
    )


def _sail(t0: float, points: np.ndarray, speed: float, status: str) -> Leg:
    hours = _polyline_lengths(points).sum() / speed
    return Leg(t0, t0 + hours * 3600, points, speed, status)


def _stay(t0: float, t1: float, lat: float, lon: float, status: str) -> Leg:
    return Leg(t0, t1, np.array([[lat, lon]]), 0.0, status)


def _berth(port: str, rng: np.random.Generator) -> tuple[float, float]:
    p = PORTS_BY_NAME[port]
    return p.lat + rng.uniform(-0.003, 0.003), p.lon + rng.uniform(-0.004, 0.004)


def _liner_legs(
    rng: np.random.Generator, start: str, speed: float, truth: VesselTruth, day0: dt.datetime,
    ports: tuple[str, ...], dwell_h: tuple[float, float], direct: bool = False,
) -> list[Leg]:  # fmt: skip
    """A vessel that alternates stays in port and passages, from before midnight to after."""
    legs: list[Leg] = []
    port = start
    lat, lon = _berth(port, rng)
    # Start somewhere in the first stay, so the day opens with the vessel moored or arriving.
    t = -rng.uniform(0, dwell_h[1]) * 3600
    while t < DAY_SECONDS:
        stay_end = t + rng.uniform(*dwell_h) * 3600
        legs.append(_stay(t, stay_end, lat, lon, "Moored"))
        if stay_end > 0 and t < DAY_SECONDS:
            truth.stays.append(
                Stay(port, lat, lon, day0 + dt.timedelta(seconds=t),
                     day0 + dt.timedelta(seconds=stay_end))
            )  # fmt: skip
        nxt = (
            ports[(ports.index(port) + 1) % len(ports)]
            if direct
            else rng.choice([p for p in ports if p != port])
        )
        if direct:
            b = _berth(nxt, rng)
            points = np.array([[lat, lon], [b[0], b[1]]])
        else:
            way = np.array(route(port, str(nxt)))
            way[0] = (lat, lon)
            way[-1] = _berth(str(nxt), rng)
            points = way
        leg = _sail(stay_end, points, speed, "Under way using engine")
        legs.append(leg)
        # Moored where the passage ended.
        t, port, (lat, lon) = leg.t1, str(nxt), (float(points[-1, 0]), float(points[-1, 1]))
    return legs


def _fishing_legs(rng: np.random.Generator, home: str) -> list[Leg]:
    lat, lon = _berth(home, rng)
    sea = PORTS_BY_NAME[home]
    ground = np.array([sea.lat + rng.uniform(-0.4, 0.4), sea.lon + rng.uniform(-0.6, 0.6)])
    start = rng.uniform(2, 6) * 3600
    legs = [_stay(0, start, lat, lon, "Moored")]
    out = _sail(start, np.array([[lat, lon], ground]), 9.0, "Under way using engine")
    legs.append(out)
    # Trawling: a random walk at ~3 kn for several hours.
    steps = rng.normal(0, 0.02, size=(12, 2)).cumsum(axis=0) + ground
    trawl = _sail(out.t1, np.vstack([ground, steps]), 3.0, "Engaged in fishing")
    legs.append(trawl)
    back = _sail(trawl.t1, np.array([steps[-1], [lat, lon]]), 9.0, "Under way using engine")
    legs.append(back)
    legs.append(_stay(back.t1, DAY_SECONDS + 3600, lat, lon, "Moored"))
    return legs


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
        seg = _polyline_lengths(leg.points)
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
    rng: np.random.Generator, mmsi: int, kind: str, index: int, mobile_type: str = "Class A",
    region: Region = DANISH_WATERS,
) -> VesselTruth:  # fmt: skip
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
    reports: Reports, v: VesselTruth, legs: list[Leg], rng: np.random.Generator,
    glitch_share: float, day0: dt.datetime, cadence: Cadence,
) -> None:  # fmt: skip
    t = _report_times(legs, v.mobile_type, rng, cadence.min_interval_s)
    if not len(t):
        return
    p = _positions(legs, t, rng)
    n = len(t)
    # A few GPS glitches: one position thrown ~30 km off, between two good ones.
    glitch = (rng.random(n) < glitch_share) & (np.arange(n) > 0) & (np.arange(n) < n - 1)
    p["lat"] = np.where(glitch, p["lat"] + 0.3, p["lat"])
    v.glitches.extend(day0 + dt.timedelta(seconds=float(s)) for s in t[glitch])
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
    ts = np.arange(first_static, DAY_SECONDS - 1, 360.0).astype(int).astype(float)
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
    reports: Reports, mmsi: int, mobile_type: str, lat: float, lon: float, every: float,
    rng: np.random.Generator, name: str | None = None,
) -> None:  # fmt: skip
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
    day: dt.date, fleet: FleetSize | None = None, seed: int = 0, glitch_share: float = 0.0002,
    region: Region = DANISH_WATERS, cadence: Cadence = DMA_CADENCE,
) -> tuple[dict[str, np.ndarray], Truth]:  # fmt: skip
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

    def add(kind: str, legs_for: object, mobile_type: str = "Class A") -> None:
        nonlocal index
        index += 1
        rng = _rng(day, seed, kind, index)
        mid = region.mids[index % len(region.mids)]
        v = _new_vessel(rng, mid * 1_000_000 + 10_000 + index, kind, index, mobile_type, region)
        legs = legs_for(rng, v)  # type: ignore[operator]
        v.distance_nm = _distance_sailed(legs)
        truth.vessels[v.mmsi] = v
        _emit_vessel(reports, v, legs, rng, glitch_share, day0, cadence)

    for i in range(fleet.cargo + fleet.tanker):
        kind = "cargo" if i < fleet.cargo else "tanker"
        add(kind, lambda rng, v: _liner_legs(
            rng, str(rng.choice(region.cargo_ports)), float(rng.uniform(10, 16)), v, day0,
            region.cargo_ports, (2.0, 10.0)))  # fmt: skip
    for a, b in region.ferry_pairs:
        for _ in range(fleet.ferry_per_pair):
            add("ferry", lambda rng, v, a=a, b=b: _liner_legs(
                rng, a if rng.random() < 0.5 else b, float(rng.uniform(12, 16)), v, day0,
                (a, b), (0.25, 0.5), direct=True))  # fmt: skip
    for _ in range(fleet.fishing):
        add("fishing", lambda rng, v: _fishing_legs(rng, str(rng.choice(region.fishing_ports))))
    for _ in range(fleet.anchored):

        def anchored(rng: np.random.Generator, v: VesselTruth) -> list[Leg]:
            p = PORTS_BY_NAME[str(rng.choice(region.cargo_ports))]
            return [_stay(-3600, DAY_SECONDS + 3600, p.lat + 0.03, p.lon + 0.03, "At anchor")]

        add("anchored", anchored)
    for _ in range(fleet.pleasure):

        def trip(rng: np.random.Generator, v: VesselTruth) -> list[Leg]:
            home = PORTS_BY_NAME[str(rng.choice(region.pleasure_homes))]
            away = np.array([home.lat + rng.uniform(-0.1, 0.1), home.lon + 0.12])
            start = rng.uniform(8, 12) * 3600
            out = _sail(start, np.array([[home.lat, home.lon], away]), 6.0, "Under way")
            back = _sail(out.t1 + 1800, np.array([away, [home.lat, home.lon]]), 6.0, "Under way")
            return [
                _stay(0, start, home.lat, home.lon, "Moored"),
                out,
                _stay(out.t1, out.t1 + 1800, float(away[0]), float(away[1]), "Moored"),
                back,
                _stay(back.t1, DAY_SECONDS + 1, home.lat, home.lon, "Moored"),
            ]

        add("pleasure", trip, mobile_type="Class B")
    rng = _rng(day, seed, "fixed")
    stations = [PORTS_BY_NAME[name] for name in region.station_ports]
    for i in range(fleet.base_stations):
        p = stations[i % len(stations)]
        # Base stations are 00MIDxxxx: DMA prints them without the leading zeros (7 digits).
        every = max(10.0, cadence.min_interval_s)
        _emit_fixed(reports, region.base_station_mmsi + i, "Base Station", p.lat, p.lon, every,
                    rng)  # fmt: skip
    for i in range(fleet.atons):
        p = stations[(i * 5) % len(stations)]
        _emit_fixed(reports, region.aton_mmsi + i, "AtoN", p.lat + 0.05, p.lon - 0.05, 180.0, rng,
                    name=f"WIND FARM {i}")  # fmt: skip
    return truth
