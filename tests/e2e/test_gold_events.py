"""Events against the simulator's truth: a day with its planted events at sea (a ship-to-ship
transfer, a drift, a crossing at 0.3 nm: ``aislake.simulate.events``) among the small fleet,
through silver and every gold product. Each planted event is found, with nothing extra; every
close-quarters situation is checked against an independent reading of the simulator's reports
(the pairs' distances on a 15-second grid, by brute force)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_gold_movements import build_all

from aislake.duck.engine import connect, open_duckdb
from aislake.gold.core import UNDER_WAY_MIN_SOG, GoldParams, empty_relation, write_gold
from aislake.gold.registry import BY_NAME, build_product, partition_prefix, product_selects
from aislake.silver.build import build_silver
from aislake.simulate.dmafile import write_dma_zip
from aislake.simulate.events import CROSSING_CPA_NM, PlantedEvent
from aislake.simulate.traffic import FleetSize, Truth, simulate
from aislake.storage.current import partition_keys
from aislake.storage.layout import gold_prefix
from aislake.storage.store import LocalStore
from conftest import SIM_DAY, SMALL_FLEET

FLEET = replace(SMALL_FLEET, events=True)
NEAR = dt.timedelta(minutes=5)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, Truth]:
    return simulated_day(tmp_path_factory.mktemp("events"), FLEET)


def simulated_day(root: Path, fleet: FleetSize) -> tuple[LocalStore, Truth]:
    """SIM_DAY sailed by ``fleet``, through silver and every gold product on a local lake."""
    simulated = write_dma_zip(SIM_DAY, root / "mirror", fleet)
    store = LocalStore(root / "lake")
    csv = root / "day.csv"
    with zipfile.ZipFile(simulated.path) as zf:
        csv.write_bytes(zf.read(f"aisdk-{SIM_DAY}.csv"))
    store.put_file(csv, "bronze/dma/day.csv")
    build_silver(connect(store), store, "bronze/dma/day.csv", SIM_DAY)
    build_all(store, [SIM_DAY])
    return store, simulated.truth


def rows(store: LocalStore, product: str, columns: str) -> list[tuple]:
    keys = partition_keys(store, gold_prefix(product, SIM_DAY))
    files = "[" + ", ".join(f"'{store.uri(k)}'" for k in keys) + "]"
    return connect(store).execute(f"SELECT {columns} FROM read_parquet({files})").fetchall()


def planted(truth: Truth, kind: str) -> list[PlantedEvent]:
    return [e for e in truth.events if e.kind == kind]


def test_the_transfer_is_the_one_encounter(day: tuple[LocalStore, Truth]) -> None:
    store, truth = day
    found = rows(store, "encounters", "mmsi_a, mmsi_b, start_ts, end_ts, median_km, place_km")
    (event,) = planted(truth, "encounter")
    assert [(a, b) for a, b, *_ in found] == [event.mmsis]
    ((_, _, start, end, median_km, place_km),) = found
    assert abs(start - event.start) <= NEAR and abs(end - event.end) <= NEAR
    assert median_km < 0.1 and place_km > 50


def test_loitering_is_what_was_planted(day: tuple[LocalStore, Truth]) -> None:
    """The drift and both tankers of the transfer; no ship of the fleet at anchor, moored or
    fishing at 3 kn loiters."""
    store, truth = day
    found = sorted(rows(store, "loitering", "mmsi, start_ts, end_ts"))
    expected = sorted((e.mmsis[0], e.start, e.end) for e in planted(truth, "loitering"))
    assert [m for m, *_ in found] == [m for m, *_ in expected]
    for (_, start, end), (_, t_start, t_end) in zip(found, expected, strict=True):
        assert abs(start - t_start) <= NEAR and abs(end - t_end) <= NEAR


def _distances(truth: Truth) -> dict[tuple[int, int], tuple[float, dt.datetime]]:
    """Per pair of vessels, the smallest distance (nm) at which both were under way, and when:
    each vessel's reported positions interpolated to a 15-second grid (between reports at most
    a minute apart), every pair compared at every instant."""
    reports, _ = simulate(SIM_DAY, FLEET)
    grid = np.arange(0, 86_400, 15.0)
    tracks = {}
    for mmsi in truth.vessels:
        glitches = {
            (g - dt.datetime.combine(SIM_DAY, dt.time())).total_seconds()
            for g in truth.vessels[mmsi].glitches
        }
        m = (
            (reports["mmsi"] == mmsi)
            & (reports["lat"] < 90)
            & ~np.isin(reports["t"], list(glitches))
        )
        t, lat, lon, sog = reports["t"][m], reports["lat"][m], reports["lon"][m], reports["sog"][m]
        if len(t) < 2:
            continue
        heard = np.interp(grid, t[1:], np.diff(t)) <= 60
        moving = np.interp(grid, t, sog) >= UNDER_WAY_MIN_SOG
        ok = heard & moving & (grid >= t[0]) & (grid <= t[-1])
        tracks[mmsi] = (np.interp(grid, t, lat), np.interp(grid, t, lon), ok)
    closest = {}
    for a, b in itertools.combinations(sorted(tracks), 2):
        la, oa, ka = tracks[a]
        lb, ob, kb = tracks[b]
        both = ka & kb
        if not both.any():
            continue
        dy = (lb - la) * 60
        dx = (ob - oa) * 60 * np.cos(np.radians((la + lb) / 2))
        d = np.where(both, np.hypot(dx, dy), np.inf)
        i = int(np.argmin(d))
        closest[(a, b)] = (
            float(d[i]),
            dt.datetime.combine(SIM_DAY, dt.time()) + dt.timedelta(seconds=float(grid[i])),
        )
    return closest


def test_close_quarters_are_the_close_passes_under_way(day: tuple[LocalStore, Truth]) -> None:
    """Every pair that passed within 0.4 nm, both under way, is a situation; every situation is
    a pair that passed within 0.6 nm (a CPA under 0.5 nm was predicted, the pass is on the
    15-second grid); the planted crossing comes out at its 0.3 nm and its minute."""
    store, truth = day
    found = rows(store, "close_quarters", "mmsi_a, mmsi_b, alert_ts, tcpa_minutes, cpa_ts, cpa_nm")
    closest = _distances(truth)
    passed = {pair for pair, (nm, _) in closest.items() if nm < 0.4}
    pairs = {(a, b) for a, b, *_ in found}
    assert passed <= pairs
    assert all(closest[pair][0] < 0.6 for pair in pairs), {p: closest.get(p) for p in pairs}
    assert len(pairs) == len(found)  # one situation a pair on this day
    (crossing,) = planted(truth, "close_quarters")
    ((_, _, alert, tcpa, cpa_ts, cpa_nm),) = [f for f in found if (f[0], f[1]) == crossing.mmsis]
    assert abs(cpa_nm - CROSSING_CPA_NM) < 0.03
    assert abs(cpa_ts - crossing.start) <= dt.timedelta(minutes=1)
    assert dt.timedelta(minutes=4) <= crossing.start - alert <= dt.timedelta(minutes=6.5)
    assert 0 <= tcpa <= 6


@pytest.mark.parametrize("name", ["encounters", "loitering", "close_quarters"])
def test_their_checks_pass(day: tuple[LocalStore, Truth], name: str) -> None:
    store, _ = day
    p = BY_NAME[name]
    keys = partition_keys(store, gold_prefix(name, SIM_DAY))
    files = "[" + ", ".join(f"'{store.uri(k)}'" for k in keys) + "]"
    con = connect(store)
    for measure, sql in p.measures(GoldParams()).items():
        (value,) = con.execute(f"SELECT {sql} FROM read_parquet({files})").fetchone()
        assert value == 0, measure


def _positions(*tracks: tuple[int, list[tuple[int, float, float, float]]]) -> str:
    """A vessel_positions relation from (mmsi, [(minute, lat, lon, sog), ...])."""
    values = ", ".join(
        f"(DATE '2024-01-15', {mmsi}, TIMESTAMP '2024-01-15' + INTERVAL ({minute}) MINUTE, "
        f"{lat}::DOUBLE, {lon}::DOUBLE, {sog}::DOUBLE)"
        for mmsi, points in tracks
        for minute, lat, lon, sog in points
    )
    return (
        "(SELECT d AS dt, m::INTEGER AS mmsi, 1::SMALLINT AS transmitter, t AS ts, lat, lon, sog, "
        "NULL AS nav_status, 'Cargo' AS ship_type, "
        "'Class A' AS mobile_type, 1 AS segment, false AS cut, NULL::DOUBLE AS step_s, "
        "0.0 AS step_nm, NULL::DOUBLE AS leg_nm "
        f"FROM (VALUES {values}) AS v(d, m, t, lat, lon, sog))"
    )


def _run(
    name: str,
    positions: str,
    anchorage: tuple[float, float] = (0.0, 0.0),
    day: dt.date = SIM_DAY,
) -> list[tuple]:
    con = open_duckdb()
    inputs = {"vessel_positions": positions}
    if "anchorages" in BY_NAME[name].reads:
        inputs["anchorages"] = (
            f"(SELECT 'x' AS anchorage_id, 'Here' AS port, 'lake' AS source, "
            f"{anchorage[0]}::DOUBLE AS lat, {anchorage[1]}::DOUBLE AS lon, 1 AS vessels, "
            "1 AS stops, 'Here' AS nearest_port, 0.0 AS nearest_port_km)"
        )
    ((sql, params),) = product_selects(con, BY_NAME[name], inputs, day, GoldParams())
    return con.execute(sql, params).fetchall()


def test_a_pair_across_a_grid_line_is_found() -> None:
    """Two ships 300 m apart on either side of a cell edge (cells are 500 m): the neighbouring
    cells are searched. Far out in the Baltic, still for three hours."""
    edge = 500 / 1000 / 111.32  # a cell's height in degrees of latitude
    lat = 2000 * edge  # on a cell edge
    lon = 18.5
    a = [(m, lat - 0.00135, lon, 0.1) for m in range(0, 181, 3)]
    b = [(m, lat + 0.00135, lon, 0.1) for m in range(1, 181, 3)]
    found = _run("encounters", _positions((265000001, a), (265000002, b)))
    assert [(r[2], r[4]) for r in found] == [(265000001, 265000002)]
    apart = [(m, lat + 0.01, lon + 0.01, 0.1) for m in range(1, 181, 3)]  # ~1.3 km away
    assert _run("encounters", _positions((265000001, a), (265000002, apart))) == []
    # the same two ships with an anchorage 8 km off: in port waters, no encounter, no loitering
    port = (lat + 0.072, lon)
    together = _positions((265000001, a), (265000002, b))
    assert _run("encounters", together, port) == []
    assert _run("loitering", together, port) == []
    assert len(_run("loitering", together, (lat + 0.1, lon))) == 2  # 11 km off: both loiter


def test_head_on_and_parallel() -> None:
    """Two ships meeting head-on 0.2 nm apart are a situation; two sailing side by side at the
    same speed 0.2 nm apart (CPA now, TCPA undefined) and two 0.2 nm apart sailing away from
    each other are not."""
    lat0, lon0 = 55.0, 18.5
    k = 1 / (60 * math.cos(math.radians(lat0)))  # degrees of longitude a nautical mile

    def sailing(east_kn: float, north_nm: float, start_nm: float) -> list:
        return [
            (m, lat0 + north_nm / 60, lon0 + (start_nm + east_kn * m / 60) * k, abs(east_kn))
            for m in range(0, 40)
        ]

    meet = _run(
        "close_quarters",
        _positions((265000001, sailing(12, 0, -6)), (265000002, sailing(-12, 0.2, 6))),
    )
    assert [(r[2], r[4]) for r in meet] == [(265000001, 265000002)]
    assert abs(meet[0][11] - 0.2) < 0.05  # cpa_nm
    side = _run(
        "close_quarters",
        _positions((265000001, sailing(12, 0, 0)), (265000002, sailing(12, 0.2, 0))),
    )
    assert side == []
    away = _run(
        "close_quarters",
        _positions((265000001, sailing(-12, 0, -0.1)), (265000002, sailing(12, 0.2, 0.1))),
    )
    assert away == []


BEFORE = SIM_DAY - dt.timedelta(days=1)
MIDNIGHT = dt.datetime.combine(SIM_DAY, dt.time())
SLOT = dt.timedelta(minutes=GoldParams.event_slot_minutes)  # an encounter starts in its slot


def test_events_across_midnight_are_one_row_on_the_day_they_end() -> None:
    """A loitering from 22:00 to 01:00, an encounter from 22:00 to 01:00 and a crossing whose
    alert comes at 23:57 and CPA at 00:01: each is one row of the day after (read with the
    positions of the day before), none of the day before (where each was still going at its
    last report)."""
    lat, lon = 55.0, 18.5
    slow = [(m, lat, lon, 0.1) for m in range(-120, 61, 3)]
    slow += [(m, lat + (m - 60) * 0.003, lon, 10.0) for m in range(63, 121, 3)]  # steams off
    beside = [(m, lat + 0.00270, lon, 0.1) for m in range(-119, 61, 3)]
    for name, track in (("loitering", (265000001, slow)), ("encounters", (265000002, beside))):
        tracks = [(265000001, slow)] + ([track] if track[0] != 265000001 else [])
        relation = _positions(*tracks)
        assert _run(name, relation, day=BEFORE) == [], name
        (row,) = _run(name, relation)
        start, end = (row[4], row[5]) if name == "loitering" else (row[6], row[7])
        assert dt.timedelta(0) <= start - (MIDNIGHT - dt.timedelta(hours=2)) < SLOT, name
        assert end - MIDNIGHT <= dt.timedelta(hours=1), name
    # the crossing: at 12 kn on perpendicular courses, A east, B north, CPA 0.2 nm at 00:01
    a = [
        (m, lat, lon + (m - 1) * 0.2 / 60 / math.cos(math.radians(lat)), 12.0)
        for m in range(-30, 31)
    ]
    b = [
        (m, lat - 0.2 / 60 + (m - 1) * 0.2 / 60, lon + 0.2 / 60 / math.cos(math.radians(lat)), 12.0)
        for m in range(-30, 31)
    ]
    crossing = _positions((265000003, a), (265000004, b))
    assert _run("close_quarters", crossing, day=BEFORE) == []
    (row,) = _run("close_quarters", crossing)
    assert row[6] < MIDNIGHT  # alert_ts: before midnight
    assert abs(row[10] - (MIDNIGHT + dt.timedelta(minutes=1))) <= dt.timedelta(minutes=1)


def test_a_day_reads_the_day_before_where_the_lake_holds_it(tmp_path: Path) -> None:
    """build_product: loitering of a day is built from vessel_positions of that day and of the
    day before (when the lake holds it): the loitering across midnight is the day's one row."""
    store = LocalStore(tmp_path)
    con = connect(store)
    slow = [(m, 55.0, 18.5, 0.1) for m in range(-120, 61, 3)]
    slow += [(m, 55.0 + (m - 60) * 0.003, 18.5, 10.0) for m in range(63, 121, 3)]
    relation = _positions((265000001, slow))
    for day in (BEFORE, SIM_DAY):
        select = f"SELECT * REPLACE (ts::DATE AS dt) FROM {relation} WHERE ts::DATE = ?"
        write_gold(
            con,
            store,
            "vessel_positions",
            gold_prefix("vessel_positions", day),
            [(select, {"1": day})],
        )
    nowhere = "SELECT * FROM " + empty_relation(BY_NAME["anchorages"].columns)
    write_gold(
        con, store, "anchorages", partition_prefix(BY_NAME["anchorages"], None), [(nowhere, {})]
    )
    assert build_product(con, store, "loitering", BEFORE).rows == 0
    assert build_product(con, store, "loitering", SIM_DAY).rows == 1
    ((start, transmitter),) = rows(store, "loitering", "start_ts, transmitter")
    assert (start, transmitter) == (MIDNIGHT - dt.timedelta(hours=2), 1)


def test_a_cpa_just_under_the_limit_passes_the_check() -> None:
    """predicted_cpa_nm is stored rounded to 3 decimals: 0.4996 nm reads 0.5, which is still a
    situation (found on a 4 M-row day, where the check failed the run)."""
    row = (
        "(SELECT TIMESTAMP '2024-01-15 10:00' AS alert_ts, TIMESTAMP '2024-01-15 10:03' AS cpa_ts, "
        "0.5 AS cpa_nm, 5.3 AS tcpa_minutes, round(0.4996, 3) AS predicted_cpa_nm)"
    )
    sql = BY_NAME["close_quarters"].measures(GoldParams())["rows_out_of_range"]
    assert open_duckdb().execute(f"SELECT {sql} FROM {row}").fetchone() == (0,)
