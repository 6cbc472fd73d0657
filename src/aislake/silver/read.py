"""Silver's first steps: count the day's lines, then read, classify and sort it in one pass,
proving every line was read, refused or taken aside (reconciled with the count).

The day never passes through Python: DuckDB's CSV reader parses each field into its type (a
line that does not parse is kept aside by DuckDB, not loaded), each row gets its reason by the
cleaning rules (``aislake.silver.rules``) and the day is sorted once into a local Parquet file
in silver's order. When the counts disagree, or DuckDB cannot read the file, the day is read
again through the sanitizer, then with one thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aislake.bronze.lines import count_data_lines, scan_lines
from aislake.bronze.manifest import read_manifest
from aislake.bronze.sanitize import Sanitized, sanitize
from aislake.bronze.zstd import text_chunks
from aislake.duck.sql import sql_literal
from aislake.silver.queries import query
from aislake.sources.base import DayReader, DecodedDay, Decoder
from aislake.storage.store import ObjectStore

log = logging.getLogger(__name__)


class RowsLostError(RuntimeError):
    """The reader's rows and refused lines do not add up to the day's data lines."""


class UnreadableCsvError(RuntimeError):
    """DuckDB's CSV reader stopped on the file itself (not on a line it could refuse)."""


@dataclass(frozen=True)
class LineCount:
    lines: int  # lines after the header, blank ones included
    counted_from: str  # 'manifest', 'bronze bytes' or 'caller'
    long_lines: bool  # the file may hold a line of 64 KiB or more


def count_lines(store: ObjectStore, bronze_key: str, lines: int | None) -> LineCount:
    """The day's lines after the header: ``lines`` if the caller knows them, else bronze's
    manifest, else one fast pass over the object's bytes."""
    if lines is not None:
        return LineCount(lines, "caller", False)
    manifest = read_manifest(store, bronze_key)
    if manifest:
        return LineCount(manifest.lines, "manifest", manifest.long_lines)
    scan = scan_lines(text_chunks(bronze_key, store.iter_bytes(bronze_key)))
    return LineCount(scan.lines, "bronze bytes", scan.long_line)


def write_classified(
    con: duckdb.DuckDBPyConnection,
    select: str,
    day: dt.date,
    out: Path,
    tie: str = "NULL::BIGINT",
) -> int:
    """Classify and sort the rows of ``select`` (every DMA raw field and the source's own
    columns) into the local Parquet file ``out`` (``sql/classify.sql``, over the view
    ``day_rows``); its rows. ``tie`` orders rows equal in every field (repaired lines: the
    lines they came from)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW day_rows AS SELECT *, {tie} AS tie FROM ({select})")
    start = dt.datetime.combine(day, dt.time())
    sql, params = query("classify", day_start=start, day_end=start + dt.timedelta(days=1))
    con.execute(
        f"COPY (\n{sql}\n) TO {sql_literal(str(out))} (FORMAT parquet, COMPRESSION lz4)", params
    )
    row = con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(str(out))})").fetchone()
    return int(row[0]) if row else 0


def refused_lines(con: duckdb.DuckDBPyConnection) -> int:
    """Lines DuckDB's reader refused (its ``reject_errors`` table)."""
    row = con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Read:
    rows: int  # rows in the classified file
    data_lines: int  # the bronze file's data lines: rows + lines refused + lines taken aside
    single_threaded: bool  # the parallel reader lost lines; read again with one thread
    aside: dict[str, int]  # lines the sanitizer took aside, by reason (table ``lines_aside``)


LINES_ASIDE_TABLE = (
    "CREATE OR REPLACE TEMP TABLE lines_aside (line BIGINT, reason VARCHAR, raw_line VARCHAR)"
)


def show_raw_lines(con: duckdb.DuckDBPyConnection, select: str | None) -> None:
    """The view ``raw_lines`` (line, raw_line) the rejects step reads the raw text of a
    refused row from, when the sorted rows do not carry it: a decoder's (``select``), else
    none (a CSV's refused rows are rendered back from their fields)."""
    empty = "SELECT NULL::BIGINT AS line, NULL::VARCHAR AS raw_line WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw_lines AS {select or empty}")


