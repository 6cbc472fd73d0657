"""The real assets and checks, materialised in-process with real Dagster, into both backends."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import dagster as dg
import pytest

from aislake.bronze.manifest import read_manifest
from aislake.defs.resources import build_resources
from aislake.duck.engine import connect
from aislake.gold.registry import PRODUCTS
from aislake.ops.demo import materialize_day, materialize_month
from aislake.simulate.dmafile import Quirks, write_dma_zip
from aislake.sources.registry import bronze_key
from aislake.storage.current import partition_keys
from aislake.storage.store import ObjectStore
from conftest import SIM_DAY, SMALL_FLEET


@pytest.fixture(params=["local", "s3"])
def env(request: pytest.FixtureRequest, tmp_path: Path, mirror_url: str) -> dict[str, str]:
    """Settings for one backend, downloading from the simulated HTTP mirror into a workdir that
    does not exist yet (bronze makes it)."""
    work = tmp_path / "work" / "downloads"
    base = {"AISLAKE_DMA_BASE_URL": mirror_url, "AISLAKE_WORKDIR": str(work)}
    if request.param == "local":
        return {**base, "AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
    return {**base, **request.getfixturevalue("s3_env")}


def _metadata(result: dg.ExecuteInJobResult, asset: str) -> dict:
    (mat,) = result.asset_materializations_for_node(asset)
    return {k: v.value for k, v in mat.metadata.items()}


def _silver_rows(env: dict[str, str]) -> list[tuple]:
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    keys = partition_keys(store, "silver/ais/source=dma/dt=2024-01-15/")
    files = "[" + ", ".join(f"'{store.uri(k)}'" for k in keys) + "]"
    con = connect(store)
    return con.execute(
        f"SELECT * FROM read_parquet({files}, hive_partitioning = false) ORDER BY ALL"
    ).fetchall()


def test_a_day_flows_through_bronze_silver_and_gold(env: dict[str, str], sim_file) -> None:
    result = materialize_day(SIM_DAY, env)
    assert result.success
    bronze = _metadata(result, "dma_ais_bronze")
    assert bronze["dagster/row_count"] == sim_file.rows
    assert bronze["object_key"] == "bronze/dma/aisdk-2024-01-15.csv"
    assert len(bronze["sha256"]) == 64 and bronze["bytes"] > bronze["download_bytes"] > 0
    silver = _metadata(result, "dma_ais_silver")
    assert silver["rows_in"] == sim_file.rows == silver["dagster/row_count"] + silver["rejects"]
    assert silver["rejects_by_reason"]["duplicate"] == sim_file.truth.injected["duplicate"]
    # + base station, AtoNs, the coast station reporting as Class A
    assert silver["distinct_vessels"] == len(sim_file.truth.vessels) + 1 + 2 + 1
    assert silver["repaired"] == sum(silver["repaired_by_field"].values()) > 0
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
    products = [p.name for p in PRODUCTS if p.partitioning != "monthly"]  # monthly: own run
    evaluation = {e.check_name: e for e in result.get_asset_check_evaluations()}
    share = evaluation["dma_silver_reject_rate"].metadata["reject_share"].value
    # The small fleet's call-sign comma vessel (unprovable, so rejected): 4.9 % of the day,
    # just under the 5 % that warns (it was 7 % before the fleet had a vessel going dark).
    assert 0.04 < share <= 0.05
    assert checks == {
        "dma_silver_min_rows": True,
        "dma_silver_keys_valid": True,
        "dma_silver_reject_rate": True,
        "dma_silver_hours_covered": True,
        **{f"{p}_valid": True for p in products},
        **{f"{p.name}_not_empty": True for p in PRODUCTS if p.name in products and not p.rare},
    }
    density = _metadata(result, "traffic_density_gold")
    assert density["heatmap"].startswith("![traffic density 2024-01-15](data:image/png;base64,")
    assert density["hours"] > 0 and density["cells"] > 1000
    visits = _metadata(result, "port_visits_gold")
    assert visits["dagster/row_count"] > 10 and "| Helsingør |" in visits["visits_by_port"]
    # The month's rollup is a run of its own (one partition key per run), from the days held.
    month = materialize_month(SIM_DAY, env)
    assert month.success
    monthly = _metadata(month, "traffic_density_monthly_gold")
    assert monthly["hours"] == pytest.approx(density["hours"], rel=1e-6)
    assert monthly["uri"].endswith(".parquet") and "/month=2024-01-01/" in monthly["uri"]
    assert {e.check_name: e.passed for e in month.get_asset_check_evaluations()} == {
        "traffic_density_monthly_valid": True,
        "traffic_density_monthly_not_empty": True,
    }
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    bronze_bytes = Path(env["AISLAKE_WORKDIR"]).parent.parent / "bronze.csv"
    store.get_file(bronze_key("dma", SIM_DAY), bronze_bytes)
    with zipfile.ZipFile(sim_file.path) as zf:
        assert bronze_bytes.read_bytes() == zf.read("aisdk-2024-01-15.csv")  # unchanged
    assert store.list_keys("_staging/") == []
    manifest = read_manifest(store, bronze_key("dma", SIM_DAY))
    assert manifest is not None and manifest.lines == sim_file.rows == silver["rows_in"]
    assert manifest.sha256 == bronze["sha256"]


def test_a_rerun_of_the_partition_yields_the_same_rows(env: dict[str, str]) -> None:
    assert materialize_day(SIM_DAY, env, gold=False).success
    first = _silver_rows(env)
    assert materialize_day(SIM_DAY, env, gold=False).success
    assert _silver_rows(env) == first


def test_a_day_not_yet_published_fails_clearly_and_writes_nothing(env: dict[str, str]) -> None:
    result = materialize_day(dt.date(2024, 1, 16), env)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "has not published aisdk-2024-01-16.zip yet" in str(failure.event_specific_data)
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    assert store.list_keys("bronze/") == [] and store.list_keys("silver/") == []


@pytest.mark.faults
def test_a_truncated_zip_leaves_bronze_untouched(
    tmp_path: Path, sim_file, sim_mirror: Path
) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / sim_file.path.name).write_bytes(sim_file.path.read_bytes())
    env = {"AISLAKE_DMA_BASE_URL": mirror.as_uri(), "AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
    assert materialize_day(SIM_DAY, env, gold=False).success
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    good = store.read_range(bronze_key("dma", SIM_DAY), 10**9)
    data = sim_file.path.read_bytes()
    (mirror / sim_file.path.name).write_bytes(data[: len(data) // 3])  # DMA re-published it broken
    result = materialize_day(SIM_DAY, env, gold=False)
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


def test_a_thin_day_warns_but_does_not_block(tmp_path: Path, mirror_url: str) -> None:
    """Volume is not an invariant (extracts, days with missing hours): the check warns with its
    threshold, and gold is still built."""
    env = {
        "AISLAKE_DMA_BASE_URL": mirror_url,
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        "AISLAKE_MIN_SILVER_ROWS": "10000000",
    }
    result = materialize_day(SIM_DAY, env)
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "dma_silver_min_rows"
    ]
    assert evaluation.passed is False and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["min_rows"].value == 10_000_000
    for gold in (
        "ais_daily_summary_gold",
        "vessel_tracks_gold",
        "vessel_stops_gold",
        "port_visits_gold",
    ):
        assert result.asset_materializations_for_node(gold) != []


REAL_EXTRACTS = {  # sample -> (its date as DMA writes it, data lines, repaired)
    "aisdk-2021-02-09-10k.csv": ("09/02/2021 ", 10_000, {"destination": 7}),
    "aisdk-2018-06-01-head.csv": ("01/06/2018 ", 138, {}),
    "aisdk-2023-02-15-head.csv": ("15/02/2023 ", 9, {}),
}


@pytest.mark.parametrize("sample", sorted(REAL_EXTRACTS))
def test_a_real_extract_passes_every_blocking_check(
    samples: Path, tmp_path: Path, sample: str
) -> None:
    """Real DMA extracts (seconds to minutes of a day: no stop is long enough for a port call)
    through the whole chain: every blocking check passes, every row is accounted for;
    emptiness and thin volume warn."""
    written, lines, repaired = REAL_EXTRACTS[sample]
    day = dt.date(2024, 1, 16)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    text = (samples / "dma" / sample).read_bytes().decode()
    text = text.replace(written, "16/01/2024 ")  # the same rows on a partition day
    with zipfile.ZipFile(mirror / "aisdk-2024-01-16.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("aisdk-2024-01-16.csv", text)
    env = {
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        "AISLAKE_MIN_SILVER_ROWS": "1000",
    }
    result = materialize_day(day, env)
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    blocking = {e.check_name: e.passed for e in evaluations if e.check_name.endswith("_valid")}
    assert blocking and all(blocking.values()), blocking
    warned = {e.check_name: e.passed for e in evaluations}
    assert warned["vessel_stops_not_empty"] is warned["port_visits_not_empty"] is False
    silver = _metadata(result, "dma_ais_silver")
    assert silver["dagster/row_count"] + silver["rejects"] == silver["rows_in"] == lines
    assert silver["repaired_by_field"] == repaired


def test_a_day_with_missing_hours_warns_and_lists_them(tmp_path: Path) -> None:
    """DMA days with hours missing exist: the completeness check warns and names the hours."""
    mirror = tmp_path / "mirror"
    write_dma_zip(SIM_DAY, mirror, SMALL_FLEET, quirks=Quirks(missing_hours=(3, 4, 17)))
    env = {"AISLAKE_DMA_BASE_URL": mirror.as_uri(), "AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
    result = materialize_day(SIM_DAY, env, gold=False)
    assert result.success
    (hours,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "dma_silver_hours_covered"
    ]
    assert hours.passed is False and hours.severity == dg.AssetCheckSeverity.WARN
    assert hours.metadata["missing_hours"].value == [3, 4, 17]
    assert hours.metadata["hours_with_positions"].value == 21


def _refetch(mirror: Path, sim_file, change) -> None:
    """DMA re-publishes the day with its lines changed by ``change`` (a list of data lines)."""
    with zipfile.ZipFile(sim_file.path) as zf:
        header, *lines = zf.read("aisdk-2024-01-15.csv").decode().splitlines()
    with zipfile.ZipFile(mirror / sim_file.path.name, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("aisdk-2024-01-15.csv", "\n".join([header, *change(lines)]) + "\n")


def _stored_day(tmp_path: Path, sim_file, **env: str) -> tuple[Path, dict[str, str], ObjectStore]:
    """A ``file://`` mirror of the simulated day and a local lake that stored it (bronze and
    silver): the mirror, the settings and the store."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / sim_file.path.name).write_bytes(sim_file.path.read_bytes())
    env = {
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        **env,
    }
    assert materialize_day(SIM_DAY, env, gold=False).success
    return mirror, env, build_resources(env)["storage"].store()  # type: ignore[attr-defined]


