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
from aislake.ais.schema import DMA_RAW_NAMES
from aislake.duck.engine import execute_concurrently
from aislake.duck.sql import PARQUET_OPTIONS, parquet_options, sql_literal
from aislake.silver.rules import CSV_REJECT_REASON, silver_values
from aislake.silver.workspace import Workspace
from aislake.sources.base import DayReader
from aislake.sources.dma.reader import render_back
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
    """Write silver's files and the rejects' file under ``ws.staged``."""
    workers = _threads(con)
    parts = [
        (
            f"(SELECT * FROM {ws.main} WHERE file_row_number BETWEEN {a} AND {b - 1})",
            "NULL::VARCHAR",
            f"rid BETWEEN {a} AND {b - 1}",
        )
        for a, b in _slices(rows_read, workers, slice_rows)
    ]
    if repaired_rows:
        parts.append((ws.repaired, "repaired", f"rid >= {rows_read}"))
    silver_keys, writes = [], []
    for i, (table, repaired, mine) in enumerate(parts):
        values = silver_values(motion, source, repaired, reader.row_column)
        select = ", ".join(f"{sql} AS {c}" for c, sql in values.items())
        key = f"{ws.staged}/silver/part-{i}.parquet"
        store.prepare_write(key)
        writes.append(
            f"""COPY (SELECT {select}
                      FROM {table} POSITIONAL JOIN (SELECT * FROM neighbours WHERE {mine})
                      WHERE reason IS NULL AND NOT dup)
                TO {sql_literal(store.uri(key))} ({parquet_options(row_group_rows)})"""
        )
        silver_keys.append(key)
    rejects_key = f"{ws.staged}/rejects/part-0.parquet"
    store.prepare_write(rejects_key)
    rejects = (
        f"COPY ({_rejects_sql(ws, reader, source, rows_read, repaired_rows)}) "
        f"TO {sql_literal(store.uri(rejects_key))} ({PARQUET_OPTIONS})"
    )
    # The rejects read the connection's temporary tables (DuckDB's reject_errors): first, on
    # the connection itself.
    execute_concurrently(con, [rejects, *writes], workers)
    return Written(silver_keys, rejects_key)


def _rejects_sql(
    ws: Workspace, reader: DayReader, source: str, rows_read: int, repaired_rows: int
) -> str:
    rendered = ", ".join(render_back(c, ts_format=reader.ts_format) for c in DMA_RAW_NAMES.values())
    null_fields = ", ".join(f"NULL::VARCHAR AS {c}" for c in DMA_RAW_NAMES.values())
    selects = [
        f"""SELECT coalesce(reason, 'duplicate') AS reason, {reader.row_column("line")} AS line,
                   {reader.row_column("raw_line")} AS raw_line, {rendered},
                   {sql_literal(source)} AS source
            FROM {ws.main} POSITIONAL JOIN (SELECT * FROM neighbours WHERE rid < {rows_read})
            WHERE (reason IS NOT NULL OR dup)
              AND (reason IS DISTINCT FROM 'shifted_fields' OR file_row_number NOT IN
                   (SELECT src_rid FROM repaired_ids WHERE src_rid IS NOT NULL))""",
        f"""SELECT reason, line, raw_line, {null_fields}, {sql_literal(source)}
            FROM (SELECT line, any_value(csv_line) AS raw_line, {CSV_REJECT_REASON} AS reason
                  FROM reject_errors
                  WHERE line NOT IN (SELECT src_line FROM repaired_ids
                                     WHERE src_line IS NOT NULL)
                  GROUP BY line)""",
        f"""SELECT reason, line, raw_line, {null_fields}, {sql_literal(source)}
            FROM lines_aside""",
    ]
    if repaired_rows:
        selects.append(
            f"""SELECT coalesce(reason, 'duplicate'), src_line, raw_line, {rendered},
                       {sql_literal(source)}
                FROM {ws.repaired} POSITIONAL JOIN (SELECT * FROM neighbours
                                                    WHERE rid >= {rows_read})
                WHERE reason IS NOT NULL OR dup"""
        )
    return " UNION ALL ".join(selects)


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT current_setting('threads')").fetchone()
    return max(int(row[0]) if row else 1, 1)


def _slices(rows: int, workers: int, slice_rows: int) -> list[tuple[int, int]]:
    """Consecutive row ranges [a, b) covering ``rows``: one per worker, at least ``slice_rows``
    each (a small day is one slice, one file)."""
    n = max(min(workers, rows // max(slice_rows, 1)), 1)
    cuts = [rows * i // n for i in range(n + 1)]
    return list(itertools.pairwise(cuts))
