"""Checks on DMA silver, run against what is stored for the partition.

Blocking checks encode invariants a correct silver partition always meets (keys present, no
duplicate keys); what a real day may legitimately fall short of (volume, hours covered, rejects)
warns, with its threshold in the metadata.
"""

import dagster as dg

from aislake.defs.dma.assets import dma_ais_silver
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DuckDB, LakeStorage, QualityThresholds
from aislake.lake.days import parse_day
from aislake.lake.quality import SilverStats, silver_stats


def _stats(
    context: dg.AssetCheckExecutionContext, storage: LakeStorage, duckdb: DuckDB
) -> SilverStats:
    store = storage.store()
    con = duckdb.connect(store)
    try:
        return silver_stats(con, store, "dma", parse_day(context.partition_key))
    finally:
        con.close()


@dg.asset_check(asset=dma_ais_silver, partitions_def=daily_partitions)
def dma_silver_min_rows(
    context: dg.AssetCheckExecutionContext,
    storage: LakeStorage,
    duckdb: DuckDB,
    thresholds: QualityThresholds,
) -> dg.AssetCheckResult:
    """A DMA day has millions of rows; fewer than the threshold (AISLAKE_MIN_SILVER_ROWS) warns of
    a thin file or an extract."""
    stats = _stats(context, storage, duckdb)
    return dg.AssetCheckResult(
        passed=stats.rows >= thresholds.min_silver_rows,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows": stats.rows, "min_rows": thresholds.min_silver_rows},
    )


@dg.asset_check(asset=dma_ais_silver, partitions_def=daily_partitions)
def dma_silver_hours_covered(
    context: dg.AssetCheckExecutionContext, storage: LakeStorage, duckdb: DuckDB
) -> dg.AssetCheckResult:
    """Every hour of the UTC day has positions (DMA days with missing hours exist: the
    receivers' feed stopped); the missing hours are listed."""
    stats = _stats(context, storage, duckdb)
    return dg.AssetCheckResult(
        passed=not stats.missing_hours,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "hours_with_positions": len(stats.hours_with_positions),
            "missing_hours": dg.MetadataValue.json(stats.missing_hours),
            "expected_hours": 24,
        },
    )


@dg.asset_check(asset=dma_ais_silver, blocking=True, partitions_def=daily_partitions)
def dma_silver_keys_valid(
    context: dg.AssetCheckExecutionContext, storage: LakeStorage, duckdb: DuckDB
) -> dg.AssetCheckResult:
    """No NULL ts, mmsi, lat or lon, and no duplicate (mmsi, ts, lat, lon) in silver."""
    stats = _stats(context, storage, duckdb)
    return dg.AssetCheckResult(
        passed=stats.null_key_rows == 0 and stats.duplicate_keys == 0,
        metadata={"null_key_rows": stats.null_key_rows, "duplicate_keys": stats.duplicate_keys},
    )


@dg.asset_check(asset=dma_ais_silver, partitions_def=daily_partitions)
def dma_silver_reject_rate(
    context: dg.AssetCheckExecutionContext,
    storage: LakeStorage,
    duckdb: DuckDB,
    thresholds: QualityThresholds,
) -> dg.AssetCheckResult:
    """Rejected rows (not counting static reports and exact duplicates, which are normal traffic)
    stay below a configurable share of the day."""
    stats = _stats(context, storage, duckdb)
    return dg.AssetCheckResult(
        passed=stats.reject_share <= thresholds.max_reject_share,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "reject_share": round(stats.reject_share, 6),
            "max_reject_share": thresholds.max_reject_share,
            "rejects_by_reason": dg.MetadataValue.json(stats.rejects_by_reason),
        },
    )
