"""Bronze CSV -> silver Parquet (typed, cleaned, deduplicated) plus rejects, with DuckDB.

One piece of code for every source: the source's reader (``aislake.sources.registry``: DMA's CSV,
NOAA's zstd CSV mapped to DMA's fields) gives typed rows, and the rest is the same.

The day never passes through Python: DuckDB's CSV reader parses each field into its type (a line
that does not parse is kept aside by DuckDB, not loaded), each parsed row is classified by the
cleaning rules and the day sorted once, one copy of exact duplicates is kept, position jumps are
flagged, and the partition is written:

- ``silver/ais/source=<source>/dt=YYYY-MM-DD/part-0.<version>.parquet``: valid rows sorted by
  (mmsi, ts) (a large day: ``part-0``, ``part-1``, ... consecutive slices, written at once),
  then one more file (sorted likewise) for the rows of DMA lines repaired from an unquoted
  comma;
- ``silver/ais_rejects/source=<source>/dt=YYYY-MM-DD/part-0.<version>.parquet``: every other row and
  why; both published as one version (``ObjectStore.publish``: one pointer, written last).

Only lines DuckDB refused, and the rows its shift test flagged, pass through Python, to be
repaired (``aislake.sources.dma.repair``) and read back through the same typed reader.

Nothing is dropped silently: the day's data lines, counted from the bytes (bronze's manifest, or a
byte scan), must equal rows read + lines refused, and silver + rejects must equal both, or the
step fails before publishing. When DuckDB's parallel reader loses lines (it can, on files with
many broken lines), the day is read again with one thread.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from aislake.ais.mmsi import station_kind_sql
from aislake.ais.motion import MotionRules, haversine_nm, implied_speed_sql
from aislake.ais.schema import DMA_RAW_NAMES, DMA_TIMESTAMP_FORMAT, SILVER_COLUMN_NAMES
from aislake.bronze.lines import count_data_lines, scan_lines
from aislake.bronze.manifest import DayCounts, read_manifest, refuse_worse_day
from aislake.bronze.sanitize import Sanitized, sanitize
from aislake.bronze.zstd import first_line, text_chunks
from aislake.duck.engine import execute_concurrently
from aislake.duck.sql import keys_literal, sql_literal
from aislake.sources.dma.reader import render_back, typed_csv_sql
from aislake.sources.dma.repair import Repair, repair_fields, split_line
from aislake.sources.registry import DayReader, day_reader
from aislake.storage.layout import pointer_key, rejects_prefix, silver_prefix
from aislake.storage.pointers import day_keys
from aislake.storage.store import ObjectStore

log = logging.getLogger(__name__)

# Row groups of DuckDB's default size: large enough for fast scans, small enough that min/max
# statistics on the sort key (mmsi, ts) let a reader skip most of a day for one vessel.
ROW_GROUP_ROWS = 122_880


def parquet_options(row_group_rows: int = ROW_GROUP_ROWS) -> str:
    return f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {int(row_group_rows)}"


PARQUET_OPTIONS = parquet_options()
# Silver is written by one writer per DuckDB thread once each gets at least this many rows.
SLICE_ROWS = 1_000_000


@dataclass(frozen=True)
class SilverRules:
    """Parameters of the cleaning rules (docs/silver.md explains each)."""

    max_implied_speed_kn: float = 50.0
    min_span_seconds: float = 10.0
    # A new version of a stored day is refused with valid rows down by more than this share,
    # or a share of unexpected rejects up by more than this many points (1: accept anything).
    replace_max_drop: float = 0.02
    replace_max_reject_rise: float = 0.02

    def motion(self) -> MotionRules:
        return MotionRules(
            max_speed_kn=self.max_implied_speed_kn, min_span_seconds=self.min_span_seconds
        )


class RowsLostError(RuntimeError):
    """The reader's rows and refused lines do not add up to the day's data lines."""


class UnreadableCsvError(RuntimeError):
    """DuckDB's CSV reader stopped on the file itself (not on a line it could refuse)."""


