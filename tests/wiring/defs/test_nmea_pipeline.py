"""Raw NMEA through real Dagster: a mirror's log and a feed's chunks go bronze -> silver ->
gold; a lake with all three sources and gold over them (S3 over real HTTP); the sensor asks
again for a feed's day as its chunks close."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import zstandard

from aislake.defs.resources import LakeStorage, SourceArchive, build_resources
from aislake.defs.sources import published_days_sensor, sources_selected
from aislake.duck.engine import connect
from aislake.duck.sql import partition_files
from aislake.ops.demo import materialize_day
from aislake.simulate.dmafile import SimulatedFile
from aislake.simulate.nmeafile import NmeaDay, write_nmea_day
from aislake.simulate.noaafile import write_noaa_day
from aislake.sources.nmea.archive import chunk_key
from aislake.storage.layout import gold_prefix, silver_prefix
from aislake.storage.store import LocalStore, ObjectStore
from conftest import SIM_DAY
from support.archive import serve_folder


@pytest.fixture(scope="module")
def nmea_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, NmeaDay]]:
    folder = tmp_path_factory.mktemp("nmea-mirror")
    day = write_nmea_day(folder, SIM_DAY, compression="gz")
    with serve_folder(folder) as url:
        yield url, day


def _silver_sources(store: ObjectStore, day: dt.date) -> dict[str, int]:
    """Silver rows of the day, by source."""
    con = connect(store)
    try:
        counts = {}
        for source in ("dma", "noaa", "nmea"):
            files = partition_files(store, silver_prefix(source, day))
            if files != "[]":
                row = con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
                counts[source] = int(row[0]) if row else 0
        return counts
    finally:
        con.close()


def test_a_mirrors_log_goes_bronze_silver_gold(
    tmp_path: Path, nmea_mirror: tuple[str, NmeaDay]
) -> None:
    url, day = nmea_mirror
    env = {
        "AISLAKE_SOURCES": "nmea",
        "AISLAKE_NMEA_BASE_URL": url,
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        "AISLAKE_WORKDIR": str(tmp_path),
    }
    result = materialize_day(SIM_DAY, env)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["nmea_silver_keys_valid"] and checks["nmea_silver_hours_covered"]
    (bronze,) = result.asset_materializations_for_node("nmea_ais_bronze")
    meta = {k: v.value for k, v in bronze.metadata.items()}
    assert meta["object_key"] == "bronze/nmea/nmea-2024-01-15.nmea.zst"
    assert meta["dagster/row_count"] == day.lines
    (silver,) = result.asset_materializations_for_node("nmea_ais_silver")
    meta = {k: v.value for k, v in silver.metadata.items()}
    decoded = meta["decoded"]
    assert decoded["lines"] == day.lines
    assert meta["dagster/row_count"] + meta["rejects"] + decoded["fragments_joined"] == day.lines
    store = LocalStore(tmp_path / "lake")
    gold = {k.split("/")[1] for k in store.list_keys("gold/")}
    assert {"vessel_registry", "vessel_tracks", "port_visits", "ais_daily_summary"} <= gold
    con = connect(store)
    registry = partition_files(store, gold_prefix("vessel_registry", SIM_DAY))
    named = con.execute(
        f"SELECT count(*) FILTER (name IS NOT NULL), count(*) FROM read_parquet({registry})"
    ).fetchone()
    con.close()
    assert named and named[0] > 0.8 * named[1]  # type 5 and 24 reached the registry


def test_a_feeds_closed_chunks_go_bronze_silver_gold_and_the_sensor_asks_again(
    tmp_path: Path, nmea_mirror: tuple[str, NmeaDay]
) -> None:
    """Chunks as a receiver publishes them (here: the simulated log cut into hours, times
    kept); the day is materialised twice, as more hours close, and grows."""
    _, day = nmea_mirror
    import gzip

    lines = gzip.decompress(day.path.read_bytes()).split(b"\n")[:-1]
    lake = LocalStore(tmp_path / "lake")
    env = {
        "AISLAKE_SOURCES": "nmea",
        "AISLAKE_LAKE_DIR": str(lake.root),
        "AISLAKE_WORKDIR": str(tmp_path),
    }

    def publish(hours: range) -> None:
        for hour in hours:
            start = dt.datetime.combine(SIM_DAY, dt.time(hour))
            lo = int(start.replace(tzinfo=dt.UTC).timestamp())
            part = [line for line in lines if lo <= _time(line) < lo + 3600]
            tmp = tmp_path / "chunk"
            tmp.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(part) + b"\n"))
            lake.move_in(tmp, chunk_key("north", start))

    sensor = published_days_sensor("nmea")
    resources = {
        "nmea": SourceArchive(source="nmea", options={}),
        "storage": LakeStorage(lake_dir=str(lake.root)),
    }
    publish(range(0, 12))
    with sources_selected("nmea"):
        first = sensor(dg.build_sensor_context(cursor="2024-01-14", resources=resources))
    assert isinstance(first, dg.SensorResult)
    (request,) = first.run_requests or []
    assert request.partition_key == "2024-01-15" and "12 chunks" in str(request.run_key)
    morning = materialize_day(SIM_DAY, env)
    assert morning.success
    rows_morning = _silver_sources(lake, SIM_DAY)["nmea"]

    publish(range(12, 24))
    with sources_selected("nmea"):
        second = sensor(dg.build_sensor_context(cursor=first.cursor, resources=resources))
        third = sensor(dg.build_sensor_context(cursor=second.cursor, resources=resources))  # type: ignore[union-attr]
    assert isinstance(second, dg.SensorResult)
    assert [r.partition_key for r in second.run_requests or []] == ["2024-01-15"]
    assert isinstance(third, dg.SkipReason)  # nothing new: not asked again
    whole = materialize_day(SIM_DAY, env)
    assert whole.success
    (silver,) = whole.asset_materializations_for_node("nmea_ais_silver")
    assert silver.metadata["bronze_replaced"].value is True  # the grown day replaced the morning
    rows_day = _silver_sources(lake, SIM_DAY)["nmea"]
    assert rows_day > 1.8 * rows_morning
    assert json.loads(second.cursor or "{}")["versions"]["2024-01-15"].startswith("24 chunks")


def _time(line: bytes) -> int:
    if not line.startswith(b"\\"):
        return int(dt.datetime.combine(SIM_DAY, dt.time(), tzinfo=dt.UTC).timestamp())  # noise
    tag = line.split(b"\\")[1]
    return int(next(f[2:] for f in tag.split(b"*")[0].split(b",") if f.startswith(b"c:")))


@pytest.mark.slow
def test_a_lake_with_all_three_sources_and_gold_over_them(
    tmp_path: Path,
    mirror_url: str,
    sim_file: SimulatedFile,
    nmea_mirror: tuple[str, NmeaDay],
    s3_env: dict[str, str],
) -> None:
    noaa_folder = tmp_path / "noaa"
    write_noaa_day(SIM_DAY, noaa_folder, "csv2")
    nmea_url, _ = nmea_mirror
    with serve_folder(noaa_folder) as noaa_url:
        env = {
            "AISLAKE_SOURCES": "dma,noaa,nmea",
            "AISLAKE_DMA_BASE_URL": mirror_url,
            "AISLAKE_NOAA_CSV2_BASE_URL": noaa_url,
            "AISLAKE_NMEA_BASE_URL": nmea_url,
            "AISLAKE_WORKDIR": str(tmp_path),
            **s3_env,
        }
        result = materialize_day(SIM_DAY, env)
    assert result.success
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    assert set(_silver_sources(store, SIM_DAY)) == {"dma", "noaa", "nmea"}
    con = connect(store)
    summary = partition_files(store, gold_prefix("ais_daily_summary", SIM_DAY))
    tracks = partition_files(store, gold_prefix("vessel_tracks", SIM_DAY))
    got = con.execute(f"SELECT sum(messages) FROM read_parquet({summary})").fetchone()
    sources = con.execute(f"SELECT count(DISTINCT mmsi) FROM read_parquet({tracks})").fetchone()
    con.close()
    assert got and got[0] > 0 and sources and sources[0] > 0
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert all(passed for name, passed in checks.items() if name.endswith("_valid"))
