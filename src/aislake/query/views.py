"""DuckDB over the lake as tables: ``silver_ais``, ``rejects``, one view per gold product (the
registry's, ``aislake.gold.registry``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from aislake.duck.engine import connect
from aislake.duck.sql import sql_literal
from aislake.gold.registry import PRODUCTS
from aislake.query.guard import NotReadOnlyError, check_read_only, inside_lake
from aislake.storage.current import dataset_keys
from aislake.storage.store import LocalStore, ObjectStore, S3Store
from aislake.storage.tables import AsOf

__all__ = ["NotReadOnlyError", "check_read_only", "lake_connection", "lake_root"]

# The all-time registry over the view vessel_registry (a static SQL file).
REGISTRY_LATEST = Path(__file__).parent / "sql" / "vessel_registry_latest.sql"


def lake_root(store: ObjectStore) -> str:
    """The lake's root as DuckDB spells paths under it (a folder, or ``s3://bucket/``)."""
    if isinstance(store, S3Store):
        return f"s3://{store.bucket}/"
    assert isinstance(store, LocalStore)
    return str(store.root) + "/"


def lake_connection(
    store: ObjectStore, read_only: bool = True, as_of: AsOf | None = None
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """A DuckDB connection with a view for every dataset the lake holds; and their names. With
    ``as_of``, every table as it was then (a moment), or at that version (an integer).

    Read-only (the default) it can reach no file outside the lake (DuckDB's
    ``enable_external_access`` off, ``allowed_directories`` the lake's root and the connection's
    spill folder), and its configuration is locked; :func:`check_read_only` refuses, before
    DuckDB sees them, statements that would write (``COPY ... TO``, ``ATTACH``, ``CREATE``,
    ``SET``, ``EXPLAIN ANALYZE``) or name a file outside the lake (``aislake.query.guard``).
    A local lake whose current files resolve (through a link) outside it is refused too.
    """
    con = connect(store)
    views: list[str] = []

    def view(name: str, prefix: str, dt_from_path: bool) -> None:
        # The table's latest version: never two versions of a day.
        keys = dataset_keys(store, prefix, as_of=as_of)
        if read_only and isinstance(store, LocalStore):
            for k in keys:
                inside_lake(store.uri(k), store)
        if keys:
            files = "[" + ", ".join(sql_literal(store.uri(k)) for k in keys) + "]"
            # hive_partitioning stays off: with a column of the same name in the file and in the
            # path (silver's `source`, gold's `dt`) DuckDB 1.5.5 fails on pushed-down statistics.
            dt = (
                r", regexp_extract(filename, 'dt=(\d{4}-\d{2}-\d{2})', 1)::DATE AS dt"
                if dt_from_path
                else ""
            )
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (filename){dt} FROM "
                f"read_parquet({files}, hive_partitioning = false, union_by_name = true, "
                "filename = true)"
            )
            views.append(name)

    view("silver_ais", "silver/ais/", dt_from_path=True)
    view("rejects", "silver/ais_rejects/", dt_from_path=True)
    for product in PRODUCTS:
        view(product.name, f"gold/{product.name}/", dt_from_path=False)
    if "vessel_registry" in views:
        con.execute(
            "CREATE OR REPLACE VIEW vessel_registry_latest AS " + REGISTRY_LATEST.read_text()
        )
        views.append("vessel_registry_latest")
    if read_only:
        spill = con.execute("SELECT current_setting('temp_directory')").fetchone()
        allowed = [lake_root(store), *([str(spill[0]).rstrip("/") + "/"] if spill else [])]
        con.execute(f"SET allowed_directories = [{', '.join(sql_literal(a) for a in allowed)}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    return con, views
