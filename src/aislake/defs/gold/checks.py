"""Checks on the gold products, run against what is stored for the partition.

Each product names a few measurements (SQL over its partition, see ``products.py``). The blocking
``<product>_valid`` check passes when the partition is stored and every measurement is zero: an
invariant a correct product always meets, even empty (a real extract with no stop long enough has
no port calls). ``<product>_not_empty`` warns when it has no rows.
"""

import dagster as dg

from aislake.defs.gold.products import PRODUCTS, GoldProduct
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DuckDB, GoldSettings, LakeStorage
from aislake.lake.days import parse_day
from aislake.lake.layout import gold_prefix
from aislake.lake.quality import partition_files


def _measure(
    product: GoldProduct, partition_key: str, storage: LakeStorage, duckdb: DuckDB,
    gold: GoldSettings,
) -> dict[str, int] | None:  # fmt: skip
    """Rows and each measurement of the stored partition; ``None`` when nothing is stored."""
    store = storage.store()
    files = partition_files(store, gold_prefix(product.name, parse_day(partition_key)))
    if files == "[]":
        return None
    measures = product.measures_sql(gold.params())
    select = ", ".join(f"({sql})::BIGINT AS {name}" for name, sql in measures.items())
    con = duckdb.connect(store)
    try:
        row = con.execute(
            f"SELECT count(*)::BIGINT AS rows, {select} "
            f"FROM read_parquet({files}, hive_partitioning = false)"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return dict(zip(["rows", *measures], (int(v or 0) for v in row), strict=True))


def gold_checks_for(product: GoldProduct) -> list[dg.AssetChecksDefinition]:
    asset = dg.AssetKey(f"{product.name}_gold")

    @dg.asset_check(
        asset=asset,
        name=f"{product.name}_valid",
        blocking=True,
        partitions_def=daily_partitions,
        description=f"{product.name}: stored, and zero of: {', '.join(product.measures)}",
    )
    def _valid(
        context: dg.AssetCheckExecutionContext,
        storage: LakeStorage,
        duckdb: DuckDB,
        gold: GoldSettings,
    ) -> dg.AssetCheckResult:
        values = _measure(product, context.partition_key, storage, duckdb, gold)
        if values is None:
            return dg.AssetCheckResult(passed=False, metadata={"error": "no partition stored"})
        passed = all(v == 0 for k, v in values.items() if k != "rows")
        return dg.AssetCheckResult(passed=passed, metadata=values)

    @dg.asset_check(
        asset=asset,
        name=f"{product.name}_not_empty",
        partitions_def=daily_partitions,
        description=f"{product.name}: the day has rows (warns: a real day may have none)",
    )
    def _not_empty(
        context: dg.AssetCheckExecutionContext, storage: LakeStorage, duckdb: DuckDB
    ) -> dg.AssetCheckResult:
        store = storage.store()
        files = partition_files(store, gold_prefix(product.name, parse_day(context.partition_key)))
        rows = 0
        if files != "[]":
            con = duckdb.connect(store)
            try:  # from the Parquet footers: no data read
                row = con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
            finally:
                con.close()
            rows = int(row[0]) if row else 0
        return dg.AssetCheckResult(
            passed=rows > 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows": rows, "min_rows": 1},
        )

    return [_valid, _not_empty]


gold_checks = [check for p in PRODUCTS for check in gold_checks_for(p)]
