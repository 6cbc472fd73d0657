"""The code location loads, and the asset graph is what the docs say it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from aislake.definitions import defs


def test_definitions_load_with_the_registrys_products_and_their_checks() -> None:
    from aislake.gold.registry import PRODUCTS

    loaded = defs()
    graph = loaded.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    gold = [p.name for p in PRODUCTS]
    assert {"port_visits", "voyages", "traffic_density_monthly", "ais_gaps"} <= set(gold)
    assert keys == {"dma_ais_bronze", "dma_ais_silver", *(f"{g}_gold" for g in gold)}
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert checks == {
        ("dma_ais_silver", "dma_silver_min_rows"),
        ("dma_ais_silver", "dma_silver_keys_valid"),
        ("dma_ais_silver", "dma_silver_reject_rate"),
        ("dma_ais_silver", "dma_silver_hours_covered"),
        *((f"{g}_gold", f"{g}_valid") for g in gold),
        # events (rare: most days have none) have no not-empty warning
        *((f"{p.name}_gold", f"{p.name}_not_empty") for p in PRODUCTS if not p.rare),
    }


def test_events_depend_on_the_day_before_too() -> None:
    """Loitering, encounters and close quarters follow events across midnight: a day of theirs
    depends on the vessel positions of that day and the day before (the first day on its own)."""
    from aislake.gold.registry import PRODUCTS

    graph = defs().resolve_asset_graph()
    positions = dg.AssetKey("vessel_positions_gold")
    for p in PRODUCTS:
        mapping = graph.get_partition_mapping(dg.AssetKey(p.asset), positions)
        if p.follows_midnight:
            assert isinstance(mapping, dg.TimeWindowPartitionMapping), p.name
            assert (mapping.start_offset, mapping.end_offset) == (-1, 0), p.name
            assert mapping.allow_nonexistent_upstream_partitions, p.name
    followers = {p.name for p in PRODUCTS if p.follows_midnight}
    assert followers == {"loitering", "encounters", "close_quarters"}


def test_graph_dependencies_kinds_and_groups() -> None:
    graph = defs().resolve_asset_graph()

    def node(name: str):  # type: ignore[no-untyped-def]
        return graph.get(dg.AssetKey(name))

    assert {k.to_user_string() for k in node("dma_ais_silver").parent_keys} == {"dma_ais_bronze"}
    assert {k.to_user_string() for k in node("vessel_positions_gold").parent_keys} == {
        "dma_ais_silver"
    }
    # The vessel positions' transmitters and motion are computed once; the others read them.
    for gold in ("vessel_tracks_gold", "traffic_density_gold", "vessel_stops_gold"):
        assert {k.to_user_string() for k in node(gold).parent_keys} == {"vessel_positions_gold"}
    for gold in ("ais_daily_summary_gold", "vessel_registry_gold"):
        assert {k.to_user_string() for k in node(gold).parent_keys} == {
            "dma_ais_silver",
            "vessel_positions_gold",
        }
    assert node("dma_ais_bronze").group_name == "dma"
    assert node("ais_daily_summary_gold").group_name == "gold"
    assert set(node("dma_ais_silver").kinds) == {"duckdb", "parquet"}
    assert node("dma_ais_bronze").pools == {"dma_download"}
    # Across days: runs read the anchorages; visits, voyages and gaps read every day's runs.
    across = ("vessel_runs", "port_visits", "voyages", "traffic_density_monthly")
    parents = {n: {k.to_user_string() for k in node(f"{n}_gold").parent_keys} for n in across}
    assert parents == {
        "vessel_runs": {"vessel_positions_gold", "anchorages_gold"},
        "port_visits": {"vessel_runs_gold"},
        "voyages": {"port_visits_gold", "vessel_runs_gold"},
        "traffic_density_monthly": {"traffic_density_gold"},
    }
    assert node("port_visits_gold").partitions_def is None  # rebuilt whole from every day
    assert isinstance(
        node("traffic_density_monthly_gold").partitions_def, dg.MonthlyPartitionsDefinition
    )


def test_partitions_are_daily_from_2024_and_end_lag_days_ago(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The lag is read when the partitions are made (the definitions load), not at import: no
    module needs reloading to see a new value."""
    from aislake.defs.partitions import daily_partitions

    today = dt.datetime.now(dt.UTC).date()
    assert daily_partitions().get_last_partition_key() == (today - dt.timedelta(days=3)).isoformat()
    monkeypatch.setenv("AISLAKE_DMA_LAG_DAYS", "5")
    daily = daily_partitions()
    assert daily.get_first_partition_key() == "2024-01-01"
    assert daily.get_last_partition_key() == (today - dt.timedelta(days=5)).isoformat()
    last = defs().resolve_assets_def("dma_ais_bronze").partitions_def.get_last_partition_key()  # type: ignore[union-attr]
    assert last == (today - dt.timedelta(days=5)).isoformat()