@dataclass
class SilverResult:
    day: dt.date
    rows_in: int
    rows: int
    rejects_by_reason: dict[str, int]
    silver_keys: list[str]
    rejects_keys: list[str]
    silver_bytes: int
    distinct_vessels: int
    ts_min: dt.datetime | None
    ts_max: dt.datetime | None
    seconds: float
    layout_columns: int
    repaired_by_field: dict[str, int] = field(default_factory=dict)
    reread_single_threaded: bool = False
    blank_lines: int = 0
    lines_counted_from: str = ""  # 'manifest', 'bronze bytes' or 'caller'
    # Lines the sanitizer took aside (by reason; they are rejects too): a day DuckDB could not
    # read as it was (``aislake.bronze.sanitize``).
    taken_aside: dict[str, int] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def data_lines(self) -> int:
        """The bronze file's data lines: what came in (``rows_in``), counted from its bytes."""
        return self.rows_in

    @property
    def repaired(self) -> int:
        return sum(self.repaired_by_field.values())

    @property
    def rejects(self) -> int:
        return sum(self.rejects_by_reason.values())


# A CSV reject's reason, from what DuckDB reports: the line's shape, else the field that failed.
CSV_REJECT_REASON = """CASE min(CASE
        WHEN error_type <> 'CAST' THEN 0
        WHEN column_name = 'ts' THEN 1
        WHEN column_name = 'mmsi' THEN 2
        WHEN column_name IN ('lat', 'lon') THEN 3
        ELSE 4 END)
    WHEN 0 THEN 'malformed_csv' WHEN 1 THEN 'bad_timestamp' WHEN 2 THEN 'invalid_mmsi'
    WHEN 3 THEN 'invalid_position' ELSE 'unparseable_field' END"""


# A row DuckDB parsed although an unquoted comma shifted its fields (possible where the fields
# that moved are all text): the ETA is not a DMA timestamp, or the data source type is a number
# or a date. Two LIKE tests on short strings: free on a clean day.
SHIFTED_SQL = (
    "((eta IS NOT NULL AND eta NOT LIKE '__/__/____ __:__:__') "
    "OR data_source_type[1:1] BETWEEN '0' AND '9')"
)


def _reason_sql(day: dt.date) -> str:
    """Why a parsed row is not in silver (NULL: it is), in the order of REJECT_REASONS."""
    start = sql_literal(day.isoformat())
    end = sql_literal((day + dt.timedelta(days=1)).isoformat())
    return f"""CASE
        WHEN ts IS NULL THEN 'bad_timestamp'
        WHEN ts < TIMESTAMP {start} OR ts >= TIMESTAMP {end} THEN 'ts_outside_day'
        WHEN {station_kind_sql("mmsi")} IS NULL THEN 'invalid_mmsi'
        WHEN (lat = 91 AND lon = 181) OR (lat IS NULL AND lon IS NULL) THEN 'no_position'
        WHEN lat IS NULL OR lon IS NULL OR lat = 91 THEN 'invalid_position'
        WHEN abs(lat) > 90 OR abs(lon) > 180 THEN 'position_out_of_range'
        WHEN {SHIFTED_SQL} THEN 'shifted_fields'
        WHEN sog < 0 OR sog > 102.3 OR cog < 0 OR cog > 360
          OR NOT (heading BETWEEN 0 AND 359 OR heading = 511)
          OR rot < -720 OR rot > 720 OR imo NOT BETWEEN 0 AND 999999999
          OR least(width, length, draught, size_a, size_b, size_c, size_d) < 0
          OR greatest(size_a, size_b, size_c, size_d) > 1022
          THEN 'value_out_of_range'
        ELSE NULL
    END"""