def read_decoded(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    bronze_key: str,
    decoder: Decoder,
    day: dt.date,
    out: Path,
    workdir: Path,
    archive: object,
) -> tuple[Read, DecodedDay]:
    """Silver's read step for a source that decodes its own files (raw NMEA): the decoder
    fills its tables and ``lines_aside``; its rows are classified and sorted into ``out`` as
    a CSV day's are. Reconciled: rows + rows aside must equal the records it decoded (each a
    line or a message of several), or :class:`RowsLostError`."""
    con.execute(LINES_ASIDE_TABLE)
    # Nothing is refused by a CSV reader here; the rejects step reads this table all the same.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reject_errors (line BIGINT, csv_line VARCHAR, "
        "error_type VARCHAR, column_name VARCHAR)"
    )
    decoded = decoder.decode(con, store, bronze_key, day, workdir, archive)
    show_raw_lines(con, decoded.raw_lines)
    rows = write_classified(con, decoded.select, day, out)
    aside = sum(decoded.aside.values())
    if rows + aside != decoded.records:
        raise RowsLostError(
            f"{bronze_key}: {decoded.records:,} records decoded, but {rows:,} rows and "
            f"{aside:,} set aside ({decoded.records - rows - aside:,} unaccounted); nothing "
            "was published."
        )
    return Read(rows, decoded.records, False, decoded.aside), decoded


def read_reconciled(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    bronze_key: str,
    reader: DayReader,
    day: dt.date,
    out: Path,
    lines: int,
    buffer_size: int | None,
    workdir: Path,
    long_lines: bool,
) -> Read:
    """Read, classify and sort the day into ``out``, and prove no line was lost: rows + lines
    refused (+ lines taken aside) must equal ``lines`` (lines after the header), or else the
    blank-aware count.

    When they do not, or DuckDB cannot read the file, the day is read again through the
    sanitizer (``aislake.bronze.sanitize``: lines that make DuckDB read more than one line, or
    too long, taken aside as rejects), and then with one thread (DuckDB's parallel reader can
    lose lines near its buffer boundaries); still off, :class:`RowsLostError`. A day whose
    bronze may hold a line too long (``long_lines``) goes through the sanitizer at once.
    """
    src = store.uri(bronze_key)
    exact: int | None = None  # the data lines, counted only when ``lines`` is not met
    cleaned: Sanitized | None = None
    con.execute(LINES_ASIDE_TABLE)

    def clean() -> Sanitized:
        log.warning(
            "%s: reading the day through the sanitizer (lines DuckDB cannot read taken aside)",
            bronze_key,
        )
        done = sanitize(
            text_chunks(bronze_key, store.iter_bytes(bronze_key)),
            workdir / "sanitized.csv",
            workdir / "aside.csv",
        )
        con.execute(
            f"INSERT INTO lines_aside SELECT * FROM read_csv({sql_literal(str(done.aside))}, "
            "header = true, auto_detect = false, quote = '\"', escape = '\"', "
            "columns = {'line': 'BIGINT', 'reason': 'VARCHAR', 'raw_line': 'VARCHAR'})"
        )
        return done

    show_raw_lines(con, None)
    if long_lines:
        cleaned = clean()
    parallel = True
    failure: duckdb.Error | None = None
    while True:
        uri = str(cleaned.path) if cleaned and cleaned.rewritten else src
        aside = cleaned.count if cleaned else 0
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        select = reader.select(uri, parallel=parallel, buffer_size=buffer_size)
        try:
            rows = write_classified(con, select, day, out)
        except duckdb.InvalidInputException as exc:
            failure, rows, refused = exc, -1, 0
        else:
            failure, refused = None, refused_lines(con)
            taken = cleaned.by_reason if cleaned else {}
            if rows + refused + aside == lines:  # every line read, refused or taken aside
                return Read(rows, lines, not parallel, taken)
            if exact is None:  # blank lines (DuckDB skips them), or lost ones?
                exact = count_data_lines(text_chunks(bronze_key, store.iter_bytes(bronze_key)))
            if rows + refused + aside == exact:
                return Read(rows, exact, not parallel, taken)
            log.warning(
                "%s: DuckDB read %d rows and refused %d lines (%d taken aside) of %d data lines",
                bronze_key,
                rows,
                refused,
                aside,
                exact,
            )
        if cleaned is None:
            cleaned = clean()
            if cleaned.rewritten:
                continue  # the sanitized copy, in parallel
        if not parallel:
            break
        parallel = False
    if failure is not None:
        raise UnreadableCsvError(
            f"{bronze_key}: DuckDB cannot read the file: {str(failure).splitlines()[0]} "
            "even after taking aside the lines it cannot read; nothing was published."
        ) from failure
    assert exact is not None
    raise RowsLostError(
        f"{bronze_key}: {exact:,} data lines, but DuckDB read {rows:,} rows and refused "
        f"{refused:,} lines ({exact - rows - refused - aside:,} unaccounted), even with one "
        "thread; nothing was published. Inspect the file's line endings and quoting."
    )
