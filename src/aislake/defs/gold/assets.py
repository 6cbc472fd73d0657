"""Gold products as Dagster assets: one factory over the registry
(``aislake.gold.registry``), where each product is defined once.

A product is daily (a partition a day, from that day's silver), monthly (from the month's days
of a daily product) or history (unpartitioned: rebuilt whole from every partition of what it
reads; port visits, voyages and gaps, which belong to no single day). Its dependencies,
partitions, checks and code version all come from its registry entry.
"""

import base64
import tempfile
from pathlib import Path
from typing import cast

import dagster as dg
import duckdb

from aislake.defs.execution import DUCKDB_STEP_TAGS, record_step_process
from aislake.defs.gold.checks import gold_check_results, gold_check_specs, measure
from aislake.defs.partitions import partitions_for
from aislake.defs.resources import DuckDB, GoldSettings, LakeStorage
from aislake.defs.sources import active_sources
from aislake.duck.sql import partition_files
from aislake.gold.core import GoldParams, NoSilverError
from aislake.gold.heatmap import land_shapes, port_marks, render_heatmap
from aislake.gold.registry import BY_NAME, PRODUCTS, NoInputError, build_product, partition_prefix
from aislake.gold.spec import Figure, GoldProduct
from aislake.storage.store import ObjectStore


def figure_metadata(
    name: str,
    figure: Figure,
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    prefix: str,
    period: str | None,
) -> dict[str, dg.MetadataValue]:
    """A registry figure as Dagster metadata; a heatmap is also stored beside the partition."""
    kind, value = figure
    if kind == "md":
        return {name: dg.MetadataValue.md(str(value))}
    if kind == "json":
        return {name: dg.MetadataValue.json(value)}  # type: ignore[arg-type]
    if kind == "int":
        return {name: dg.MetadataValue.int(int(value))}  # type: ignore[call-overload]
    if kind == "float":
        return {name: dg.MetadataValue.float(float(value))}  # type: ignore[arg-type]
    heatmap = cast(tuple[list[tuple[int, int, float]], float, str, str], value)
    cells, cell_m, title, unit = heatmap
    title = f"{title} {period or ''}".strip()
    png = render_heatmap(
        cells, cell_m, title, unit, port_marks(con), land=land_shapes(con, cells, cell_m)
    )
    key = prefix + "heatmap.png"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "heatmap.png"
        path.write_bytes(png)
        store.put_file(path, key)
    data = base64.b64encode(png).decode()
    return {
        name: dg.MetadataValue.md(f"![{title}](data:image/png;base64,{data})"),
        f"{name}_uri": dg.MetadataValue.path(store.uri(key)),
    }


def month_follows_its_days() -> dg.AutomationCondition[dg.AssetKey | dg.AssetCheckKey]:
    """A month's partition is requested when one of its days was updated since the month was
    last handled, once no day of it is in progress. Any
    month, not only the latest (``AutomationCondition.eager()`` keeps to the latest time window,
    so a backfilled old month was never rebuilt, and it does not wait for blocking checks); a
    month none of whose days were built is never requested, nor one with a day whose blocking
    check failed."""
    failed_blocking_check = dg.AutomationCondition.any_checks_match(
        dg.AutomationCondition.check_failed(), blocking_only=True
    )
    return (
        dg.AutomationCondition.any_deps_updated().since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & ~dg.AutomationCondition.any_deps_match(failed_blocking_check)
    ).with_label("a day of the month was updated")


# A product that follows events across midnight reads its daily inputs' day before too.
DAY_BEFORE_AND_DAY = dg.TimeWindowPartitionMapping(
    start_offset=-1, end_offset=0, allow_nonexistent_upstream_partitions=True
)


def _deps(product: GoldProduct, sources: tuple[str, ...]) -> list[dg.AssetDep]:
    deps = [
        dg.AssetDep(
            BY_NAME[r].asset,
            partition_mapping=DAY_BEFORE_AND_DAY
            if product.follows_midnight and BY_NAME[r].partitioning == "daily"
            else None,
        )
        for r in product.reads
        if r != "silver"
    ]
    if "silver" in product.reads:
        deps = [dg.AssetDep(f"{s}_ais_silver") for s in sources] + deps
    return deps


def gold_asset(product: GoldProduct, sources: tuple[str, ...]) -> dg.AssetsDefinition:
    """``<product>_gold``: built from the silver of every source the lake holds for the day (if
    it reads silver; it depends on the silver of ``sources``, the active ones) and from the
    products it reads."""

    @dg.asset(
        name=product.asset,
        partitions_def=partitions_for(product.partitioning),
        deps=_deps(product, sources),
        group_name="gold",
        kinds={"duckdb", "parquet"},
        pool="duckdb",
        op_tags=DUCKDB_STEP_TAGS,
        code_version=product.code_version,
        description=product.description,
        # A day's silver replaced while this step reads it: the files it resolved may be gone
        # (never mixed with the new version's); a retry reads the new version.
        retry_policy=dg.RetryPolicy(max_retries=2, delay=10),
        check_specs=gold_check_specs(product),
        # A month's rollup follows its days: rebuilt when one of them is (the automation
        # condition sensor; a day's run holds one partition key, so it cannot include it).
        automation_condition=(
            month_follows_its_days() if product.partitioning == "monthly" else None
        ),
    )
    def _asset(
        context: dg.AssetExecutionContext,
        storage: LakeStorage,
        duckdb: DuckDB,
        gold: GoldSettings,
    ) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
        record_step_process(context)
        period = context.partition_key if context.has_partition_key else None
        params: GoldParams = gold.params()
        store = storage.store()
        con = duckdb.connect(store)
        try:
            result = build_product(con, store, product.name, period, params)
            prefix = partition_prefix(product, period)
            stored = partition_files(store, prefix)  # what the pointer says was stored
            extra: dict[str, dg.MetadataValue] = {}
            if product.summary:
                table = f"read_parquet({stored}, hive_partitioning = false)"
                for name, figure in product.summary(con, table, params).items():
                    extra.update(figure_metadata(name, figure, con, store, prefix, period))
            # The checks, on what was stored: one read of the partition for all of them.
            checks = gold_check_results(product, measure(product, con, stored, params))
        except (NoSilverError, NoInputError) as exc:
            raise dg.Failure(str(exc), allow_retries=False) from exc
        finally:
            con.close()
        context.log.info(f"{product.name} {period or 'all days'}: {result.rows:,} rows")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "dagster/column_schema": dg.TableSchema(
                    columns=[
                        dg.TableColumn(n, t, description=d) for n, t, d in product.stored_columns
                    ]
                ),
                "uri": dg.MetadataValue.path(store.uri(result.key)),
                "bytes": result.bytes,
                **extra,
            },
            check_results=checks,
        )

    return _asset


@dg.definitions
def gold_products() -> dg.Definitions:
    """Every gold product, downstream of the active sources' silver (``AISLAKE_SOURCES``)."""
    sources = active_sources()
    return dg.Definitions(assets=[gold_asset(p, sources) for p in PRODUCTS])
