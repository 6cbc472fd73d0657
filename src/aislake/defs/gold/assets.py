"""Gold products: the answers people open the lake for, built from silver of every source."""

import dagster as dg

from aislake.defs.dma.assets import dma_ais_silver
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DuckDB, LakeStorage
from aislake.lake.days import parse_day
from aislake.lake.gold import NoSilverError, build_daily_summary

DAILY_SUMMARY_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("dt", "DATE", description="the day (UTC)"),
        dg.TableColumn("ship_type", "VARCHAR", description="vessel's most reported ship type"),
        dg.TableColumn("vessels", "INTEGER", description="distinct MMSIs"),
        dg.TableColumn("messages", "BIGINT", description="silver positions"),
        dg.TableColumn("distance_nm", "DOUBLE", description="distance sailed, nautical miles"),
        dg.TableColumn("hours_under_way", "DOUBLE", description="hours with SOG >= 0.5 kn"),
    ]
)


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dma_ais_silver],
    group_name="gold",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
    code_version="1",
)
def ais_daily_summary_gold(
    context: dg.AssetExecutionContext, storage: LakeStorage, duckdb: DuckDB
) -> dg.MaterializeResult:
    """Per day and ship type: vessels, messages, distance sailed and hours under way, at
    ``gold/ais_daily_summary/dt=YYYY-MM-DD/part-0.parquet``."""
    day = parse_day(context.partition_key)
    store = storage.store()
    con = duckdb.connect(store)
    try:
        result = build_daily_summary(con, store, day)
        preview = con.execute(
            "SELECT ship_type, vessels, messages, distance_nm, hours_under_way "
            f"FROM read_parquet('{store.uri(result.key)}') ORDER BY messages DESC"
        ).fetchall()
    except NoSilverError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from exc
    finally:
        con.close()
    table = "| ship type | vessels | messages | nm | hours under way |\n|---|---:|---:|---:|---:|\n"
    table += "\n".join(f"| {t} | {v} | {m:,} | {d:,.1f} | {h:,.1f} |" for t, v, m, d, h in preview)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.rows,
            "dagster/column_schema": DAILY_SUMMARY_SCHEMA,
            "uri": dg.MetadataValue.path(store.uri(result.key)),
            "bytes": result.bytes,
            "summary": dg.MetadataValue.md(table),
        }
    )