@pytest.mark.faults
@pytest.mark.parametrize("keep_lines", [0, 5_000], ids=["header-only", "a-tenth"])
def test_a_bad_refetch_keeps_the_good_day(tmp_path: Path, sim_file, keep_lines: int) -> None:
    """A day re-published broken (header only, or a fraction of its lines) fails before
    publishing; bronze, its manifest and silver stay as they were."""
    mirror, env, store = _stored_day(tmp_path, sim_file)
    before = _silver_rows(env)
    bronze = store.read_range(bronze_key("dma", SIM_DAY), 10**9)
    _refetch(mirror, sim_file, lambda lines: lines[:keep_lines])
    result = materialize_day(SIM_DAY, env, gold=False)
    assert not result.success
    said = str(result.all_events)
    assert ("no data lines" in said) if keep_lines == 0 else ("the stored version is kept" in said)
    assert store.read_range(bronze_key("dma", SIM_DAY), 10**9) == bronze
    assert _silver_rows(env) == before
    manifest = read_manifest(store, bronze_key("dma", SIM_DAY))
    assert manifest is not None and manifest.lines == sim_file.rows


def test_a_shrunken_day_is_published_when_the_guard_is_off(tmp_path: Path, sim_file) -> None:
    mirror, env, store = _stored_day(tmp_path, sim_file, AISLAKE_MIN_SILVER_ROWS="1")
    _refetch(mirror, sim_file, lambda lines: lines[:5_000])
    result = materialize_day(SIM_DAY, {**env, "AISLAKE_ACCEPT_REPLACEMENT": "true"}, gold=False)
    assert result.success
    assert _metadata(result, "dma_ais_silver")["rows_in"] == 5_000
    manifest = read_manifest(store, bronze_key("dma", SIM_DAY))
    assert manifest is not None and manifest.lines == 5_000  # bronze is the new day too
    assert store.list_keys("_pending/") == []


