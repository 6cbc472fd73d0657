"""Checks on the gold products, run against what is stored for the partition.

Each product names a few measurements (SQL over its partition, see ``products.py``); the check
passes when the partition has rows and every measurement is zero.
"""

import dagster as dg

from aislake.defs.gold.assets import gold_assets
from aislake.defs.gold.products import PRODUCTS, GoldProduct
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DuckDB, GoldSettings, LakeStorage
from aislake.lake.days import parse_day
from aislake.lake.layout import gold_prefix
from aislake.lake.quality import partition_files


def gold_check(product: GoldProduct, asset: dg.AssetsDefinition) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset,
        name=f"{product.name}_valid",
        blocking=True,
        partitions_def=daily_partitions,
        description=f"{product.name}: not empty, and zero of: {', '.join(product.measures)}",
    )
    def _check(
        context: dg.AssetCheckExecutionContext,
        storage: LakeStorage,
        duckdb: DuckDB,
        gold: GoldSettings,
    ) -> dg.AssetCheckResult:
        store = storage.store()
        day = parse_day(context.partition_key)
        files = partition_files(store, gold_prefix(product.name, day))
        if files == "[]":
            return dg.AssetCheckResult(passed=False, metadata={"error": "no partition stored"})
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
        values = dict(zip(["rows", *measures], (int(v or 0) for v in row), strict=True))
        passed = values["rows"] > 0 and all(values[m] == 0 for m in measures)
        return dg.AssetCheckResult(passed=passed, metadata=values)

    return _check


gold_checks = [gold_check(p, a) for p, a in zip(PRODUCTS, gold_assets, strict=True)]
