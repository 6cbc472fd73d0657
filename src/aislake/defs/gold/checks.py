"""Checks on the gold products, run against what is stored for the partition."""

import dagster as dg

from aislake.defs.gold.assets import ais_daily_summary_gold
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DuckDB, LakeStorage
from aislake.lake.days import parse_day
from aislake.lake.layout import gold_prefix
from aislake.lake.quality import partition_files


@dg.asset_check(asset=ais_daily_summary_gold, blocking=True, partitions_def=daily_partitions)
def ais_daily_summary_valid(
    context: dg.AssetCheckExecutionContext, storage: LakeStorage, duckdb: DuckDB
) -> dg.AssetCheckResult:
    """Non-empty, one row per ship type, counts positive, distances and hours not negative."""
    store = storage.store()
    files = partition_files(
        store, gold_prefix("ais_daily_summary", parse_day(context.partition_key))
    )
    if files == "[]":
        return dg.AssetCheckResult(passed=False, metadata={"error": "no gold partition stored"})
    con = duckdb.connect(store)
    try:
        row = con.execute(
            f"""SELECT count(*), count(*) - count(DISTINCT ship_type),
                       count(*) FILTER (WHERE vessels <= 0 OR messages <= 0
                                        OR distance_nm < 0 OR hours_under_way < 0)
                FROM read_parquet({files})"""
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    rows, dup_types, bad = (int(x) for x in row)
    return dg.AssetCheckResult(
        passed=rows > 0 and dup_types == 0 and bad == 0,
        metadata={"rows": rows, "duplicate_ship_types": dup_types, "rows_out_of_range": bad},
    )
