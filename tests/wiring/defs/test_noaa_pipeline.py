"""NOAA through real Dagster: a lake with both sources and gold over both, the layouts, the
demo, a day not published, and which sources the code location defines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from aislake import settings
from aislake.bronze.manifest import read_manifest
from aislake.defs.resources import LakeStorage, SourceArchive, build_resources
from aislake.defs.sources import active_sources, sources_selected
from aislake.duck.engine import connect, run_sql_file
from aislake.duck.sql import partition_files
from aislake.gold.core import GOLD_MACROS
from aislake.ops.demo import materialize_day
from aislake.settings import Settings
from aislake.simulate.dmafile import SimulatedFile
from aislake.simulate.noaafile import write_noaa_day
from aislake.sources.registry import bronze_key
from conftest import SIM_DAY
from support.archive import serve_folder


@pytest.fixture(scope="module")
def noaa_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SimulatedFile]]:
    """A mirror laid out like NOAA's csv2 container, holding one simulated day, served."""
    folder = tmp_path_factory.mktemp("noaa-mirror")
    sim = write_noaa_day(SIM_DAY, folder, "csv2")
    with serve_folder(folder) as url:
        yield url, sim


def defined(sources: str) -> dg.Definitions:
    from aislake.definitions import defs

    with sources_selected(sources):
        return defs()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["s3"])  # the local lake: the demo test below