def _silver_values(motion: MotionRules, source: str, repaired: str) -> dict[str, str]:
    """Each silver column's SQL over the classified rows joined to their neighbours
    (not-available sentinels -> NULL), in silver's column order.

    The casts are safe: the rules have rejected every row whose value would not fit.
    """
    limit = float(motion.max_speed_kn)
    values = {
        "ts": "ts",
        "mmsi": "CAST(mmsi AS INTEGER)",
        "lat": "lat",
        "lon": "lon",
        "sog": "CASE WHEN sog >= 102.3 THEN NULL ELSE sog END",
        "cog": "CASE WHEN cog >= 360 THEN NULL ELSE cog END",
        "heading": "CAST(CASE WHEN heading = 511 THEN NULL ELSE heading END AS SMALLINT)",
        "rot": "CASE WHEN rot = -128 THEN NULL ELSE rot END",
        "nav_status": "nav_status",
        "mobile_type": "mobile_type",
        "imo": "CAST(imo AS INTEGER)",
        "callsign": "callsign",
        "name": "name",
        "ship_type": "ship_type",
        "cargo_type": "cargo_type",
        "width": "width",
        "length": "length",
        "draught": "draught",
        "destination": "destination",
        "eta": f"try_strptime(eta, {sql_literal(DMA_TIMESTAMP_FORMAT)})",
        "pos_fix_device": "pos_fix_device",
        "data_source_type": "data_source_type",
        "size_a": "CAST(size_a AS SMALLINT)",
        "size_b": "CAST(size_b AS SMALLINT)",
        "size_c": "CAST(size_c AS SMALLINT)",
        "size_d": "CAST(size_d AS SMALLINT)",
        "station_kind": station_kind_sql("mmsi"),
        "implied_speed_kn": "speed_in",
        "speed_anomaly": f"coalesce(speed_in > {limit} AND speed_out > {limit}, false)",
        "repaired": repaired,
        "source": sql_literal(source),
    }
    return {c: values[c] for c in SILVER_COLUMN_NAMES}


def _classify_sql(select: str, day: dt.date, tie: str = "") -> str:
    """The typed rows of ``select`` with their reason and a tie-break hash, in silver's order:
    valid rows first, by (mmsi, ts, lat, lon, tie-break)."""
    # Which copy of an exact duplicate is kept must not depend on file order or threads: the
    # one with the smallest hash of all its other fields.
    others = [c for c in DMA_RAW_NAMES.values() if c not in ("mmsi", "ts", "lat", "lon")]
    return f"""SELECT *, {_reason_sql(day)} AS reason, hash({", ".join(others)}) AS h
        FROM ({select})
        ORDER BY reason NULLS FIRST, mmsi, ts, lat, lon, h{tie}"""


def _write_classified(
    con: duckdb.DuckDBPyConnection, select: str, day: dt.date, out: Path, tie: str = ""
) -> int:
    """Classify and sort the rows of ``select`` into the local Parquet file ``out``; its rows.
    ``tie`` orders rows whose every field is equal (``, src_line`` for repaired lines)."""
    con.execute(
        f"COPY ({_classify_sql(select, day, tie)}) TO {sql_literal(str(out))} "
        "(FORMAT parquet, COMPRESSION lz4)"
    )
    row = con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(str(out))})").fetchone()
    return int(row[0]) if row else 0


