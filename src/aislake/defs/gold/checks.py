"""The checks of each gold product, run in the product's own step on what it stored.

Each product names a few measurements (SQL over its partition, in the registry:
``aislake.gold.registry``); one read of the stored partition gives its row count and all of
them. The blocking ``<product>_valid`` check passes when every measurement is zero: an invariant
a correct product always meets, even empty (a real extract with no stop long enough has no port
visits). ``<product>_not_empty`` warns when it has no rows, but for events (``rare``): most
days have none.
"""

import dagster as dg
import duckdb

from aislake.defs.partitions import partitions_for
from aislake.gold.core import GoldParams
from aislake.gold.spec import GoldProduct


def gold_check_specs(product: GoldProduct) -> list[dg.AssetCheckSpec]:
    partitions_def = partitions_for(product.partitioning)
    valid = dg.AssetCheckSpec(
        f"{product.name}_valid",
        asset=product.asset,
        blocking=True,
        partitions_def=partitions_def,
        description=f"{product.name}: stored, and zero of: {', '.join(product.measure_names)}",
    )
    if product.rare:
        return [valid]
    return [
        valid,
        dg.AssetCheckSpec(
            f"{product.name}_not_empty",
            asset=product.asset,
            partitions_def=partitions_def,
            description=f"{product.name}: has rows (warns: a real day may have none)",
        ),
    ]


def measure(
    product: GoldProduct, con: duckdb.DuckDBPyConnection, files: str, params: GoldParams
) -> dict[str, int]:
    """Rows and each measurement of the stored partition ``files`` (a DuckDB list literal)."""
    measures = product.measures(params)
    select = ", ".join(f"({sql})::BIGINT AS {name}" for name, sql in measures.items())
    row = con.execute(
        f"SELECT count(*)::BIGINT AS rows, {select} "
        f"FROM read_parquet({files}, hive_partitioning = false)"
    ).fetchone()
    assert row is not None
    return dict(zip(["rows", *measures], (int(v or 0) for v in row), strict=True))


def gold_check_results(product: GoldProduct, values: dict[str, int]) -> list[dg.AssetCheckResult]:
    """The results of :func:`gold_check_specs` for the partition measured as ``values``."""
    valid = dg.AssetCheckResult(
        check_name=f"{product.name}_valid",
        asset_key=product.asset,
        passed=all(v == 0 for k, v in values.items() if k != "rows"),
        metadata=values,
    )
    if product.rare:
        return [valid]
    return [
        valid,
        dg.AssetCheckResult(
            check_name=f"{product.name}_not_empty",
            asset_key=product.asset,
            passed=values["rows"] > 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows": values["rows"], "min_rows": 1},
        ),
    ]
