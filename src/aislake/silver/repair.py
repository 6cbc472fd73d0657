"""Silver's repair step: lines an unquoted comma broke (DuckDB refused them, or parsed them with
shifted fields) are repaired where the repair is proven (``aislake.sources.dma.repair``) and
read back through the same typed reader, classified and sorted into a file of their own.

Only these lines pass through Python. A source that does not repair (``repairs_commas``) skips
the step; its broken lines stay rejects.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb

from aislake.duck.sql import sql_literal
from aislake.silver.read import write_classified
from aislake.silver.workspace import Workspace
from aislake.sources.base import DayReader
from aislake.sources.dma.reader import render_back, typed_csv_sql
from aislake.sources.dma.repair import Repair, repair_fields, split_line

# A repaired line's provenance, before its fields: the refused line's number or the shifted
# row's id in the main file, the raw line, and the field the repair moved.
REPAIR_LEADING = {
    "src_line": "BIGINT",
    "src_rid": "BIGINT",
    "raw_line": "VARCHAR",
    "repaired": "VARCHAR",
}

Found = tuple[int | None, int | None, str | None, Repair]


def repair_lines(
    con: duckdb.DuckDBPyConnection, reader: DayReader, day: dt.date, ws: Workspace
) -> int:
    """Repair what can be repaired into ``ws.repaired_file``; its rows (0: nothing repaired).
    The temporary table ``repaired_ids`` names the lines and rows each repair replaces."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repaired_ids (src_line BIGINT, src_rid BIGINT, "
        "repaired VARCHAR)"
    )
    if not reader.repairs_commas:
        return 0
    raw_cols = reader.raw_cols
    repairs = _repairs(con, raw_cols, ws.main_file)
    if not repairs:
        return 0
    repaired_csv = ws.workdir / "repaired.csv"
    _write_repaired_csv(repaired_csv, raw_cols, repairs)
    con.execute("DROP TABLE IF EXISTS repair_errors; DROP TABLE IF EXISTS repair_scans")
    typed = typed_csv_sql(
        str(repaired_csv), raw_cols, REPAIR_LEADING, ("repair_errors", "repair_scans")
    )
    # A repaired row's line is the refused line's; rows equal in every field keep the order of
    # the lines they came from.
    select = f"SELECT *, src_line AS line FROM ({typed})"
    tie = "{'line': src_line, 'rid': src_rid}"
    rows = write_classified(con, select, day, ws.repaired_file, tie)
    con.execute(
        f"INSERT INTO repaired_ids SELECT src_line, src_rid, repaired "
        f"FROM read_parquet({sql_literal(str(ws.repaired_file))})"
    )
    return rows


def _repairs(con: duckdb.DuckDBPyConnection, raw_cols: list[str], sorted_file: Path) -> list[Found]:
    """Proven repairs of the lines DuckDB refused and of the parsed rows flagged as shifted:
    (line, row id in the sorted file, raw line, repair)."""
    found: list[Found] = []
    cursor = con.execute(
        "SELECT line, any_value(csv_line) FROM reject_errors GROUP BY line ORDER BY line"
    )
    while batch := cursor.fetchmany(10_000):
        for line, raw in batch:
            fields = split_line(raw or "")
            if len(fields) >= len(raw_cols) and (fixed := repair_fields(fields, raw_cols)):
                found.append((int(line), None, raw, fixed))
    rendered = ", ".join(render_back(c, alias=False) for c in raw_cols)
    cursor = con.execute(
        f"""SELECT file_row_number, {rendered}
            FROM read_parquet({sql_literal(str(sorted_file))}, file_row_number = true)
            WHERE reason = 'shifted_fields' ORDER BY file_row_number"""
    )
    while batch := cursor.fetchmany(10_000):
        for rid, *values in batch:
            fields = ["" if v is None else str(v) for v in values]
            if fixed := repair_fields(fields, raw_cols):
                found.append((None, int(rid), None, fixed))
    return found


def _write_repaired_csv(path: Path, raw_cols: list[str], repairs: list[Found]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        out.writerow([*REPAIR_LEADING, *raw_cols])
        for line, rid, raw, fixed in repairs:
            fields = ("" if v is None else v for v in fixed.fields)
            out.writerow([line, rid, raw, fixed.repaired, *fields])
