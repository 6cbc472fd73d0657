"""Bronze DMA CSV -> silver Parquet (typed, cleaned, deduplicated) plus rejects, with DuckDB.

The day never passes through Python: DuckDB's CSV reader parses each field into its type (a line
that does not parse is kept aside by DuckDB, not loaded, and becomes a reject with its raw text),
each parsed row is classified by the cleaning rules and the day sorted once, one copy of exact
duplicates is kept, position jumps are flagged, and two Parquet files are written:

- ``silver/ais/source=dma/dt=YYYY-MM-DD/part-0.parquet``: valid rows sorted by (mmsi, ts);
- ``silver/ais_rejects/source=dma/dt=YYYY-MM-DD/part-0.parquet``: every other row and why.

Rows in = silver rows + rejected rows: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from aislake.lake.duck import sql_literal
from aislake.lake.layout import rejects_prefix, silver_prefix
from aislake.lake.schema import (
    DMA_RAW_NAMES,
    DMA_TIMESTAMP_FORMAT,
)
from aislake.lake.store import ObjectStore
from aislake.sources.dma import dma_layout

# Text DMA uses for "no value"; they become NULL.
DMA_NULL_TEXTS = ("", " ", "Unknown", "Unknown value", "Undefined")

# Row groups of DuckDB's default size: large enough for fast scans, small enough that min/max
# statistics on the sort key (mmsi, ts) let a reader skip most of a day for one vessel.
ROW_GROUP_ROWS = 122_880


def parquet_options(row_group_rows: int = ROW_GROUP_ROWS) -> str:
    return f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {int(row_group_rows)}"


PARQUET_OPTIONS = parquet_options()


@dataclass(frozen=True)
class SilverRules:
    """Parameters of the cleaning rules (docs/silver.md explains each)."""

    max_implied_speed_kn: float = 50.0


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
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rejects(self) -> int:
        return sum(self.rejects_by_reason.values())


# Types DuckDB's CSV reader parses each DMA field into; a field that does not parse makes its
# line a reject (DuckDB's store_rejects), kept with the raw text. ETA stays text: it is typed in
# by the crew, and AIS's "not available" ETA (month 0, day 0, 24:60) is not a date; an ETA that
# does not parse becomes NULL rather than costing the row its position.
READ_TYPES = {
    "ts": "TIMESTAMP",
    "mmsi": "BIGINT",
    "lat": "DOUBLE",
    "lon": "DOUBLE",
    "rot": "DOUBLE",
    "sog": "DOUBLE",
    "cog": "DOUBLE",
    "heading": "DOUBLE",
    "imo": "BIGINT",
    "width": "DOUBLE",
    "length": "DOUBLE",
    "draught": "DOUBLE",
    "size_a": "DOUBLE",
    "size_b": "DOUBLE",
    "size_c": "DOUBLE",
    "size_d": "DOUBLE",
}

# A CSV reject's reason, from what DuckDB reports: the line's shape, else the field that failed.
CSV_REJECT_REASON = """CASE min(CASE
        WHEN error_type <> 'CAST' THEN 0
        WHEN column_name = 'ts' THEN 1
        WHEN column_name = 'mmsi' THEN 2
        WHEN column_name IN ('lat', 'lon') THEN 3
        ELSE 4 END)
    WHEN 0 THEN 'malformed_csv' WHEN 1 THEN 'bad_timestamp' WHEN 2 THEN 'invalid_mmsi'
    WHEN 3 THEN 'invalid_position' ELSE 'unparseable_field' END"""


# ITU-R M.585: the forms an MMSI takes, as 9-digit numbers; MID 201-775 are country codes.
# DMA prints MMSIs as integers, so base stations 00MIDxxxx arrive as 7 digits. Tested with integer
# arithmetic (string slicing here cost more than parsing the whole CSV).
def _mid_ok(expr: str) -> str:
    return f"({expr}) BETWEEN 201 AND 775"


MMSI_VALID_SQL = f"""(
       {_mid_ok("mmsi // 1000000")}                                  -- ship: MIDxxxxxx
    OR (mmsi < 10000000 AND {_mid_ok("mmsi // 10000")})           -- coast station: 00MIDxxxx
    OR (mmsi < 100000000 AND {_mid_ok("mmsi // 100000")})         -- group of ships: 0MIDxxxxx
    OR (mmsi // 10000000 IN (98, 99) AND {_mid_ok("mmsi // 10000 % 1000")})  -- craft, AtoN
    OR (mmsi // 1000000 = 111 AND {_mid_ok("mmsi // 1000 % 1000")})  -- SAR aircraft
    OR (mmsi // 100000000 = 8 AND {_mid_ok("mmsi // 100000 % 1000")})  -- handheld VHF
    OR mmsi // 1000000 IN (970, 972, 974)                           -- SART, MOB, EPIRB
)"""


def _reason_sql(day: dt.date) -> str:
    """Why a parsed row is not in silver (NULL: it is), in the order of REJECT_REASONS."""
    start = sql_literal(day.isoformat())
    end = sql_literal((day + dt.timedelta(days=1)).isoformat())
    return f"""CASE
        WHEN ts IS NULL THEN 'bad_timestamp'
        WHEN ts < TIMESTAMP {start} OR ts >= TIMESTAMP {end} THEN 'ts_outside_day'
        WHEN mmsi IS NULL OR mmsi NOT BETWEEN 1 AND 999999999 OR NOT {MMSI_VALID_SQL}
          THEN 'invalid_mmsi'
        WHEN (lat = 91 AND lon = 181) OR (lat IS NULL AND lon IS NULL) THEN 'no_position'
        WHEN lat IS NULL OR lon IS NULL OR lat = 91 THEN 'invalid_position'
        WHEN abs(lat) > 90 OR abs(lon) > 180 THEN 'position_out_of_range'
        WHEN sog < 0 OR sog > 102.3 OR cog < 0 OR cog > 360
          OR NOT (heading BETWEEN 0 AND 359 OR heading = 511)
          OR rot < -720 OR rot > 720 OR imo NOT BETWEEN 0 AND 999999999
          OR least(width, length, draught, size_a, size_b, size_c, size_d) < 0
          OR greatest(size_a, size_b, size_c, size_d) > 1022
          THEN 'value_out_of_range'
        ELSE NULL
    END"""


def _silver_values() -> dict[str, str]:
    """Each silver column's SQL over the parsed rows (not-available sentinels -> NULL).

    The casts are safe: the rules have rejected every row whose value would not fit.
    """
    return {
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
    }


# Great-circle distance in nautical miles (mean Earth radius 3440.065 nm).
def haversine_nm(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    return (
        f"(2 * 3440.065 * asin(sqrt(pow(sin(radians({lat2} - {lat1}) / 2), 2) + "
        f"cos(radians({lat1})) * cos(radians({lat2})) * "
        f"pow(sin(radians({lon2} - {lon1}) / 2), 2))))"
    )


def build_silver(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    bronze_key: str,
    day: dt.date,
    rules: SilverRules | None = None,
    source: str = "dma",
    row_group_rows: int = ROW_GROUP_ROWS,
) -> SilverResult:
    """Convert one bronze DMA CSV into the day's silver and rejects partitions (atomically).

    One pass over the CSV types, classifies and sorts every row into a local Parquet file (valid
    rows first, in silver's (mmsi, ts) order; DuckDB's sort spills beyond the memory limit). A
    window over that file's narrow key columns then finds each position's neighbours (exact
    duplicates equal their predecessor; the implied speed into and out of each position), and
    silver and the rejects are streamed out of the file joined to it by position: the wide rows
    are sorted once and never held in memory whole.
    """
    rules = rules or SilverRules()
    started = time.perf_counter()
    header = store.read_range(bronze_key, 8192).split(b"\n", 1)[0].decode("utf-8", "replace")
    layout = dma_layout(header)
    raw_cols = [DMA_RAW_NAMES[c] for c in layout]
    columns = (
        "{"
        + ", ".join(
            f"{sql_literal(c)}: {sql_literal(READ_TYPES.get(c, 'VARCHAR'))}" for c in raw_cols
        )
        + "}"
    )
    missing = ", ".join(
        f"NULL::{READ_TYPES.get(c, 'VARCHAR')} AS {c}"
        for c in DMA_RAW_NAMES.values()
        if c not in raw_cols
    )  # the 22-column layout has no A, B, C, D
    nulls = "[" + ", ".join(sql_literal(t) for t in DMA_NULL_TEXTS) + "]"
    src = sql_literal(store.uri(bronze_key))
    values = _silver_values()

    # Which copy of an exact duplicate is kept must not depend on file order or threads: the
    # one with the smallest hash of all its other fields.
    others = [c for c in DMA_RAW_NAMES.values() if c not in ("mmsi", "ts", "lat", "lon")]
    tiebreak = f"hash({', '.join(others)})"
    here = "{'ts': ts, 'lat': lat, 'lon': lon}"
    limit = float(rules.max_implied_speed_kn)
    silver_select = ", ".join(f"{values[c]} AS {c}" for c in values)
    rendered = ", ".join(_render_back(c) for c in DMA_RAW_NAMES.values())
    null_fields = ", ".join(f"NULL::VARCHAR AS {c}" for c in DMA_RAW_NAMES.values())

    staged = store.staging_prefix()
    silver_key = f"{staged}/silver/part-0.parquet"
    rejects_key = f"{staged}/rejects/part-0.parquet"
    store.prepare_write(silver_key)
    store.prepare_write(rejects_key)
    # The classified day, sorted, is kept in a local Parquet file (compressed, so a 15 M-row
    # day is a few hundred MB on disk instead of GBs of DuckDB spill), beside DuckDB's spills.
    workdir = Path(tempfile.mkdtemp(prefix="aislake-silver-", dir=_spill_dir(con)))
    sorted_file = workdir / "classified.parquet"
    # The sorted file's row order is silver's order: the statements below read it by position
    # (its row number) instead of sorting the wide rows again.
    kept_order = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        # 1. One pass over the CSV: DuckDB parses the fields (DMA's "no value" spellings are
        # NULL; lines that do not parse go to reject_errors), every parsed row gets its reason,
        # and the day is sorted once: valid rows first, by (mmsi, ts, lat, lon, tie-break).
        con.execute(
            f"""
            COPY (
                SELECT *, {_reason_sql(day)} AS reason, {tiebreak} AS h
                FROM (
                    SELECT *{", " + missing if missing else ""}
                    FROM read_csv({src}, columns = {columns}, header = true, auto_detect = false,
                        delim = ',', quote = '"', escape = '"', nullstr = {nulls},
                        timestampformat = {sql_literal(DMA_TIMESTAMP_FORMAT)},
                        store_rejects = true, ignore_errors = true)
                )
                ORDER BY reason NULLS FIRST, mmsi, ts, lat, lon, h
            ) TO {sql_literal(str(sorted_file))} (FORMAT parquet, COMPRESSION lz4)
            """
        )
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW classified AS "
            f"SELECT * FROM read_parquet({sql_literal(str(sorted_file))}, file_row_number = true)"
        )
        # 2. Each row's neighbours in its vessel's sorted run, on narrow columns only (a window
        # over the wide rows would sort them all again): p = previous, n1..n3 = next ones. An
        # exact duplicate equals its predecessor; the next *different* position skips up to two
        # copies of this one (triplicates are rare). In row order, to be joined by position.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE neighbours AS
            SELECT rid, coalesce(p = {here}, false) AS dup,
                   {haversine_nm("p.lat", "p.lon", "lat", "lon")} * 3600
                       / greatest(epoch(ts - p.ts), 1) AS speed_in,
                   {haversine_nm("lat", "lon", "nx.lat", "nx.lon")} * 3600
                       / greatest(epoch(nx.ts - ts), 1) AS speed_out
            FROM (
                SELECT *, CASE WHEN n1 IS DISTINCT FROM {here} THEN n1
                               WHEN n2 IS DISTINCT FROM {here} THEN n2 ELSE n3 END AS nx
                FROM (
                    SELECT file_row_number AS rid, ts, lat, lon,
                           lag({here}) OVER w AS p, lead({here}) OVER w AS n1,
                           lead({here}, 2) OVER w AS n2, lead({here}, 3) OVER w AS n3
                    FROM classified
                    WINDOW w AS (PARTITION BY reason, mmsi ORDER BY file_row_number)
                )
            )
            ORDER BY rid
            """
        )
        by_position = "classified POSITIONAL JOIN neighbours"
        # 3. Silver: the valid rows, one copy of each, in the sorted order, streamed to Parquet.
        con.execute(
            f"""
            COPY (
                SELECT {silver_select},
                       speed_in AS implied_speed_kn,
                       coalesce(speed_in > {limit} AND speed_out > {limit}, false) AS speed_anomaly,
                       {sql_literal(source)} AS source
                FROM {by_position}
                WHERE reason IS NULL AND NOT dup
            ) TO {sql_literal(store.uri(silver_key))} ({parquet_options(row_group_rows)})
            """
        )
        # 4. Rejects: rows rejected by a rule and the extra copies of duplicates were parsed, so
        # their fields are stored rendered back as DMA text; lines that did not parse keep their
        # raw text.
        con.execute(
            f"""
            COPY (
                SELECT coalesce(reason, 'duplicate') AS reason, NULL::BIGINT AS line,
                       NULL::VARCHAR AS raw_line, {rendered}, {sql_literal(source)} AS source
                FROM {by_position}
                WHERE reason IS NOT NULL OR dup
                UNION ALL
                SELECT reason, line, raw_line, {null_fields}, {sql_literal(source)}
                FROM (SELECT line, any_value(csv_line) AS raw_line, {CSV_REJECT_REASON} AS reason
                      FROM reject_errors GROUP BY line)
            ) TO {sql_literal(store.uri(rejects_key))} ({PARQUET_OPTIONS})
            """
        )
        silver_keys = store.replace_prefix(f"{staged}/silver", silver_prefix(source, day))
        rejects_keys = store.replace_prefix(f"{staged}/rejects", rejects_prefix(source, day))
        stats = con.execute(
            """SELECT count(*) FILTER (WHERE reason IS NULL),
                      count(DISTINCT mmsi) FILTER (WHERE reason IS NULL),
                      min(ts) FILTER (WHERE reason IS NULL), max(ts) FILTER (WHERE reason IS NULL),
                      count(*)
               FROM classified"""
        ).fetchone()
        assert stats is not None
    finally:
        con.execute(
            f"SET preserve_insertion_order = {sql_literal(bool(kept_order and kept_order[0]))}"
        )
        con.execute("DROP VIEW IF EXISTS classified; DROP TABLE IF EXISTS neighbours")
        store.discard_prefix(staged)
        shutil.rmtree(workdir, ignore_errors=True)

    by_reason = dict(
        con.execute(
            f"""SELECT reason, count(*) FROM read_parquet({sql_literal(store.uri(rejects_keys[0]))})
                GROUP BY ALL"""
        ).fetchall()
    )
    by_reason = {str(k): int(v) for k, v in sorted(by_reason.items())}
    csv_rejects = con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()
    return SilverResult(
        day=day,
        rows_in=int(stats[4]) + int(csv_rejects[0] if csv_rejects else 0),
        rows=int(stats[0]) - by_reason.get("duplicate", 0),
        rejects_by_reason=by_reason,
        silver_keys=silver_keys,
        rejects_keys=rejects_keys,
        silver_bytes=sum(store.size(k) for k in silver_keys),
        distinct_vessels=int(stats[1]),
        ts_min=stats[2],
        ts_max=stats[3],
        seconds=time.perf_counter() - started,
        layout_columns=len(layout),
    )


def _spill_dir(con: duckdb.DuckDBPyConnection) -> str | None:
    """The connection's spill folder if it was given one (aislake's connections are), else the
    system's temporary folder."""
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    folder = Path(row[0]) if row and row[0] else None
    return str(folder) if folder and folder.is_absolute() and folder.is_dir() else None


def _render_back(raw: str) -> str:
    """A parsed field rendered back as DMA text (for rejected rows that did parse)."""
    if raw == "ts":
        return f"strftime(ts, {sql_literal(DMA_TIMESTAMP_FORMAT)}) AS ts"
    return f"CAST({raw} AS VARCHAR) AS {raw}"  # numbers in canonical form: 55.5, not 55.500000
