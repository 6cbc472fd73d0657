"""DuckDB over the lake as tables: ``silver_ais``, ``rejects``, one view per gold product."""

from __future__ import annotations

import duckdb

from aislake.lake.duck import connect, sql_literal
from aislake.lake.gold import registry_latest_sql
from aislake.lake.layout import REJECTS_GLOB, SILVER_GLOB, gold_glob
from aislake.lake.store import ObjectStore

GOLD_PRODUCTS = (
    "ais_daily_summary", "vessel_registry", "vessel_tracks", "port_calls", "traffic_density",
)  # fmt: skip


def lake_connection(store: ObjectStore) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """A DuckDB connection with a view for every dataset the lake holds; and their names."""
    con = connect(store)
    views: list[str] = []

    def view(name: str, prefix: str, glob: str, dt_from_path: bool) -> None:
        if any(k.endswith(".parquet") for k in store.list_keys(prefix)):
            uri = sql_literal(store.uri(glob))
            # hive_partitioning stays off: with a column of the same name in the file and in the
            # path (silver's `source`, gold's `dt`) DuckDB 1.5.5 fails on pushed-down statistics.
            dt = (
                r", regexp_extract(filename, 'dt=(\d{4}-\d{2}-\d{2})', 1)::DATE AS dt"
                if dt_from_path
                else ""
            )
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (filename){dt} FROM "
                f"read_parquet({uri}, hive_partitioning = false, union_by_name = true, "
                "filename = true)"
            )
            views.append(name)

    view("silver_ais", "silver/ais/", SILVER_GLOB, dt_from_path=True)
    view("rejects", "silver/ais_rejects/", REJECTS_GLOB, dt_from_path=True)
    for product in GOLD_PRODUCTS:
        view(product, f"gold/{product}/", gold_glob(product), dt_from_path=False)
    if "vessel_registry" in views:
        con.execute(
            "CREATE OR REPLACE VIEW vessel_registry_latest AS "
            + registry_latest_sql("vessel_registry")
        )
        views.append("vessel_registry_latest")
    return con, views
