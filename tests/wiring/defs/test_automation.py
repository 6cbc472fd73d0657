"""The monthly rollup's automation condition: an old month is rebuilt when one of its days is
(not only the latest month, as ``AutomationCondition.eager()`` did), and not while one of its
days failed a blocking check."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from aislake.definitions import defs
from aislake.defs.gold.assets import month_follows_its_days
from aislake.gold.registry import BY_NAME, PRODUCTS

MONTHLY = next(p for p in PRODUCTS if p.partitioning == "monthly")
DAILY = BY_NAME[MONTHLY.reads[0]]


def test_the_real_rollup_rebuilds_a_backfilled_old_month(tmp_path: Path) -> None:
    selection = dg.AssetSelection.assets(MONTHLY.asset)
    loaded = defs()
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        first = dg.evaluate_automation_conditions(loaded, instance, asset_selection=selection)
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=DAILY.asset, partition="2024-01-15")
        )
        second = dg.evaluate_automation_conditions(
            loaded, instance, asset_selection=selection, cursor=first.cursor
        )
        requested = set(second.get_requested_partitions(dg.AssetKey(MONTHLY.asset)))
    assert requested == {"2024-01-01"}  # eager() kept to the latest month: never requested


@pytest.mark.parametrize("passes", [True, False], ids=["check-passed", "check-failed"])
def test_a_month_waits_for_its_days_blocking_checks(tmp_path: Path, passes: bool) -> None:
    """The same condition on a graph of the rollup's shape, a day materialised for real with
    its blocking check."""
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-03-01")
    months = dg.MonthlyPartitionsDefinition(start_date="2024-01-01", end_date="2024-03-01")

    @dg.asset(partitions_def=days)
    def day() -> None: ...

    @dg.asset_check(asset=day, blocking=True)
    def day_valid() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=passes)

    @dg.asset(partitions_def=months, deps=[day], automation_condition=month_follows_its_days())
    def month() -> None: ...

    graph = dg.Definitions(assets=[day, month], asset_checks=[day_valid])
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        first = dg.evaluate_automation_conditions(graph, instance)
        dg.materialize(
            [day, day_valid], partition_key="2024-01-15", instance=instance, raise_on_error=False
        )
        second = dg.evaluate_automation_conditions(graph, instance, cursor=first.cursor)
        requested = set(second.get_requested_partitions(dg.AssetKey("month")))
    assert requested == ({"2024-01-01"} if passes else set())
