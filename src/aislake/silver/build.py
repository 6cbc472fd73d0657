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
  why; both published as one version (``aislake.storage.tables.publish``: the rejects'
  commit, then silver's, which names it).

The steps, each a module of this package: ``read`` (count the lines; parse, classify and sort
the day in one pass, reconciled with the count), ``repair`` (lines an unquoted comma broke),
``neighbours`` (duplicates and implied speeds on the narrow keys), ``write`` (silver and the
rejects into staging), ``publish`` (counted against what came in, judged against the stored
day, committed to the tables); their SQL is the static files of ``sql/`` (``queries``),
``rules`` holds the cleaning rules' parameters and ``workspace`` what a build owns while it
runs. Only lines DuckDB refused, and the rows its shift test
flagged, pass through Python, to be repaired (``aislake.sources.dma.repair``).

Nothing is dropped silently: the day's data lines, counted from the bytes (bronze's manifest, or a
byte scan), must equal rows read + lines refused, and silver + rejects must equal both, or the
step fails before publishing. When DuckDB's parallel reader loses lines (it can, on files with
many broken lines), the day is read again with one thread.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import duckdb

from aislake.bronze.zstd import first_line
from aislake.duck.sql import ROW_GROUP_ROWS
from aislake.silver.neighbours import find_neighbours
from aislake.silver.publish import count_written, publish_day
from aislake.silver.read import count_lines, read_decoded, read_reconciled
from aislake.silver.repair import repair_lines
from aislake.silver.rules import SilverRules
from aislake.silver.workspace import workspace
from aislake.silver.write import SLICE_ROWS, write_day
from aislake.sources.registry import day_reader
from aislake.storage.store import ObjectStore


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
    # What a decoding source's decoder reports (raw NMEA: lines, fragments joined, copies
    # heard again, messages pyais decoded); empty for a CSV.
    decoded: dict[str, int] = field(default_factory=dict)

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


class _Laps:
    """Seconds each step took (``SilverResult.extra``: where a day's time goes)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.phases: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self.started - sum(self.phases.values()), 3)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


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
    archive: object = None,
) -> SilverResult:
    """Convert one bronze CSV of ``source`` into the day's silver and rejects partitions
    (atomically): read -> repair -> neighbours -> write -> publish.

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
    lap = _Laps()
    reader = day_reader(source, first_line(bronze_key, [store.read_range(bronze_key, 1 << 16)]))
    decoder = reader.decoder
    decoded = None
    count = None if decoder else count_lines(store, bronze_key, lines)
    lap("count_lines_s")
    with workspace(con, store) as ws:
        if decoder is not None:  # raw NMEA: the source decodes it (``archive``: its settings)
            read, decoded = read_decoded(
                con, store, bronze_key, decoder, day, ws.main_file, ws.workdir, archive
            )
        else:
            assert count is not None
            read = read_reconciled(
                con,
                store,
                bronze_key,
                reader,
                day,
                ws.main_file,
                count.lines,
                csv_buffer_size,
                ws.workdir,
                count.long_lines,
            )
        lap("read_sort_s")
        repaired_rows = repair_lines(con, reader, day, ws)
        ws.show_sorted_files(con)
        lap("repair_s")
        find_neighbours(con, read.rows, motion)
        lap("neighbours_s")
        written = write_day(
            con,
            store,
            ws,
            reader,
            source,
            motion,
            read.rows,
            repaired_rows,
            row_group_rows,
            slice_rows,
        )
        lap("write_s")  # silver and the rejects
        counted = count_written(con, store, written, bronze_key, read.data_lines)
        lap("reconcile_s")
        silver_keys, rejects_keys = publish_day(con, store, ws, source, day, counted, rules)
    return SilverResult(
        day=day,
        rows_in=read.data_lines,
        rows=counted.rows,
        rejects_by_reason=counted.rejects_by_reason,
        silver_keys=silver_keys,
        rejects_keys=rejects_keys,
        silver_bytes=sum(store.size(k) for k in silver_keys),
        distinct_vessels=counted.vessels,
        ts_min=counted.ts_min,
        ts_max=counted.ts_max,
        seconds=lap.seconds,
        extra=lap.phases,
        layout_columns=len(reader.layout),
        repaired_by_field=counted.repaired_by_field,
        reread_single_threaded=read.single_threaded,
        blank_lines=decoded.blank_lines
        if decoded
        else count.lines - read.data_lines
        if count
        else 0,
        lines_counted_from="decoder" if decoded else count.counted_from if count else "",
        taken_aside=read.aside,
        decoded=({"lines": decoded.lines, **decoded.figures} if decoded else {}),
    )