def _garble(share: float):
    """Every line in ``share`` of them (spread over the day) with its latitude unreadable."""

    def change(lines: list[str]) -> list[str]:
        every = round(1 / share) if share < 0.5 else None
        out = []
        for i, line in enumerate(lines):
            hit = (i % every == 0) if every else (i % 10 < share * 10)
            fields = line.split(",")
            out.append(",".join([*fields[:3], "garbled", *fields[4:]]) if hit else line)
        return out

    return change


REFETCHES = {
    # The fault probe's cases (issue 26): each replaced bronze, and the last silver too.
    "51%-of-its-lines": lambda lines: lines[: len(lines) * 51 // 100],
    "60%-garbled": _garble(0.6),
    "45%-garbled": _garble(0.45),
    # Rows unchanged, but a tenth more lines, all rejects: the reject share rises.
    "garbage-added": lambda lines: [*lines, *(x.replace(",", ";") for x in lines[::10])],
}


@pytest.mark.faults
@pytest.mark.parametrize("case", sorted(REFETCHES))
def test_a_worse_refetch_replaces_neither_bronze_nor_silver(
    tmp_path: Path, sim_file, case: str
) -> None:
    """Bronze keeps the good file until silver accepts its successor; silver judges the day on
    valid rows and reject share, not lines alone. The refused file is kept aside."""
    mirror, env, store = _stored_day(tmp_path, sim_file)
    before = _silver_rows(env)
    key = bronze_key("dma", SIM_DAY)
    bronze = store.read_range(key, 10**9)
    _refetch(mirror, sim_file, REFETCHES[case])
    result = materialize_day(SIM_DAY, env, gold=False)
    assert not result.success
    assert "the stored version is kept (bronze too)" in str(result.all_events)
    assert store.read_range(key, 10**9) == bronze  # the good raw copy
    manifest = read_manifest(store, key)
    assert manifest is not None and manifest.lines == sim_file.rows
    assert _silver_rows(env) == before
    assert store.exists(f"_refused/{key}") and store.list_keys("_pending/") == []


@pytest.mark.faults
@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_better_refetch_replaces_bronze_once_silver_accepts_it(
    tmp_path: Path, sim_file, backend: str, request: pytest.FixtureRequest
) -> None:
    """A re-fetch with more rows waits as pending, silver takes it, then bronze is moved over
    (a rename locally, a server-side copy on S3); a run killed between silver's publish and the
    move leaves it pending, and the next run builds the same rows and moves it."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _refetch(mirror, sim_file, lambda lines: lines[: len(lines) * 9 // 10])
    env = {
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        **(request.getfixturevalue("s3_env") if backend == "s3" else {}),
    }
    assert materialize_day(SIM_DAY, env, gold=False).success
    (mirror / sim_file.path.name).write_bytes(sim_file.path.read_bytes())  # the whole day
    store = build_resources(env)["storage"].store()  # type: ignore[attr-defined]
    key = bronze_key("dma", SIM_DAY)
    import aislake.bronze.publishing as bronze

    with pytest.MonkeyPatch.context() as mp:  # killed after silver's publish, before the move
        mp.setattr(bronze, "promote", lambda store, key: False)
        assert materialize_day(SIM_DAY, env, gold=False).success
    assert store.exists(f"_pending/{key}")
    assert read_manifest(store, key).lines < sim_file.rows  # type: ignore[union-attr]
    first = _silver_rows(env)
    result = materialize_day(SIM_DAY, env, gold=False)
    assert result.success and _metadata(result, "dma_ais_silver")["bronze_replaced"]
    assert _silver_rows(env) == first and not store.exists(f"_pending/{key}")
    assert read_manifest(store, key).lines == sim_file.rows  # type: ignore[union-attr]
    with zipfile.ZipFile(sim_file.path) as zf:
        assert store.read_range(key, 10**9) == zf.read("aisdk-2024-01-15.csv")


@pytest.mark.parametrize(
    "setting",
    [
        "AISLAKE_REPLACE_MIN_SHARE=-1",
        "AISLAKE_REPLACE_MAX_DROP=2",
        "AISLAKE_REPLACE_MAX_REJECT_RISE=x",
        "AISLAKE_MAX_REJECT_SHARE=1.5",
    ],
)
def test_settings_out_of_range_are_refused(setting: str) -> None:
    name, value = setting.split("=")
    with pytest.raises(ValueError, match=f"{name}=.*expected a share from 0 to 1"):
        build_resources({name: value})
