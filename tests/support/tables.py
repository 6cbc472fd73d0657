"""Reading the lake's tables as engines that are not aislake do, and writing a lake in the layout
of an older aislake (JSON version pointers), for the migration's test."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
from deltalake import DeltaTable

from aislake.duck.engine import connect
from aislake.duck.sql import sql_literal
from aislake.storage.store import LocalStore, ObjectStore
from aislake.storage.tables import Partition, partitions, table_files


def duckdb_with_delta(store: ObjectStore) -> duckdb.DuckDBPyConnection:
    """DuckDB with its delta extension (the PyPI wheel), reaching the store as any user would."""
    import duckdb_extension_delta

    con = connect(store)  # httpfs and the store's S3 secret, when it is S3
    folder = Path(duckdb_extension_delta.__file__).parent
    con.execute(f"LOAD {sql_literal(str(next(folder.rglob('delta.duckdb_extension'))))}")
    # GeoParquet's geometry is BLOB in the tables (Delta has no geometry type); left on, DuckDB
    # reads it as GEOMETRY and delta_scan cannot cast that back (docs/storage.md).
    con.execute("SET enable_geoparquet_conversion = false")
    return con


def three_engines(store: ObjectStore, root: str, sql: str) -> list[list[tuple[object, ...]]]:
    """``sql`` over ``{t}``, the table at ``root``, as DuckDB's delta_scan, Polars' scan_delta
    and delta-rs's pyarrow dataset read it."""
    uri, options = store.table_location(root)
    con = duckdb_with_delta(store)
    con.execute(f"CREATE VIEW t AS SELECT * FROM delta_scan({sql_literal(uri)})")
    by_duckdb = con.execute(sql.format(t="t")).fetchall()
    frame = pl.scan_delta(uri, storage_options=options or None).collect().to_arrow()
    arrow = DeltaTable(uri, storage_options=options or None).to_pyarrow_dataset().to_table()
    results = [by_duckdb]
    for data in (frame, arrow):  # each engine's rows, queried alike by a bare DuckDB
        local = duckdb.connect()
        local.register("t", data)
        results.append(local.execute(sql.format(t="t")).fetchall())
    return results


def table_roots(store: LocalStore) -> list[str]:
    """Every table of a local lake: the folders holding a ``_delta_log``."""
    return sorted(
        p.parent.relative_to(store.root).as_posix() for p in store.root.rglob("_delta_log")
    )


def to_pointer_layout(store: LocalStore) -> None:
    """Rewrite a lake of tables as aislake wrote it before them: a JSON pointer per partition
    naming its current files (a silver day's naming its rejects too), no table logs."""
    pointers: dict[str, dict[str, list[str]]] = {}
    for root in table_roots(store):
        for partition in partitions(store, root):
            keys = table_files(store, root, lambda p, want=partition.prefix: p == want)
            parts = partition.prefix.strip("/").split("/")
            if root == "silver/ais_rejects" or root == "silver/ais":
                name = f"_current/silver/{parts[2]}/{parts[3]}.json"
            else:
                name = f"_current/gold/{parts[1]}/{parts[2]}.json"
            pointers.setdefault(name, {})[partition.prefix] = keys
    for root in table_roots(store):
        for log in (store.root / root / "_delta_log").iterdir():
            log.unlink()
        (store.root / root / "_delta_log").rmdir()
    for name, files in pointers.items():
        path = store.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"version": "old", "files": files}))


__all__ = ["Partition", "duckdb_with_delta", "table_roots", "three_engines", "to_pointer_layout"]