def test_a_lake_with_both_sources_and_gold_over_both(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    mirror_url: str,
    sim_file: SimulatedFile,
    noaa_mirror: tuple[str, SimulatedFile],
) -> None:
    noaa_url, noaa_sim = noaa_mirror
    env = {
        "AISLAKE_SOURCES": "dma,noaa",
        "AISLAKE_DMA_BASE_URL": mirror_url,
        "AISLAKE_NOAA_CSV2_BASE_URL": noaa_url,
        "AISLAKE_WORKDIR": str(tmp_path),
        **(
            {"AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
            if backend == "local"
            else request.getfixturevalue("s3_env")
        ),
    }
    result = materialize_day(SIM_DAY, env)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    for check in ("keys_valid", "min_rows", "hours_covered", "reject_rate"):
        assert checks[f"noaa_silver_{check}"], check
    assert all(passed for name, passed in checks.items() if name.endswith("_valid"))

    (bronze,) = result.asset_materializations_for_node("noaa_ais_bronze")
    meta = {k: v.value for k, v in bronze.metadata.items()}
    assert meta["object_key"] == "bronze/noaa/ais-2024-01-15.csv.zst"
    assert meta["source_url"].endswith("csv2024/ais-2024-01-15.csv.zst")
    assert meta["dagster/row_count"] == noaa_sim.rows
    assert meta["bytes"] == meta["download_bytes"] == noaa_sim.path.stat().st_size  # as served
    assert meta["decoded_bytes"] > 4 * meta["bytes"]
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    manifest = read_manifest(store, bronze_key("noaa", SIM_DAY))
    assert manifest is not None and manifest.lines == noaa_sim.rows

    con = connect(store)
    run_sql_file(con, GOLD_MACROS)  # is_vessel(mobile_type, station_kind)

    def one(sql: str) -> tuple:
        found = con.execute(sql).fetchone()
        assert found is not None
        return found

    silver = {
        s: partition_files(store, f"silver/ais/source={s}/dt=2024-01-15/") for s in ("dma", "noaa")
    }
    noaa_rows, noaa_vessels = one(
        f"SELECT count(*), count(DISTINCT mmsi) FROM read_parquet({silver['noaa']})"
    )
    assert noaa_rows == noaa_sim.rows and noaa_vessels == len(noaa_sim.truth.vessels)
    registry = partition_files(store, "gold/vessel_registry/dt=2024-01-15/")
    vessels = {
        r[0]: r[1]
        for r in con.execute(f"SELECT mmsi, positions FROM read_parquet({registry})").fetchall()
    }
    assert set(noaa_sim.truth.vessels) <= set(vessels)  # every US vessel ...
    assert {
        v.mmsi for v in sim_file.truth.vessels.values() if v.mobile_type in ("Class A", "Class B")
    } <= set(vessels)  # ... and every Danish one
    for mmsi in noaa_sim.truth.vessels:
        (n,) = one(f"SELECT count(*) FROM read_parquet({silver['noaa']}) WHERE mmsi = {mmsi}")
        assert vessels[mmsi] == n
    density = partition_files(store, "gold/traffic_density/dt=2024-01-15/")
    west, east, messages = one(
        f"SELECT count(*) FILTER (lon < -60), count(*) FILTER (lon > 0), sum(messages) "
        f"FROM read_parquet({density})"
    )
    assert west > 0 and east > 0
    (expected,) = one(
        f"SELECT count(*) FROM read_parquet([{silver['dma'][1:-1]}, {silver['noaa'][1:-1]}]) "
        "WHERE NOT speed_anomaly AND is_vessel(mobile_type, station_kind)"
    )
    assert messages == expected
    calls = partition_files(store, "gold/vessel_stops/dt=2024-01-15/")
    near = f"SELECT port FROM read_parquet({calls}) WHERE port_distance_nm <= 1"
    ports = {r[0] for r in con.execute(near).fetchall()}
    assert ports & {"Boston", "New York", "Charleston", "Miami", "Savannah", "Norfolk"}
    assert ports & {"Aarhus", "Copenhagen", "Kiel", "Gothenburg"}
    visits = partition_files(store, "gold/port_visits/all/")
    visited = {r[0] for r in con.execute(f"SELECT port FROM read_parquet({visits})").fetchall()}
    assert visited & {"Boston", "New York", "Charleston", "Miami", "Savannah", "Norfolk"}
    assert visited & {"Aarhus", "Copenhagen", "Kiel", "Gothenburg"}

    # Re-running NOAA's silver gives the same rows.
    before = con.execute(f"SELECT * FROM read_parquet({silver['noaa']}) ORDER BY ALL").fetchall()
    again = dg.materialize(
        [a for a in defined("noaa").assets or [] if a.key.to_user_string() == "noaa_ais_silver"],  # type: ignore[union-attr]
        partition_key=SIM_DAY.isoformat(),
        resources=build_resources(env),
        selection=["noaa_ais_silver"],
    )
    assert again.success
    now = partition_files(store, "silver/ais/source=noaa/dt=2024-01-15/")
    assert now != silver["noaa"]  # a new version ...
    assert con.execute(f"SELECT * FROM read_parquet({now}) ORDER BY ALL").fetchall() == before


def test_a_day_noaa_has_not_published_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    env = {
        "AISLAKE_SOURCES": "noaa",
        "AISLAKE_NOAA_CSV2_BASE_URL": (tmp_path / "empty").as_uri(),
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
    }
    result = materialize_day(SIM_DAY, env)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_key == "noaa_ais_bronze"
    assert "NOAA has not published ais-2024-01-15.csv.zst" in str(failure.event_specific_data)
    assert not (tmp_path / "lake" / "bronze").exists()


def test_a_wrong_noaa_format_is_a_clear_failure(tmp_path: Path) -> None:
    env = {
        "AISLAKE_SOURCES": "noaa",
        "AISLAKE_NOAA_FORMAT": "csv3",
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
    }
    result = materialize_day(SIM_DAY, env)
    assert not result.success
    assert "AISLAKE_NOAA_FORMAT='csv3'" in str(
        next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    )


def test_the_legacy_layout_through_the_demo(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from aislake.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.delenv("AISLAKE_LAKE_DIR", raising=False)
    code = main(["demo", "--source", "noaa", "--noaa-format", "legacy", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "NOAA (legacy)" in out and "source=noaa/dt=2024-01-15" in out
    assert "noaa_silver_keys_valid passed" in out and "FAILED" not in out
    assert " AISLAKE_SOURCES=noaa " in out
    assert (tmp_path / "mirror" / "noaa" / "2024" / "AIS_2024_01_15.zip").exists()
    assert (tmp_path / "lake" / "bronze" / "noaa" / "ais-2024-01-15.csv.zst").exists()


def test_the_sources_setting_decides_what_is_defined() -> None:
    def names(d: dg.Definitions) -> set[str]:
        return {a.key.to_user_string() for a in d.assets or []}  # type: ignore[union-attr]

    dma_only = defined("dma")
    assert "noaa_ais_silver" not in names(dma_only) and "dma_ais_silver" in names(dma_only)
    assert [s.name for s in dma_only.sensors or []] == ["dma_published_days_sensor"]
    noaa_only = defined("noaa")
    assert {"noaa_ais_bronze", "noaa_ais_silver"} <= names(noaa_only)
    assert "dma_ais_bronze" not in names(noaa_only)
    graph = noaa_only.resolve_asset_graph()
    assert graph.get(dg.AssetKey("vessel_positions_gold")).parent_keys == {
        dg.AssetKey("noaa_ais_silver")
    }
    checks = {k.name for k in graph.asset_check_keys}
    assert "noaa_silver_keys_valid" in checks and "dma_silver_keys_valid" not in checks
    both = defined("dma, noaa")
    assert both.resolve_asset_graph().get(dg.AssetKey("vessel_positions_gold")).parent_keys == {
        dg.AssetKey("dma_ais_silver"),
        dg.AssetKey("noaa_ais_silver"),
    }
    with settings.using(Settings.from_env({})):
        assert active_sources() == ("dma",)
    wrong = Settings.from_env({"AISLAKE_SOURCES": "dma,ais-hub"})
    with (
        pytest.raises(ValueError, match="expected one or more of dma, noaa"),
        settings.using(wrong),
    ):
        active_sources()


def test_the_sensor_requests_newly_published_noaa_days(tmp_path: Path) -> None:
    import datetime as dt

    from aislake.defs.sources import published_days_sensor

    noaa_published_days_sensor = published_days_sensor("noaa")

    for day in (15, 16):
        write_noaa_day(dt.date(2024, 1, day), tmp_path, "csv2")
    noaa = SourceArchive(source="noaa", options={"AISLAKE_NOAA_CSV2_BASE_URL": tmp_path.as_uri()})
    lake = LakeStorage(lake_dir=str(tmp_path / "lake"))
    context = dg.build_sensor_context(
        cursor="2024-01-15", resources={"noaa": noaa, "storage": lake}
    )
    result = noaa_published_days_sensor(context)
    assert isinstance(result, dg.SensorResult)
    assert [r.partition_key for r in result.run_requests or []] == ["2024-01-16"]
    assert result.cursor == "2024-01-16"
    context = dg.build_sensor_context(
        cursor="2024-01-16", resources={"noaa": noaa, "storage": lake}
    )
    assert isinstance(noaa_published_days_sensor(context), dg.SkipReason)
    broken = SourceArchive(source="noaa", options={"AISLAKE_NOAA_FORMAT": "csv3"})
    skip = noaa_published_days_sensor(
        dg.build_sensor_context(resources={"noaa": broken, "storage": lake})
    )
    assert isinstance(skip, dg.SkipReason) and "csv3" in str(skip.skip_message)


def test_a_noaa_day_republished_broken_does_not_replace_the_stored_one(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    good = write_noaa_day(SIM_DAY, mirror, "csv2")
    env = {
        "AISLAKE_SOURCES": "noaa",
        "AISLAKE_NOAA_CSV2_BASE_URL": mirror.as_uri(),
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
    }
    only_bronze = [
        a for a in defined("noaa").assets or [] if a.key.to_user_string() == "noaa_ais_bronze"
    ]  # type: ignore[union-attr]

    def bronze() -> dg.ExecuteInJobResult:
        return dg.materialize(
            only_bronze,
            partition_key=SIM_DAY.isoformat(),
            resources=build_resources(env),
            raise_on_error=False,
        )

    assert bronze().success
    stored = (tmp_path / "lake" / "bronze" / "noaa" / "ais-2024-01-15.csv.zst").read_bytes()
    # NOAA re-publishes the day cut to a few rows: refused, the stored day kept.
    from aislake.simulate.traffic import FleetSize

    write_noaa_day(SIM_DAY, mirror, "csv2", FleetSize(1, 0, 0, 0, 0, 2, 0, 0))
    result = bronze()
    assert not result.success
    assert "the stored version is kept" in str(
        next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    )
    assert (tmp_path / "lake" / "bronze" / "noaa" / "ais-2024-01-15.csv.zst").read_bytes() == stored
    assert good.rows > 30_000