def _refused_lines(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
    return int(row[0]) if row else 0


def _repairs(
    con: duckdb.DuckDBPyConnection, raw_cols: list[str], sorted_file: Path
) -> list[tuple[int | None, int | None, str | None, Repair]]:
    """Proven repairs of the lines DuckDB refused and of the parsed rows flagged as shifted:
    (line, row id in the sorted file, raw line, repair)."""
    found: list[tuple[int | None, int | None, str | None, Repair]] = []
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


REPAIR_LEADING = {"src_line": "BIGINT", "src_rid": "BIGINT", "raw_line": "VARCHAR",
                  "repaired": "VARCHAR"}  # fmt: skip


def _write_repaired_csv(
    path: Path,
    raw_cols: list[str],
    repairs: list[tuple[int | None, int | None, str | None, Repair]],
) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        out.writerow([*REPAIR_LEADING, *raw_cols])
        for line, rid, raw, fixed in repairs:
            fields = ("" if v is None else v for v in fixed.fields)
            out.writerow([line, rid, raw, fixed.repaired, *fields])


def _neighbours_sql(keys: str, order: str, motion: MotionRules) -> str:
    """Each row's neighbours in its vessel's sorted run, on narrow columns only (a window over
    the wide rows would sort them all again): p = previous, n1..n3 = next ones. An exact
    duplicate equals its predecessor; the next *different* position skips up to two copies of
    this one (triplicates are rare). In row-id order, to be joined by position. Speeds are
    computed for valid rows only: a rejected row may hold a position no function takes (an
    infinite latitude: DuckDB's ``cos`` refuses it and would fail the day)."""
    here = "{'ts': ts, 'lat': lat, 'lon': lon}"
    step_in = haversine_nm("p.lat", "p.lon", "lat", "lon")
    step_out = haversine_nm("lat", "lon", "nx.lat", "nx.lon")
    return f"""
        SELECT rid, coalesce(p = {here}, false) AS dup,
               CASE WHEN reason IS NULL
                    THEN {implied_speed_sql(step_in, "epoch(ts - p.ts)", motion)} END AS speed_in,
               CASE WHEN reason IS NULL
                    THEN {implied_speed_sql(step_out, "epoch(nx.ts - ts)", motion)} END
                 AS speed_out
        FROM (
            SELECT *, CASE WHEN n1 IS DISTINCT FROM {here} THEN n1
                           WHEN n2 IS DISTINCT FROM {here} THEN n2 ELSE n3 END AS nx
            FROM (
                SELECT rid, reason, ts, lat, lon,
                       lag({here}) OVER w AS p, lead({here}) OVER w AS n1,
                       lead({here}, 2) OVER w AS n2, lead({here}, 3) OVER w AS n3
                FROM {keys}
                WINDOW w AS (PARTITION BY reason, mmsi ORDER BY {order})
            )
        )
        ORDER BY rid"""


@dataclass(frozen=True)
class _Read:
    rows: int  # rows in the classified file
    data_lines: int  # the bronze file's data lines: rows + lines refused + lines taken aside
    single_threaded: bool  # the parallel reader lost lines; read again with one thread
    aside: dict[str, int]  # lines the sanitizer took aside, by reason (table ``lines_aside``)


def _read_reconciled(
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
) -> _Read:
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
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lines_aside (line BIGINT, reason VARCHAR, raw_line VARCHAR)"
    )

    def clean() -> Sanitized:
        log.warning("%s: reading the day through the sanitizer (lines DuckDB cannot read taken "
                    "aside)", bronze_key)  # fmt: skip
        done = sanitize(
            text_chunks(bronze_key, store.iter_bytes(bronze_key)),
            workdir / "sanitized.csv", workdir / "aside.csv",
        )  # fmt: skip
        con.execute(
            f"INSERT INTO lines_aside SELECT * FROM read_csv({sql_literal(str(done.aside))}, "
            "header = true, auto_detect = false, quote = '\"', escape = '\"', "
            "columns = {'line': 'BIGINT', 'reason': 'VARCHAR', 'raw_line': 'VARCHAR'})"
        )
        return done

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
            rows = _write_classified(con, select, day, out)
        except duckdb.InvalidInputException as exc:
            failure, rows, refused = exc, -1, 0
        else:
            failure, refused = None, _refused_lines(con)
            taken = cleaned.by_reason if cleaned else {}
            if rows + refused + aside == lines:  # every line read, refused or taken aside
                return _Read(rows, lines, not parallel, taken)
            if exact is None:  # blank lines (DuckDB skips them), or lost ones?
                exact = count_data_lines(text_chunks(bronze_key, store.iter_bytes(bronze_key)))
            if rows + refused + aside == exact:
                return _Read(rows, exact, not parallel, taken)
            log.warning(
                "%s: DuckDB read %d rows and refused %d lines (%d taken aside) of %d data lines",
                bronze_key, rows, refused, aside, exact,
            )  # fmt: skip
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


