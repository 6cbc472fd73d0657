"""Helpers of the silver tests: a day of crafted lines or the simulated day through
``build_silver``, and its stored rows."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

from aislake.duck.engine import connect
from aislake.duck.sql import ROW_GROUP_ROWS
from aislake.silver.build import SilverResult, build_silver
from aislake.silver.write import SLICE_ROWS
from aislake.storage.store import ObjectStore
from dmarows import HEADER

DAY = dt.date(2024, 1, 15)


def run(store: ObjectStore, tmp_path: Path, lines: list[str], day: dt.date = DAY) -> SilverResult:
    csv = tmp_path / "day.csv"
    csv.write_text("\n".join([HEADER, *lines]) + "\n")
    store.put_file(csv, "bronze/dma/day.csv")
    return build_silver(connect(store), store, "bronze/dma/day.csv", day)


def query(store: ObjectStore, key: str, sql: str) -> list[tuple]:
    """Run ``sql`` with ``{t}`` standing for the Parquet file at ``key`` (its own columns only)."""
    table = f"read_parquet('{store.uri(key)}', hive_partitioning = false)"
    return connect(store).execute(sql.format(t=table)).fetchall()


def silver_rows(store: ObjectStore, result: SilverResult, columns: str = "*") -> list[tuple]:
    return query(store, result.silver_keys[0], f"SELECT {columns} FROM {{t}}")


def reject_rows(store: ObjectStore, result: SilverResult, columns: str = "*") -> list[tuple]:
    return query(store, result.rejects_keys[0], f"SELECT {columns} FROM {{t}} ORDER BY ALL")


def silver_of_sim_day(
    store: ObjectStore,
    sim_file: Any,
    tmp_path: Path,
    row_group_rows: int = ROW_GROUP_ROWS,
    slice_rows: int = SLICE_ROWS,
) -> SilverResult:
    csv = tmp_path / "sim.csv"
    if not csv.exists():
        with zipfile.ZipFile(sim_file.path) as zf:
            csv.write_bytes(zf.read("aisdk-2024-01-15.csv"))
    store.put_file(csv, "bronze/dma/sim.csv")
    return build_silver(
        connect(store),
        store,
        "bronze/dma/sim.csv",
        DAY,
        row_group_rows=row_group_rows,
        slice_rows=slice_rows,
    )
