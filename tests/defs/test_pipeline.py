"""The real assets and checks, materialised in-process with real Dagster, into both backends."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import dagster as dg
import pytest

from aislake.defs.resources import build_resources
from aislake.lake.duck import connect
from aislake.lake.layout import bronze_key
from aislake.ops.demo import materialize_day
from conftest import SIM_DAY


@pytest.fixture(params=["local", "s3"])
def env(request: pytest.FixtureRequest, tmp_path: Path, mirror_url: str) -> dict[str, str]:
    """Settings for one backend, downloading from the simulated HTTP mirror."""
    base = {"AISLAKE_DMA_BASE_URL": mirror_url, "AISLAKE_WORKDIR": str(tmp_path / "work")}
    (tmp_path / "work").mkdir()
    if request.param == "local":
        return {**base, "AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
    return {**base, **request.getfixturevalue("s3_env")}


def _metadata(result: dg.ExecuteInJobResult, asset: str) -> dict:
    (mat,) = result.asset_materializations_for_node(asset)
    return {k: v.value for k, v in mat.metadata.items()}


def _silver_rows(env: dict[str, str]) -> list[tuple]:
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    (key,) = store.list_keys("silver/ais/source=dma/dt=2024-01-15/")
    con = connect(store)
    return con.execute(
        f"SELECT * FROM read_parquet('{store.uri(key)}', hive_partitioning = false)"
    ).fetchall()


def test_a_day_flows_through_bronze_silver_and_gold(env: dict[str, str], sim_file) -> None:
    result = materialize_day(SIM_DAY, env)
    assert result.success
    bronze = _metadata(result, "dma_ais_bronze")
    assert bronze["dagster/row_count"] == sim_file.rows
    assert bronze["object_key"] == "bronze/dma/aisdk-2024-01-15.csv"
    assert len(bronze["sha256"]) == 64 and bronze["bytes"] > bronze["zip_bytes"] > 0
    silver = _metadata(result, "dma_ais_silver")
    assert silver["rows_in"] == sim_file.rows == silver["dagster/row_count"] + silver["rejects"]
    assert silver["rejects_by_reason"]["duplicate"] == sim_file.truth.injected["duplicate"]
    assert silver["distinct_vessels"] == len(sim_file.truth.vessels) + 1 + 2  # + base st., AtoNs
    assert silver["ts_min"].startswith("2024-01-15") and silver["ts_max"].startswith("2024-01-15")
    assert [c.name for c in silver["dagster/column_schema"].columns][:4] == [
        "ts",
        "mmsi",
        "lat",
        "lon",
    ]
    gold = _metadata(result, "ais_daily_summary_gold")
    assert gold["dagster/row_count"] >= 5
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "dma_silver_min_rows": True,
        "dma_silver_keys_valid": True,
        "dma_silver_reject_rate": True,
        "ais_daily_summary_valid": True,
        "vessel_registry_valid": True,
        "vessel_tracks_valid": True,
        "port_calls_valid": True,
        "traffic_density_valid": True,
    }
    density = _metadata(result, "traffic_density_gold")
    assert density["heatmap"].startswith("![traffic density 2024-01-15](data:image/png;base64,")
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    bronze_bytes = Path(env["AISLAKE_WORKDIR"]).parent / "bronze.csv"
    store.get_file(bronze_key("dma", SIM_DAY), bronze_bytes)
    with zipfile.ZipFile(sim_file.path) as zf:
        assert bronze_bytes.read_bytes() == zf.read("aisdk-2024-01-15.csv")  # unchanged
    assert store.list_keys("_staging/") == []


def test_a_rerun_of_the_partition_yields_the_same_rows(env: dict[str, str]) -> None:
    assert materialize_day(SIM_DAY, env).success
    first = _silver_rows(env)
    assert materialize_day(SIM_DAY, env).success
    assert _silver_rows(env) == first


def test_a_day_not_yet_published_fails_clearly_and_writes_nothing(env: dict[str, str]) -> None:
    result = materialize_day(dt.date(2024, 1, 16), env)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "has not published aisdk-2024-01-16.zip yet" in str(failure.event_specific_data)
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    assert store.list_keys("bronze/") == [] and store.list_keys("silver/") == []


def test_a_truncated_zip_leaves_bronze_untouched(
    tmp_path: Path, sim_file, sim_mirror: Path
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / sim_file.path.name).write_bytes(sim_file.path.read_bytes())
    env = {"AISLAKE_DMA_BASE_URL": mirror.as_uri(), "AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
    assert materialize_day(SIM_DAY, env).success
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    good = store.read_range(bronze_key("dma", SIM_DAY), 10**9)
    data = sim_file.path.read_bytes()
    (mirror / sim_file.path.name).write_bytes(data[: len(data) // 3])  # DMA re-published it broken
    result = materialize_day(SIM_DAY, env)
    assert not result.success
    assert "not a complete zip" in str(result.all_events)
    assert store.read_range(bronze_key("dma", SIM_DAY), 10**9) == good


def test_secrets_never_reach_metadata_or_logs(s3_env: dict[str, str], mirror_url: str) -> None:
    env = {**s3_env, "AISLAKE_DMA_BASE_URL": mirror_url}
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_day(SIM_DAY, env, instance)
    assert result.success
    records = instance.all_logs(result.run_id)
    text = "\n".join(str(r) for r in records)
    assert s3_env["AISLAKE_BUCKET"] in text  # the logs do talk about the store...
    assert s3_env["MINIO_SECRET_KEY"] not in text  # ...but never show its secret


def test_row_count_check_blocks_a_thin_day(tmp_path: Path, mirror_url: str) -> None:
    env = {
        "AISLAKE_DMA_BASE_URL": mirror_url,
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        "AISLAKE_MIN_SILVER_ROWS": "10000000",
    }
    result = materialize_day(SIM_DAY, env)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["dma_silver_min_rows"] is False
    # Blocking: no gold was built on top of a failed check.
    for gold in ("ais_daily_summary_gold", "vessel_tracks_gold", "port_calls_gold"):
        assert result.asset_materializations_for_node(gold) == []
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    assert store.list_keys("gold/") == []