def build_silver(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    bronze_key: str,
    day: dt.date,
    rules: SilverRules | None = None,
    source: str = "dma",
    row_group_rows: int = ROW_GROUP_ROWS,
    lines: int | None = None,
    csv_buffer_size: int | None = None,
    slice_rows: int = SLICE_ROWS,
) -> SilverResult:
    """Convert one bronze CSV of ``source`` into the day's silver and rejects partitions
    (atomically).

    One pass over the CSV types, classifies and sorts every row into a local Parquet file (valid
    rows first, in silver's (mmsi, ts) order; DuckDB's sort spills beyond the memory limit). A
    window over that file's narrow key columns then finds each position's neighbours (exact
    duplicates equal their predecessor; the implied speed into and out of each position), and
    silver and the rejects are streamed out of the file joined to it by position: the wide rows
    are sorted once and never held in memory whole. DuckDB joins by position on one thread, so
    the rejects and the silver files are written at once.

    ``lines`` is the day's count of lines after the header; by default bronze's manifest gives
    it, and without one the object's bytes are counted (one fast pass). Only when the rows read
    and lines refused do not add up to it are the blank lines counted (DuckDB skips them).
    ``csv_buffer_size`` is DuckDB's CSV buffer (tests make it small to reproduce the parallel
    reader's loss on a small file). A day large enough to give each DuckDB thread ``slice_rows``
    rows is written as one silver file per thread, each a slice of consecutive rows (in silver's
    order across files).
    """
    rules = rules or SilverRules()
    motion = rules.motion()
    started = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        """Seconds since the last lap, kept as ``extra[name]`` (where a day's time goes)."""
        now = time.perf_counter()
        phases[name] = round(now - started - sum(phases.values()), 3)

    header = first_line(bronze_key, [store.read_range(bronze_key, 1 << 16)])
    reader = day_reader(source, header)
    raw_cols = reader.raw_cols
    counted_from, long_lines = "caller", False
    if lines is None:
        manifest = read_manifest(store, bronze_key)
        if manifest:
            counted_from, lines, long_lines = "manifest", manifest.lines, manifest.long_lines
        else:
            scan = scan_lines(text_chunks(bronze_key, store.iter_bytes(bronze_key)))
            counted_from, lines, long_lines = "bronze bytes", scan.lines, scan.long_line
    lap("count_lines_s")

    for place in store.clean_stale_staging():
        log.warning("removed %s, left by a writer that is gone", place)
    staged = store.staging_prefix()
    workdir = Path(tempfile.mkdtemp(prefix="aislake-silver-", dir=_spill_dir(con)))
    main_file = workdir / "classified.parquet"
    repaired_file = workdir / "repaired.parquet"
    # The sorted files' row order is silver's order: the statements below read them by position
    # (their row number) instead of sorting the wide rows again.
    kept_order = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    con.execute("SET preserve_insertion_order = true")
    try:
        # 1. One pass over the CSV: parse, classify, sort. Reconciled against the line count.
        read = _read_reconciled(
            con, store, bronze_key, reader, day, main_file, lines, csv_buffer_size, workdir,
            long_lines,
        )  # fmt: skip
        rows_read, data_lines = read.rows, read.data_lines
        lap("read_sort_s")
        # 2. Lines broken by an unquoted comma, repaired and read back by the same typed reader.
        repairs = _repairs(con, raw_cols, main_file) if reader.repairs_commas else []
        con.execute(
            "CREATE OR REPLACE TEMP TABLE repaired_ids (src_line BIGINT, src_rid BIGINT, "
            "repaired VARCHAR)"
        )
        repaired_rows = 0
        if repairs:
            repaired_csv = workdir / "repaired.csv"
            _write_repaired_csv(repaired_csv, raw_cols, repairs)
            con.execute("DROP TABLE IF EXISTS repair_errors; DROP TABLE IF EXISTS repair_scans")
            repaired_select = typed_csv_sql(
                str(repaired_csv), raw_cols, REPAIR_LEADING, ("repair_errors", "repair_scans")
            )
            repaired_rows = _write_classified(
                con, repaired_select, day, repaired_file, ", src_line, src_rid"
            )
            con.execute(
                f"INSERT INTO repaired_ids SELECT src_line, src_rid, repaired "
                f"FROM read_parquet({sql_literal(str(repaired_file))})"
            )

        lap("repair_s")
        # 3. Neighbours, on the narrow key columns of both sorted files.
        main = f"read_parquet({sql_literal(str(main_file))}, file_row_number = true)"
        keys = f"(SELECT file_row_number AS rid, reason, mmsi, ts, lat, lon, h FROM {main})"
        order = "rid"
        if repaired_rows:
            extra = f"read_parquet({sql_literal(str(repaired_file))}, file_row_number = true)"
            keys = f"""(SELECT * FROM {keys} UNION ALL
                        SELECT {rows_read} + file_row_number, reason, mmsi, ts, lat, lon, h
                        FROM {extra})"""
            order = "ts, lat, lon, h, rid"  # the files' own order, across both
        # A table of the database, not of the connection: the writers below read it from
        # connections of their own.
        con.execute(f"CREATE OR REPLACE TABLE neighbours AS {_neighbours_sql(keys, order, motion)}")

        lap("neighbours_s")
        # 4. Silver: valid rows, one copy of each, in the sorted order, streamed to Parquet: the
        # main file in slices of consecutive rows, one file each, the repaired rows after them.
        # 5. Rejects: rows that parsed are stored rendered back as DMA text; lines that did not
        # parse keep their raw text. A repaired line is in silver or here once, as repaired.
        # DuckDB joins by position on one thread, so the slices and the rejects run at once.
        workers = _threads(con)
        parts = [
            (f"(SELECT * FROM {main} WHERE file_row_number BETWEEN {a} AND {b - 1})",
             "NULL::VARCHAR", f"rid BETWEEN {a} AND {b - 1}")
            for a, b in _slices(rows_read, workers, slice_rows)
        ]  # fmt: skip
        if repaired_rows:
            parts.append((extra, "repaired", f"rid >= {rows_read}"))
        silver_keys, writes = [], []
        for i, (table, repaired, mine) in enumerate(parts):
            values = _silver_values(motion, source, repaired)
            select = ", ".join(f"{sql} AS {c}" for c, sql in values.items())
            key = f"{staged}/silver/part-{i}.parquet"
            store.prepare_write(key)
            writes.append(
                f"""COPY (SELECT {select}
                          FROM {table} POSITIONAL JOIN (SELECT * FROM neighbours WHERE {mine})
                          WHERE reason IS NULL AND NOT dup)
                    TO {sql_literal(store.uri(key))} ({parquet_options(row_group_rows)})"""
            )
            silver_keys.append(key)
        rendered = ", ".join(
            render_back(c, ts_format=reader.ts_format) for c in DMA_RAW_NAMES.values()
        )
        null_fields = ", ".join(f"NULL::VARCHAR AS {c}" for c in DMA_RAW_NAMES.values())
        rejects_key = f"{staged}/rejects/part-0.parquet"
        store.prepare_write(rejects_key)
        selects = [
            f"""SELECT coalesce(reason, 'duplicate') AS reason, NULL::BIGINT AS line,
                       NULL::VARCHAR AS raw_line, {rendered}, {sql_literal(source)} AS source
                FROM {main} POSITIONAL JOIN (SELECT * FROM neighbours WHERE rid < {rows_read})
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
                    FROM {extra} POSITIONAL JOIN (SELECT * FROM neighbours
                                                  WHERE rid >= {rows_read})
                    WHERE reason IS NOT NULL OR dup"""
            )
        rejects = (
            f"COPY ({' UNION ALL '.join(selects)}) TO {sql_literal(store.uri(rejects_key))} "
            f"({PARQUET_OPTIONS})"
        )
        # The rejects read the connection's temporary tables (DuckDB's reject_errors): first,
        # on the connection itself.
        execute_concurrently(con, [rejects, *writes], workers)
        lap("write_s")  # silver and the rejects
        # 6. Reconcile what was written with what came in, then publish.
        silver_files = "[" + ", ".join(sql_literal(store.uri(k)) for k in silver_keys) + "]"
        stats = con.execute(
            f"SELECT count(*), count(DISTINCT mmsi), min(ts), max(ts) "
            f"FROM read_parquet({silver_files})"
        ).fetchone()
        assert stats is not None
        by_reason = {
            str(k): int(v)
            for k, v in con.execute(
                f"SELECT reason, count(*) FROM read_parquet({sql_literal(store.uri(rejects_key))})"
                " GROUP BY ALL ORDER BY 1"
            ).fetchall()
        }
        if int(stats[0]) + sum(by_reason.values()) != data_lines:
            raise RowsLostError(
                f"{bronze_key}: {data_lines:,} data lines but {int(stats[0]):,} silver rows + "
                f"{sum(by_reason.values()):,} rejects; nothing was published"
            )
        repaired_by_field = dict(
            con.execute(
                "SELECT repaired, count(*) FROM repaired_ids GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        refuse_worse_day(
            f"silver {source} {day}", _stored_counts(con, store, source, day),
            DayCounts.of(int(stats[0]), by_reason), rules.replace_max_drop,
            rules.replace_max_reject_rise,
        )  # fmt: skip
        lap("reconcile_s")
        # Silver and its rejects become the day's new version at once (one pointer).
        final = {silver_prefix(source, day): f"{staged}/silver",
                 rejects_prefix(source, day): f"{staged}/rejects"}  # fmt: skip
        published = store.publish(final, pointer_key(silver_prefix(source, day)))
        silver_keys, rejects_keys = published.values()
    finally:
        con.execute(
            f"SET preserve_insertion_order = {sql_literal(bool(kept_order and kept_order[0]))}"
        )
        con.execute(
            "DROP TABLE IF EXISTS neighbours; DROP TABLE IF EXISTS repaired_ids; "
            "DROP TABLE IF EXISTS lines_aside"
        )
        store.discard_prefix(staged)
        shutil.rmtree(workdir, ignore_errors=True)

    return SilverResult(
        day=day,
        rows_in=data_lines,
        rows=int(stats[0]),
        rejects_by_reason=by_reason,
        silver_keys=silver_keys,
        rejects_keys=rejects_keys,
        silver_bytes=sum(store.size(k) for k in silver_keys),
        distinct_vessels=int(stats[1]),
        ts_min=stats[2],
        ts_max=stats[3],
        seconds=time.perf_counter() - started,
        extra=phases,
        layout_columns=len(reader.layout),
        repaired_by_field={str(k): int(v) for k, v in repaired_by_field.items()},
        reread_single_threaded=read.single_threaded,
        blank_lines=lines - data_lines,
        lines_counted_from=counted_from,
        taken_aside=read.aside,
    )


def _stored_counts(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, source: str, day: dt.date
) -> DayCounts | None:
    """The stored day's valid rows (from the Parquet footers: no data read) and unexpected
    rejects; ``None`` when the day is not stored."""
    silver, rejects = day_keys(store, source, day)
    if not silver:
        return None
    files = keys_literal(store, silver)
    row = con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
    by_reason: dict[str, int] = {}
    if rejects:
        by_reason = dict(
            con.execute(
                f"SELECT reason, count(*) FROM read_parquet({keys_literal(store, rejects)}) "
                "GROUP BY ALL"
            ).fetchall()
        )
    return DayCounts.of(int(row[0]) if row else 0, by_reason)


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT current_setting('threads')").fetchone()
    return max(int(row[0]) if row else 1, 1)


def _slices(rows: int, workers: int, slice_rows: int) -> list[tuple[int, int]]:
    """Consecutive row ranges [a, b) covering ``rows``: one per worker, at least ``slice_rows``
    each (a small day is one slice, one file)."""
    n = max(min(workers, rows // max(slice_rows, 1)), 1)
    cuts = [rows * i // n for i in range(n + 1)]
    return list(itertools.pairwise(cuts))


def _spill_dir(con: duckdb.DuckDBPyConnection) -> str | None:
    """The connection's spill folder if it was given one (aislake's connections are), else the
    system's temporary folder."""
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    folder = Path(row[0]) if row and row[0] else None
    return str(folder) if folder and folder.is_absolute() and folder.is_dir() else None
