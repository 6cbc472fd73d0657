"""Gold products: the answers people open the lake for, built from silver of every source.

Every product is the same shape of asset (read the day's silver, run the product's SQL, publish
``gold/<product>/dt=YYYY-MM-DD/part-0.parquet``), so one factory builds them all from the table
in ``defs/gold/products.py``; what differs per product lives there.
"""

import base64
import tempfile
from pathlib import Path

import dagster as dg

from aislake.defs.execution import DUCKDB_STEP_TAGS
from aislake.defs.gold.checks import gold_check_results, gold_check_specs, measure
from aislake.defs.gold.products import PRODUCTS, GoldProduct
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DuckDB, GoldSettings, LakeStorage
from aislake.defs.sources import active_sources
from aislake.lake.days import parse_day
from aislake.lake.gold import NoSilverError, build_product
from aislake.lake.heatmap import render_heatmap
from aislake.lake.layout import gold_prefix
from aislake.lake.quality import partition_files


def _extra_metadata(product: GoldProduct, con, store, key: str, day, settings) -> dict:  # type: ignore[no-untyped-def]
    """What a person wants to see of the product in the UI besides counts."""
    table = f"read_parquet('{store.uri(key)}', hive_partitioning = false)"
    if product.name == "ais_daily_summary":
        rows = con.execute(
            f"SELECT ship_type, vessels, messages, distance_nm, hours_under_way FROM {table} "
            "ORDER BY messages DESC"
        ).fetchall()
        md = (
            "| ship type | vessels | messages | nm | hours under way |\n|---|---:|---:|---:|---:|\n"
        )
        md += "\n".join(f"| {t} | {v} | {m:,} | {d:,.1f} | {h:,.1f} |" for t, v, m, d, h in rows)
        return {"summary": dg.MetadataValue.md(md)}
    if product.name == "traffic_density":
        cells = con.execute(
            f"SELECT cell_y, cell_x, sum(messages)::BIGINT FROM {table} GROUP BY ALL"
        ).fetchall()
        png = render_heatmap(cells, settings.params().grid_deg, f"AIS messages {day}")
        png_key = gold_prefix(product.name, day) + "heatmap.png"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "heatmap.png"
            path.write_bytes(png)
            store.put_file(path, png_key)
        data = base64.b64encode(png).decode()
        return {
            "heatmap": dg.MetadataValue.md(
                f"![traffic density {day}](data:image/png;base64,{data})"
            ),
            "heatmap_uri": dg.MetadataValue.path(store.uri(png_key)),
            "cells": len(cells),
        }
    if product.name == "port_calls":
        rows = con.execute(
            f"SELECT port, count(*) FROM {table} WHERE port_distance_nm <= 1 GROUP BY ALL "
            "ORDER BY 2 DESC, 1 LIMIT 10"
        ).fetchall()
        return {"calls_by_port": dg.MetadataValue.json(dict(rows))}
    return {}


def gold_asset(product: GoldProduct, sources: tuple[str, ...]) -> dg.AssetsDefinition:
    """``<product>_gold``, built from the silver of every source the lake holds for the day; it
    depends on the silver of ``sources`` (the active ones)."""

    @dg.asset(
        name=f"{product.name}_gold",
        partitions_def=daily_partitions,
        deps=[dg.AssetKey(f"{s}_ais_silver") for s in sources],
        group_name="gold",
        kinds={"duckdb", "parquet"},
        pool="duckdb",
        op_tags=DUCKDB_STEP_TAGS,
        code_version="2",
        description=product.description,
        # A day's silver replaced while this step reads it: the files it resolved may be gone
        # (never mixed with the new version's); a retry reads the new version.
        retry_policy=dg.RetryPolicy(max_retries=2, delay=10),
        check_specs=gold_check_specs(product),
    )
    def _asset(
        context: dg.AssetExecutionContext,
        storage: LakeStorage,
        duckdb: DuckDB,
        gold: GoldSettings,
    ) -> dg.MaterializeResult:
        day = parse_day(context.partition_key)
        store = storage.store()
        con = duckdb.connect(store)
        try:
            result = build_product(con, store, product.name, day, gold.params())
            extra = _extra_metadata(product, con, store, result.key, day, gold)
            # The checks, on what was stored: one read of the partition for all of them.
            stored = partition_files(store, gold_prefix(product.name, day))
            checks = gold_check_results(product, measure(product, con, stored, gold.params()))
        except NoSilverError as exc:
            raise dg.Failure(str(exc), allow_retries=False) from exc
        finally:
            con.close()
        context.log.info(f"{product.name} {day}: {result.rows:,} rows")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(n, t, description=d) for n, t, d in product.columns]
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
