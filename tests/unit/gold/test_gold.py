"""Gold products against the simulator's ground truth, on crafted rows, and on real samples."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest

from aislake.duck.engine import connect, run_sql_file
from aislake.duck.sql import partition_files
from aislake.gold.core import GOLD_MACROS, GoldParams, NoSilverError
from aislake.gold.heatmap import render_heatmap
from aislake.gold.registry import PRODUCTS as REGISTRY
from aislake.gold.registry import NoInputError, build_product
from aislake.query.views import REGISTRY_LATEST
from aislake.silver.build import build_silver
from aislake.simulate.dmafile import SimulatedFile
from aislake.storage.current import partition_keys
from aislake.storage.layout import gold_prefix
from aislake.storage.store import LocalStore
from conftest import SIM_DAY
from dmarows import HEADER, TAIL, row


def _from_the_day(registry: tuple) -> tuple[str, ...]:
    """The products a day's silver builds, directly or through each other, in the registry's
    (dependency) order; the others also read history products: test_gold_movements.py."""
    names: list[str] = []
    for p in registry:
        if p.partitioning == "daily" and all(r == "silver" or r in names for r in p.reads):
            names.append(p.name)
    return tuple(names)


PRODUCTS = _from_the_day(REGISTRY)
# What this module's tests read of the simulated day (the real sample's test builds them all).
READ_HERE = (
    "vessel_positions",
    "ais_daily_summary",
    "vessel_registry",
    "vessel_tracks",
    "vessel_stops",
    "traffic_density",
)
DAY0 = dt.datetime.combine(SIM_DAY, dt.time())
DAY1 = DAY0 + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def lake(sim_file: SimulatedFile, tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    """The simulated day through silver and the gold products this module reads, once."""
    store = LocalStore(tmp_path_factory.mktemp("gold") / "lake")
    csv = tmp_path_factory.mktemp("csv") / "day.csv"
    with zipfile.ZipFile(sim_file.path) as zf:
        csv.write_bytes(zf.read("aisdk-2024-01-15.csv"))
    store.put_file(csv, "bronze/dma/day.csv")
    con = connect(store)
    build_silver(con, store, "bronze/dma/day.csv", SIM_DAY)
    for product in READ_HERE:
        build_product(con, store, product, SIM_DAY)
    return store


def rows(store: LocalStore, product: str, sql: str) -> list[tuple]:
    table = f"read_parquet({partition_files(store, gold_prefix(product, SIM_DAY))})"
    return connect(store).execute(sql.format(t=table)).fetchall()


def test_stops_match_the_simulators_stays(lake: LocalStore, sim_file: SimulatedFile) -> None:
    """Every stay of 40 min or more within the day is found at the right port, with arrival and
    departure within 10 minutes (of the day's edges, for stays that span midnight)."""
    detected = rows(
        lake, "vessel_stops", "SELECT mmsi, port, arrival, departure, stop_type FROM {t}"
    )
    tolerance = dt.timedelta(minutes=10)
    expected = 0
    for mmsi, vessel in sim_file.truth.vessels.items():
        for stay in vessel.stays:
            arrival, departure = max(stay.arrival, DAY0), min(stay.departure, DAY1)
            if departure - arrival < dt.timedelta(minutes=40) or vessel.dark_during(
                arrival, departure
            ):
                continue
            expected += 1
            match = [
                d
                for d in detected
                if d[0] == mmsi
                and d[1] == stay.port
                and abs(d[2] - arrival) <= tolerance
                and abs(d[3] - departure) <= tolerance
            ]
            assert len(match) == 1, (vessel.name, stay, [d for d in detected if d[0] == mmsi])
            assert match[0][4] == "moored"
    assert expected >= 5


def test_ships_at_anchor_are_one_stop_at_anchor(lake: LocalStore, sim_file: SimulatedFile) -> None:
    anchored = [m for m, v in sim_file.truth.vessels.items() if v.kind == "anchored"]
    got = rows(
        lake,
        "vessel_stops",
        "SELECT mmsi, stop_type, arrival_clipped, departure_clipped, "
        "duration_minutes FROM {t} WHERE stop_type = 'at_anchor' ORDER BY mmsi",
    )
    assert [g[0] for g in got] == sorted(anchored)
    assert all(g[2] and g[3] and g[4] > 23 * 60 for g in got)


def test_no_stop_is_shorter_than_the_minimum(lake: LocalStore) -> None:
    (shortest,) = rows(lake, "vessel_stops", "SELECT min(duration_minutes) FROM {t}")[0]
    assert shortest >= GoldParams().stop_min_minutes


def test_track_distance_matches_the_distance_sailed(
    lake: LocalStore, sim_file: SimulatedFile
) -> None:
    """With several receivers per second and stale repeats in the file, each cargo ship's,
    tanker's and ferry's continuous track is within 2 % of what the simulator sailed (the
    ferry's destination and a cargo ship's name carry unquoted commas: repaired rows)."""
    got = dict(rows(lake, "vessel_tracks", "SELECT mmsi, sum(distance_nm) FROM {t} GROUP BY 1"))
    assert sim_file.truth.injected["multi_receiver"] > 1000
    for mmsi, vessel in sim_file.truth.vessels.items():
        if vessel.kind in ("cargo", "tanker", "ferry"):
            assert got[mmsi] == pytest.approx(vessel.distance_nm, rel=0.02, abs=0.5), vessel.name


def test_tracks_without_gaps_are_one_segment_and_never_too_fast(
    lake: LocalStore, sim_file: SimulatedFile
) -> None:
    segments = rows(
        lake,
        "vessel_tracks",
        "SELECT mmsi, count(*), max(distance_nm * 3600 / "
        "greatest(epoch(end_ts - start_ts), 1)) FROM {t} GROUP BY 1",
    )
    unprovable = sim_file.truth.quirk_vessels["unquoted_comma_callsign"]  # rows are rejects
    dark = {m for m, v in sim_file.truth.vessels.items() if v.gaps}  # silent for hours
    assert dark and all(n == 1 for m, n, _ in segments if m != unprovable and m not in dark)
    assert all(n == 2 for m, n, _ in segments if m in dark)  # heard 04-09 h and 16-21 h
    assert max(speed for _, _, speed in segments) < GoldParams().max_speed_kn


def test_tracks_are_simplified_lines_along_the_route(lake: LocalStore) -> None:
    (wkt, points) = rows(
        lake, "vessel_tracks", "SELECT geometry_wkt, points FROM {t} ORDER BY points DESC LIMIT 1"
    )[0]
    assert wkt.startswith("LINESTRING (")
    vertices = wkt.count(",") + 1
    assert 2 <= vertices < points / 20  # far fewer vertices than positions


def segments_of(tmp_path: Path, points: list[tuple[str, float]]) -> list[tuple]:
    """(segment, points) of the track one ship reports at ``points`` (time, latitude) on
    SIM_DAY, through silver and vessel_tracks."""
    store = LocalStore(tmp_path / "lake")
    lines = [row(ts=f"15/01/2024 {t}", lat=str(lat), nav="Under way") for t, lat in points]
    csv = tmp_path / "d.csv"
    csv.write_text("\n".join([HEADER, *lines]) + "\n")
    store.put_file(csv, "bronze/dma/d.csv")
    con = connect(store)
    build_silver(con, store, "bronze/dma/d.csv", SIM_DAY)
    build_product(con, store, "vessel_positions", SIM_DAY)
    build_product(con, store, "vessel_tracks", SIM_DAY)
    return rows(store, "vessel_tracks", "SELECT segment, points FROM {t} ORDER BY segment")


def test_tracks_split_at_a_gap(tmp_path: Path) -> None:
    times = ["10:00:00", "10:00:10", "10:00:20", "11:00:00", "11:00:10"]  # 40 min gap
    got = segments_of(tmp_path, [(t, float(f"55.{i:04d}")) for i, t in enumerate(times)])
    assert got == [(1, 3), (2, 2)]


def test_registry_resolves_static_data_from_position_and_static_rows(
    lake: LocalStore, sim_file: SimulatedFile
) -> None:
    got = {
        r[0]: r[1:]
        for r in rows(
            lake,
            "vessel_registry",
            "SELECT mmsi, name, callsign, imo, ship_type, "
            "length, width, static_reports, positions FROM {t}",
        )
    }
    ships = {m: v for m, v in sim_file.truth.vessels.items()}
    assert set(got) == set(ships)  # ships only: no base stations, AtoN, or the coast station
    unprovable = sim_file.truth.quirk_vessels["unquoted_comma_callsign"]
    for mmsi, v in ships.items():
        if mmsi == unprovable:  # its static rows are rejects (kept with their raw line)
            continue
        name, callsign, imo, ship_type, length, width, statics, positions = got[mmsi]
        assert (name, callsign, imo, ship_type) == (v.name, v.callsign, v.imo, v.ship_type)
        assert (length, width) == (v.length, v.width)
        assert statics > (80 if v.gaps else 200) and positions > 0  # dark: 14 h of 24


def test_registry_latest_view_spans_days(lake: LocalStore) -> None:
    table = f"read_parquet('{lake.uri('gold/vessel_registry')}/*/*.parquet')"
    con = connect(lake)
    con.execute(f"CREATE TEMP VIEW vessel_registry AS SELECT * FROM {table}")
    latest = con.execute(REGISTRY_LATEST.read_text()).fetchall()
    assert len(latest) == len(rows(lake, "vessel_registry", "SELECT mmsi FROM {t}"))
    assert all(r[-2] == 1 for r in latest)  # days_seen


def test_density_counts_every_vessel_position_once(lake: LocalStore) -> None:
    (messages,) = rows(lake, "traffic_density", "SELECT sum(messages) FROM {t}")[0]
    silver = lake.uri("silver/ais/source=dma/dt=2024-01-15") + "/*.parquet"  # part-1: repaired
    con = connect(lake)
    run_sql_file(con, GOLD_MACROS)  # is_vessel(mobile_type, station_kind)
    (expected,) = con.execute(
        f"SELECT count(*) FROM read_parquet('{silver}') "
        "WHERE NOT speed_anomaly AND is_vessel(mobile_type, station_kind)"
    ).fetchone()  # type: ignore[misc]
    assert messages == expected


def test_summary_distance_agrees_with_tracks(lake: LocalStore) -> None:
    (summary,) = rows(
        lake,
        "ais_daily_summary",
        "SELECT sum(distance_nm) FROM {t} WHERE ship_type NOT IN ('Base Station', 'AtoN')",
    )[0]
    (tracks,) = rows(lake, "vessel_tracks", "SELECT sum(distance_nm) FROM {t}")[0]
    assert summary == pytest.approx(tracks, rel=0.01)


def test_heatmap_is_a_png_of_the_grid() -> None:
    png = render_heatmap(
        [(3624, 4484, 0.1), (3625, 4485, 24.0)],
        1000,
        "t",
        marks=[("Copenhagen", 4484_530.0, 3624_685.0)],
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 500
    with pytest.raises(ValueError):
        render_heatmap([], 1000, "t")


def test_gold_without_silver_says_what_to_do(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    with pytest.raises(
        NoSilverError,
        match=r"materialise a source.s silver \(dma_ais_silver, noaa_ais_silver\) for 2024-01-15",
    ):
        build_product(connect(store), store, "vessel_positions", SIM_DAY)
    with pytest.raises(
        NoInputError,
        match="vessel_tracks_gold needs vessel_positions_gold for 2024-01-15, which the lake does "
        "not hold yet: materialise vessel_positions_gold for 2024-01-15 first",
    ):
        build_product(connect(store), store, "vessel_tracks", SIM_DAY)


def test_gold_on_the_real_2023_sample(samples: Path, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    store.put_file(samples / "dma" / "aisdk-2023-02-15-head.csv", "bronze/dma/s.csv")
    day = dt.date(2023, 2, 15)
    con = connect(store)
    build_silver(con, store, "bronze/dma/s.csv", day)
    built = {product: build_product(con, store, product, day).rows for product in PRODUCTS}
    # The sample spans one second: every product has rows but stops, which need 30 min, and
    # events (close quarters: minutes of approach).
    rare = {p.name for p in REGISTRY if p.rare}
    assert built["vessel_stops"] == 0 and all(built[p] == 0 for p in rare if p in built)
    assert all(n >= 1 for p, n in built.items() if p != "vessel_stops" and p not in rare), built
    registry = f"read_parquet({partition_files(store, gold_prefix('vessel_registry', day))})"
    mmsis = [r[0] for r in con.execute(f"SELECT mmsi FROM {registry} ORDER BY 1").fetchall()]
    # The 5 ships of the sample; base stations 2190064 and 2194006 are not in the registry.
    assert mmsis == [219002857, 219063000, 220228000, 220304000, 355378000]


def test_an_injected_position_jump_still_cuts_the_track(tmp_path: Path) -> None:
    """Noise is not a jump, but a real one is: 20 km in 10 s, then the track goes on there."""
    points = [
        ("10:00:00", 55.0),
        ("10:00:10", 55.0005),
        ("10:00:10", 55.0008),  # 2 receivers
        ("10:00:20", 55.001),
        ("10:00:30", 55.2),
        ("10:00:40", 55.2005),
        ("10:00:50", 55.201),
    ]
    got = segments_of(tmp_path, points)
    assert got == [(1, 4), (2, 3)]


def test_registry_keeps_coast_stations_out_and_derives_the_mid(
    lake: LocalStore, sim_file: SimulatedFile
) -> None:
    from aislake.simulate.dmafile import COAST_STATION_AS_CLASS_A

    got = rows(lake, "vessel_registry", "SELECT mmsi, station_kind, mid FROM {t}")
    assert COAST_STATION_AS_CLASS_A not in {m for m, _, _ in got}
    assert all(kind == "ship" and mid == m // 1_000_000 for m, kind, mid in got)


def test_a_position_two_sources_hold_is_counted_once(lake: LocalStore, tmp_path: Path) -> None:
    """The same positions stored by a second archive change no gold figure."""
    from aislake.duck.sql import sql_literal
    from aislake.storage.layout import rejects_prefix, silver_prefix
    from aislake.storage.tables import publish

    store = LocalStore(tmp_path / "lake")
    # The module's day: its silver tables (their logs name files by relative paths), no gold.
    shutil.copytree(lake.root / "silver", store.root / "silver")
    con = connect(store)
    dma_silver = partition_keys(store, silver_prefix("dma", SIM_DAY))
    dma_rejects = partition_keys(store, rejects_prefix("dma", SIM_DAY))
    queries = {
        "vessel_registry": "SELECT count(*), sum(positions) FROM {t}",
        "traffic_density": "SELECT sum(messages), count(*), round(sum(hours), 6) FROM {t}",
        "ais_daily_summary": "SELECT sum(messages), sum(vessels), sum(distance_nm) FROM {t}",
    }
    one_source = {p: rows(lake, p, q) for p, q in queries.items()}  # the module's, one source

    # A second archive holding every ship position of the first (the same second and place).
    staged = store.staging_prefix()
    for sub in ("silver", "rejects"):
        store.prepare_write(f"{staged}/{sub}/part-0.parquet")
    files = "[" + ", ".join(sql_literal(store.uri(k)) for k in dma_silver) + "]"
    con.execute(
        f"COPY (SELECT * REPLACE ('noaa' AS source) FROM read_parquet({files}, "
        f"hive_partitioning = false) WHERE mobile_type IN ('Class A', 'Class B')) "
        f"TO {sql_literal(store.uri(f'{staged}/silver/part-0.parquet'))} (FORMAT parquet)"
    )
    rejects = "[" + ", ".join(sql_literal(store.uri(k)) for k in dma_rejects) + "]"
    con.execute(
        f"COPY (SELECT * FROM read_parquet({rejects}) LIMIT 0) "
        f"TO {sql_literal(store.uri(f'{staged}/rejects/part-0.parquet'))} (FORMAT parquet)"
    )
    publish(
        store,
        {
            rejects_prefix("noaa", SIM_DAY): f"{staged}/rejects",
            silver_prefix("noaa", SIM_DAY): f"{staged}/silver",
        },
    )
    for product in ("vessel_positions", *queries):
        build_product(con, store, product, SIM_DAY)
    assert {p: rows(store, p, q) for p, q in queries.items()} == one_source


def test_a_transmitter_reporting_under_several_mobile_types_is_counted_once(
    tmp_path: Path,
) -> None:
    """Issue 24: an MMSI whose rows carry Class A and another mobile type (DMA's `Undefined`,
    a base station's) had its steps counted twice in the summary, once from vessel_positions
    and once as a non-ship: Cargo showed more hours under way than its vessels had, and the
    blocking check failed the day. Two hours under way, one row every 10 s, every other one
    `Undefined`."""
    store = LocalStore(tmp_path / "lake")
    lines = []
    for i in range(720):
        t = DAY0 + dt.timedelta(hours=10, seconds=10 * i)
        mobile = "Class A" if i % 2 == 0 else "Undefined"
        lines.append(
            row(
                ts=t.strftime("%d/%m/%Y %H:%M:%S"),
                lat=f"{55 + i * 0.0005:.4f}",
                mobile=mobile,
                tail=TAIL.replace("Undefined", "Cargo"),
            )
        )
    csv = tmp_path / "d.csv"
    csv.write_text("\n".join([HEADER, *lines]) + "\n")
    store.put_file(csv, "bronze/dma/d.csv")
    con = connect(store)
    build_silver(con, store, "bronze/dma/d.csv", SIM_DAY)
    for product in ("vessel_positions", "ais_daily_summary"):
        build_product(con, store, product, SIM_DAY)
    ((ship_type, vessels, messages, hours),) = rows(
        store, "ais_daily_summary", "SELECT ship_type, vessels, messages, hours_under_way FROM {t}"
    )
    assert (ship_type, vessels, messages) == ("Cargo", 1, 720)
    assert hours == pytest.approx(2.0, abs=0.01)


def test_bucketed_products_in_shares_give_the_rows_of_one(
    lake: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large day's vessel_positions and tracks are built a share of the ships at a time (a
    file each): the same rows as the whole day at once."""
    import aislake.gold.registry as registry

    bucketed = [p.name for p in REGISTRY if p.bucketed]
    assert {"vessel_positions", "vessel_tracks"} <= set(bucketed)
    shared = LocalStore(tmp_path / "lake")
    shutil.copytree(lake.root / "silver", shared.root / "silver")  # the day's silver, no gold
    con = connect(shared)
    silver = partition_files(shared, f"silver/ais/source=dma/dt={SIM_DAY}")
    (silver_rows,) = con.execute(f"SELECT count(*) FROM read_parquet({silver})").fetchone() or (0,)
    monkeypatch.setattr(registry, "BUCKET_POSITIONS", silver_rows // 3)
    for product in ("vessel_positions", "vessel_tracks"):
        build_product(con, shared, product, SIM_DAY)
        files = partition_files(shared, gold_prefix(product, SIM_DAY))
        assert files.count(".parquet") >= 3  # a file a share
        whole = partition_files(lake, gold_prefix(product, SIM_DAY))
        for a, b in ((files, whole), (whole, files)):
            (differing,) = con.execute(
                f"SELECT count(*) FROM (FROM read_parquet({a}) EXCEPT ALL FROM read_parquet({b}))"
            ).fetchone()
            assert differing == 0, product


@pytest.mark.parametrize(
    ("product", "types"),
    [
        ("vessel_tracks", {"LineString", "Point"}),
        ("traffic_density", {"Polygon"}),
        ("vessel_stops", {"Point"}),
    ],
)
def test_products_with_geometry_are_geoparquet(
    lake: LocalStore, product: str, types: set[str]
) -> None:
    """GeoParquet 1.1: WKB geometry in lon/lat, a bbox covering column that is the geometry's
    box, the `geo` metadata naming both; GeoPandas reads it with its CRS and filters by box, and
    the Delta table's readers read the geometry as bytes."""
    import json

    import geopandas as gpd
    import pyarrow.parquet as pq
    import shapely

    from support.tables import three_engines

    (key,) = partition_keys(lake, gold_prefix(product, SIM_DAY))
    geo = json.loads(pq.read_metadata(lake.uri(key)).metadata[b"geo"])
    column = geo["columns"]["geometry"]
    assert geo["version"] == "1.1.0" and column["encoding"] == "WKB"
    assert set(column["geometry_types"]) == types
    assert column["covering"]["bbox"]["xmin"] == ["geometry_bbox", "xmin"]
    frame = gpd.read_parquet(lake.uri(key))
    assert frame.crs.to_string() == "OGC:CRS84" and len(frame) > 0
    assert set(frame.geometry.geom_type) <= types
    boxes = pq.read_table(lake.uri(key), columns=["geometry_bbox"]).column(0).to_pylist()
    bounds = frame.geometry.bounds.to_dict("records")
    flat = [v for b in boxes for v in b.values()]
    assert flat == pytest.approx([r[k] for r in bounds for k in ("minx", "miny", "maxx", "maxy")])
    if "lon" in frame:  # each shape holds its row's lat/lon (a stop's mean, a cell's centre)
        centres = shapely.points(frame["lon"], frame["lat"])
        assert shapely.intersects(frame.geometry, centres).all()
    # A box around the first shape: GeoPandas reads (through the covering) what touches it.
    xmin, ymin, xmax, ymax = frame.geometry.iloc[0].bounds
    near = gpd.read_parquet(lake.uri(key), bbox=(xmin, ymin, xmax, ymax))
    box = shapely.box(xmin, ymin, xmax, ymax)
    assert 0 < len(near) <= len(frame) and shapely.intersects(near.geometry, box).all()
    sql = "SELECT count(*), count(geometry) FROM {t} WHERE dt = DATE '2024-01-15'"
    assert three_engines(lake, f"gold/{product}", sql) == [[(len(frame), len(frame))]] * 3


def test_positions_by_area_are_the_positions_ordered_by_place(lake: LocalStore) -> None:
    """The same rows as vessel_positions, ordered along the Hilbert curve (what lets a box read
    few row groups: measured on a month by bench/area_bench.py)."""
    from aislake.duck.engine import load_spatial
    from aislake.gold.registry import BY_NAME

    build_product(connect(lake), lake, "positions_by_area", SIM_DAY)
    columns = ", ".join(name for name, _, _ in BY_NAME["vessel_positions"].columns)
    same = (
        f"SELECT {columns} FROM {{t}} EXCEPT ALL SELECT {columns} FROM "
        f"read_parquet({partition_files(lake, gold_prefix('vessel_positions', SIM_DAY))})"
    )
    assert rows(lake, "positions_by_area", same) == []
    assert rows(lake, "positions_by_area", "SELECT count(*) FROM {t}") == rows(
        lake, "vessel_positions", "SELECT count(*) FROM {t}"
    )
    order = (
        "SELECT count(*) FILTER (WHERE h < lag_h) FROM (SELECT h, lag(h) OVER () AS lag_h FROM "
        "(SELECT ST_Hilbert(lon, lat, {'min_x': -180, 'min_y': -90, 'max_x': 180, "
        "'max_y': 90}::BOX_2D) AS h FROM {t}))"
    )
    con = connect(lake)
    load_spatial(con)
    (key,) = partition_keys(lake, gold_prefix("positions_by_area", SIM_DAY))
    table = f"read_parquet('{lake.uri(key)}')"
    assert con.execute(order.replace("{t}", table)).fetchone() == (0,)