def test_the_definitions_load_once_per_settings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Dagster calls ``defs`` each time it reconstructs the code location (six times in a run):
    the same settings give the same definitions, loaded once; other settings load again."""
    first = defs()
    assert defs() is first
    monkeypatch.setenv("AISLAKE_SOURCES", "dma,noaa")
    both = defs()
    assert both is not first
    assert both.resolve_asset_graph().has(dg.AssetKey("noaa_ais_silver"))
    monkeypatch.delenv("AISLAKE_SOURCES")
    assert not defs().resolve_asset_graph().has(dg.AssetKey("noaa_ais_silver"))


def test_every_asset_has_a_docstring_that_names_its_key_pattern() -> None:
    loaded = defs()
    for asset in loaded.assets or []:
        for spec in asset.specs:  # type: ignore[union-attr]
            assert spec.description and ("/" in spec.description), spec.key


def test_silver_has_a_freshness_policy() -> None:
    spec = defs().resolve_assets_def("dma_ais_silver").get_asset_spec()
    assert spec.freshness_policy is not None


def test_a_run_executes_one_duckdb_step_at_a_time() -> None:
    """Each DuckDB step may use the whole memory limit: a run (one pod) runs one at a time, in
    its own process by default, or a process per step with at most one DuckDB step at once."""
    from aislake.defs.execution import EXECUTORS, RUN_EXECUTOR_CONFIG, run_executor

    loaded = defs()
    assert loaded.resolve_implicit_global_asset_job_def().executor_def is dg.in_process_executor
    assert run_executor("multiprocess") is EXECUTORS["multiprocess"]
    assert RUN_EXECUTOR_CONFIG["tag_concurrency_limits"] == [
        {"key": "aislake/memory", "value": "duckdb", "limit": 1}
    ]
    with pytest.raises(ValueError, match="AISLAKE_EXECUTOR='threads'"):
        run_executor("threads")
    graph = loaded.resolve_asset_graph()
    tagged = {
        k.to_user_string()
        for k in graph.get_all_asset_keys()
        if graph.get(k).assets_def.op.tags.get("aislake/memory") == "duckdb"
    }
    assert tagged == {k.to_user_string() for k in graph.get_all_asset_keys()} - {"dma_ais_bronze"}


def test_a_new_days_run_takes_every_gold_product_but_the_monthly_rollup() -> None:
    """A run has one partition key: the sensor's day runs leave the month to its automation
    condition, and rebuild the products over every day (no partitions) with the day."""
    from aislake.defs.sources import day_run_selection

    graph = defs().resolve_asset_graph()
    target = {k.to_user_string() for k in day_run_selection("dma").resolve(graph)}
    assert {"dma_ais_silver", "port_visits_gold", "ais_gaps_gold"} <= target
    assert "traffic_density_monthly_gold" not in target
    monthly = graph.get(dg.AssetKey("traffic_density_monthly_gold"))
    assert monthly.automation_condition is not None


def test_code_versions_are_hashes_of_the_files_a_step_runs(tmp_path: Path) -> None:
    """Silver's and bronze's code versions change with any file they run (a package's .py and
    .sql files, by path and content); each source's silver has its own (its reader differs)."""
    from aislake.defs.sources import bronze_version, silver_version
    from aislake.defs.versions import files_version

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    (package / "q.sql").write_text("SELECT 1;\n")
    before = files_version(package)
    (package / "q.sql").write_text("SELECT 2;\n")
    assert files_version(package) != before
    (package / "q.sql").write_text("SELECT 1;\n")
    assert files_version(package) == before
    assert silver_version("dma") != silver_version("noaa")
    assert bronze_version("dma") != bronze_version("noaa")
    spec = defs().resolve_assets_def("dma_ais_silver").get_asset_spec()
    assert spec.code_version == silver_version("dma")
