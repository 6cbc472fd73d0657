"""Silver's write step: the day's valid rows, one copy of each, in silver's order, and every
other row with its reason, streamed from the sorted files joined by position to their
neighbours, into the staging prefix.

- Silver: the main file in slices of consecutive rows, one file each (a large day gives each
  DuckDB thread ``slice_rows`` rows or more), then the repaired rows' file.
- Rejects: rows that parsed are stored rendered back as text in the source's forms; lines that
  did not parse (and lines the sanitizer took aside) keep their raw text. A repaired line is
  in silver or here once, as repaired.

DuckDB joins by position on one thread, so the slices and the rejects are written at once,
each on a connection of its own to the same database (which shares its memory limit).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb

from aislake.ais.motion import MotionRules
from aislake.duck.engine import Job, execute_concurrently
from aislake.duck.sql import PARQUET_OPTIONS, parquet_options, sql_literal
from aislake.silver.queries import query
from aislake.silver.workspace import Workspace
from aislake.sources.base import DayReader
from aislake.storage.store import ObjectStore

# Silver is written by one writer per DuckDB thread once each gets at least this many rows.
SLICE_ROWS = 1_000_000


@dataclass(frozen=True)
class Written:
    silver_keys: list[str]  # staged
    rejects_key: str  # staged


def write_day(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    ws: Workspace,
    reader: DayReader,
    source: str,
    motion: MotionRules,
    rows_read: int,
    repaired_rows: int,
    row_group_rows: int,
    slice_rows: int,
) -> Written:
    """Write silver's files (``sql/silver_rows.sql``, a slice each) and the rejects' file
    (``sql/rejects.sql``) under ``ws.staged``."""
    workers = _threads(con)
    values = {
        "source": source,
        "max_speed_kn": float(motion.max_speed_kn),
        "rows_read": rows_read,
        "ts_format": reader.ts_format,
    }
    # Each slice's rows and their neighbours, as the views its writer reads.
    parts = [
        (
            f"SELECT * FROM classified_rows WHERE file_row_number BETWEEN {a} AND {b - 1}",
            f"SELECT * FROM neighbours WHERE rid BETWEEN {a} AND {b - 1}",
        )
        for a, b in _slices(rows_read, workers, slice_rows)
    ]
    if repaired_rows:
        parts.append(
            ("SELECT * FROM repaired_rows", f"SELECT * FROM neighbours WHERE rid >= {rows_read}")
        )
    silver_keys, jobs = [], []
    for i, (rows, neighbours) in enumerate(parts):
        key = f"{ws.staged}/silver/part-{i}.parquet"
        store.prepare_write(key)
        silver_keys.append(key)
        jobs.append(
            _copy(
                "silver_rows",
                values,
                store.uri(key),
                parquet_options(row_group_rows),
                {"part_rows": rows, "part_neighbours": neighbours},
            )
        )
    rejects_key = f"{ws.staged}/rejects/part-0.parquet"
    store.prepare_write(rejects_key)
    # The rejects read the connection's temporary tables (DuckDB's reject_errors): first, on
    # the connection itself.
    rejects = _copy("rejects", values, store.uri(rejects_key), PARQUET_OPTIONS, {})
    execute_concurrently(con, [rejects, *jobs], workers)
    return Written(silver_keys, rejects_key)


def _copy(
    name: str, values: dict[str, object], uri: str, options: str, views: dict[str, str]
) -> Job:
    """A job that creates ``views`` (temporary: its connection's own) and copies the rows of
    step ``name``'s SQL to ``uri``."""
    sql, params = query(name, **values)

    def run(con: duckdb.DuckDBPyConnection) -> None:
        for view, select in views.items():
            con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {select}")
        con.execute(f"COPY (\n{sql}\n) TO {sql_literal(uri)} ({options})", params)

    return run


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT current_setting('threads')").fetchone()
    return max(int(row[0]) if row else 1, 1)


def _slices(rows: int, workers: int, slice_rows: int) -> list[tuple[int, int]]:
    """Consecutive row ranges [a, b) covering ``rows``: one per worker, at least ``slice_rows``
    each (a small day is one slice, one file)."""
    n = max(min(workers, rows // max(slice_rows, 1)), 1)
    cuts = [rows * i // n for i in range(n + 1)]
    return list(itertools.pairwise(cuts))
