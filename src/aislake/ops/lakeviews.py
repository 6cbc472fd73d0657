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

    def view(name: str, prefix: str, glob: str) -> None:
        if any(k.endswith(".parquet") for k in store.list_keys(prefix)):
            uri = sql_literal(store.uri(glob))
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS "
                f"SELECT * FROM read_parquet({uri}, hive_partitioning = true, union_by_name = true)"
            )
            views.append(name)

    view("silver_ais", "silver/ais/", SILVER_GLOB)
    view("rejects", "silver/ais_rejects/", REJECTS_GLOB)
    for product in GOLD_PRODUCTS:
        view(product, f"gold/{product}/", gold_glob(product))
    if "vessel_registry" in views:
        con.execute(
            "CREATE OR REPLACE VIEW vessel_registry_latest AS "
            + registry_latest_sql("vessel_registry")
        )
        views.append("vessel_registry_latest")
    return con, views
