"""Bronze DMA CSV -> silver Parquet (typed, cleaned, deduplicated) plus rejects, with DuckDB.

The day never passes through Python: DuckDB reads the CSV (every field as text, so that a bad
value becomes a rejected row with a reason instead of a failed load), types and classifies each
row, keeps one copy of exact duplicates, flags position jumps, and writes two Parquet files:

- ``silver/ais/source=dma/dt=YYYY-MM-DD/part-0.parquet``: valid rows sorted by (mmsi, ts);
- ``silver/ais_rejects/source=dma/dt=YYYY-MM-DD/part-0.parquet``: every other row and why.

Rows in = silver rows + rejected rows: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import duckdb

from aislake.lake.duck import sql_literal
from aislake.lake.layout import rejects_prefix, silver_prefix
from aislake.lake.schema import (
    DMA_RAW_NAMES,
    DMA_TIMESTAMP_FORMAT,
    SILVER_COLUMNS,
)
from aislake.lake.store import ObjectStore
from aislake.sources.dma import dma_layout

# Text DMA uses for "no value"; they become NULL.
DMA_NULL_TEXTS = ("", "Unknown", "Unknown value", "Undefined")

PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"


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


def _null_spelling(col: str) -> str:
    """True where non-NULL raw text is one of DMA's spellings of "no value" (or spaces).

    ``strlen`` (bytes, O(1)) first: DuckDB then runs ``trim`` only on the few short strings.
    """
    nulls = ", ".join(sql_literal(t) for t in DMA_NULL_TEXTS)
    longest = max(len(t) for t in DMA_NULL_TEXTS)
    return f"(strlen({col}) <= {longest} AND trim({col}) IN ({nulls}))"


NUMERIC_FIELDS = {
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
TEXT_FIELDS = (
    "nav_status",
    "mobile_type",
    "callsign",
    "name",
    "ship_type",
    "cargo_type",
    "pos_fix_device",
    "destination",
    "data_source_type",
)


def _typed_select(layout: tuple[str, ...]) -> str:
    """Typed values (``*_v``) of every raw field, and the raw fields themselves."""
    present = {DMA_RAW_NAMES[c] for c in layout}
    fmt = sql_literal(DMA_TIMESTAMP_FORMAT)
    parts = ["*"]
    for name in DMA_RAW_NAMES.values():
        if name not in present:  # the 22-column layout has no A, B, C, D
            parts.append(f"NULL::VARCHAR AS {name}")
    for name, sql_type in NUMERIC_FIELDS.items():
        parts.append(f"TRY_CAST({name} AS {sql_type}) AS {name}_v")
    for name in ("ts", "eta"):
        parts.append(f"try_strptime({name}, {fmt}) AS {name}_v")
    for name in TEXT_FIELDS:
        parts.append(
            f"CASE WHEN {name} IS NULL OR strlen({name}) > 13 THEN {name} "
            f"WHEN {_null_spelling(name)} THEN NULL ELSE {name} END AS {name}_v"
        )
    return ",\n        ".join(parts)


def _bad(name: str) -> str:
    """The raw field holds text, not a null spelling, that did not parse (``TRY_CAST`` already
    gives NULL for DMA's null spellings, so the text test runs only where the cast failed)."""
    return (
        f"(CASE WHEN {name} IS NULL OR {name}_v IS NOT NULL THEN false "
        f"ELSE NOT {_null_spelling(name)} END)"
    )


# ITU-R M.585: the forms an MMSI takes, as 9-digit numbers; MID 201-775 are country codes.
# DMA prints MMSIs as integers, so base stations 00MIDxxxx arrive as 7 digits. Tested with integer
# arithmetic (string slicing here cost more than parsing the whole CSV).
def _mid_ok(expr: str) -> str:
    return f"({expr}) BETWEEN 201 AND 775"


MMSI_VALID_SQL = f"""(
       {_mid_ok("mmsi_v // 1000000")}                                  -- ship: MIDxxxxxx
    OR (mmsi_v < 10000000 AND {_mid_ok("mmsi_v // 10000")})           -- coast station: 00MIDxxxx
    OR (mmsi_v < 100000000 AND {_mid_ok("mmsi_v // 100000")})         -- group of ships: 0MIDxxxxx
    OR (mmsi_v // 10000000 IN (98, 99) AND {_mid_ok("mmsi_v // 10000 % 1000")})  -- craft, AtoN
    OR (mmsi_v // 1000000 = 111 AND {_mid_ok("mmsi_v // 1000 % 1000")})  -- SAR aircraft
    OR (mmsi_v // 100000000 = 8 AND {_mid_ok("mmsi_v // 100000 % 1000")})  -- handheld VHF
    OR mmsi_v // 1000000 IN (970, 972, 974)                           -- SART, MOB, EPIRB
)"""


def _reason_sql(day: dt.date) -> str:
    start = sql_literal(day.isoformat())
    end = sql_literal((day + dt.timedelta(days=1)).isoformat())
    any_bad = " OR ".join(
        _bad(n)
        for n in (
            "rot",
            "sog",
            "cog",
            "heading",
            "imo",
            "width",
            "length",
            "draught",
            "size_a",
            "size_b",
            "size_c",
            "size_d",
            "eta",
        )
    )
    return f"""CASE
        WHEN ts_v IS NULL THEN 'bad_timestamp'
        WHEN ts_v < TIMESTAMP {start} OR ts_v >= TIMESTAMP {end} THEN 'ts_outside_day'
        WHEN mmsi_v IS NULL OR mmsi_v NOT BETWEEN 1 AND 999999999
          OR NOT {MMSI_VALID_SQL} THEN 'invalid_mmsi'
        WHEN (lat_v = 91 AND lon_v = 181) OR (lat_v IS NULL AND lon_v IS NULL
          AND NOT {_bad("lat")} AND NOT {_bad("lon")}) THEN 'no_position'
        WHEN lat_v IS NULL OR lon_v IS NULL OR lat_v = 91 THEN 'invalid_position'
        WHEN abs(lat_v) > 90 OR abs(lon_v) > 180 THEN 'position_out_of_range'
        WHEN {any_bad} THEN 'unparseable_field'
        WHEN sog_v < 0 OR sog_v > 102.3 OR cog_v < 0 OR cog_v > 360
          OR NOT (heading_v BETWEEN 0 AND 359 OR heading_v = 511)
          OR rot_v < -720 OR rot_v > 720
          OR least(width_v, length_v, draught_v, size_a_v, size_b_v, size_c_v, size_d_v) < 0
          OR greatest(size_a_v, size_b_v, size_c_v, size_d_v) > 1022
          THEN 'value_out_of_range'
        ELSE NULL
    END"""


def _silver_values() -> dict[str, str]:
    """Each silver column's SQL over the classified table (sentinels -> NULL)."""
    return {
        "ts": "ts_v",
        "mmsi": "CAST(mmsi_v AS INTEGER)",
        "lat": "lat_v",
        "lon": "lon_v",
        "sog": "CASE WHEN sog_v >= 102.3 THEN NULL ELSE sog_v END",
        "cog": "CASE WHEN cog_v >= 360 THEN NULL ELSE cog_v END",
        "heading": "CAST(CASE WHEN heading_v = 511 THEN NULL ELSE heading_v END AS SMALLINT)",
        "rot": "CASE WHEN rot_v = -128 THEN NULL ELSE rot_v END",
        "nav_status": "nav_status_v",
        "mobile_type": "mobile_type_v",
        "imo": "CAST(imo_v AS INTEGER)",
        "callsign": "callsign_v",
        "name": "name_v",
        "ship_type": "ship_type_v",
        "cargo_type": "cargo_type_v",
        "width": "width_v",
        "length": "length_v",
        "draught": "draught_v",
        "destination": "destination_v",
        "eta": "eta_v",
        "pos_fix_device": "pos_fix_device_v",
        "data_source_type": "data_source_type_v",
        "size_a": "CAST(size_a_v AS SMALLINT)",
        "size_b": "CAST(size_b_v AS SMALLINT)",
        "size_c": "CAST(size_c_v AS SMALLINT)",
        "size_d": "CAST(size_d_v AS SMALLINT)",
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
) -> SilverResult:
    """Convert one bronze DMA CSV into the day's silver and rejects partitions (atomically).

    One pass over the CSV types and classifies every row into a temporary table (spilled to
    disk beyond the memory limit); silver is then one window pass over each vessel's positions
    in (ts, lat, lon) order, which both spots exact duplicates (equal neighbours) and measures
    the implied speed into and out of each position, followed by the final sort.
    """
    rules = rules or SilverRules()
    started = time.perf_counter()
    header = store.read_range(bronze_key, 8192).split(b"\n", 1)[0].decode("utf-8", "replace")
    layout = dma_layout(header)
    raw_cols = [DMA_RAW_NAMES[c] for c in layout]
    columns = "{" + ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in raw_cols) + "}"
    src = sql_literal(store.uri(bronze_key))
    values = _silver_values()
    silver_select = ", ".join(f"{values[c]} AS {c}" for c in values)
    raw_struct = ", ".join(f"{c} := {c}" for c in DMA_RAW_NAMES.values())

    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE classified AS
        WITH raw AS (
            SELECT * FROM read_csv({src}, columns = {columns}, header = true,
                auto_detect = false, delim = ',', quote = '"', escape = '"',
                store_rejects = true, ignore_errors = true)
        ), typed AS (
            SELECT {_typed_select(layout)} FROM raw
        ), reasoned AS (
            SELECT *, {_reason_sql(day)} AS reason FROM typed
        )
        SELECT {silver_select}, reason,
               CASE WHEN reason IS NOT NULL THEN struct_pack({raw_struct}) END AS raw
        FROM reasoned
        """
    )
    # Which copy of an exact duplicate is kept must not depend on file order or threads: the
    # one with the smallest hash of all its other fields.
    tiebreak = "hash(" + ", ".join(c for c in values if c not in ("mmsi", "ts", "lat", "lon")) + ")"
    same_as = lambda a, b: (  # noqa: E731
        f"({a}ts = {b}ts AND {a}lat = {b}lat AND {a}lon = {b}lon)"
    )
    # The next *different* position: skip up to two copies of this one (triplicates are rare).
    next_pos = {
        f: f"CASE WHEN NOT coalesce({same_as('n1_', '')}, false) THEN n1_{f} "
        f"WHEN NOT coalesce({same_as('n2_', '')}, false) THEN n2_{f} ELSE n3_{f} END"
        for f in ("ts", "lat", "lon")
    }
    prev_dist = haversine_nm("p_lat", "p_lon", "lat", "lon")
    next_dist = haversine_nm("lat", "lon", next_pos["lat"], next_pos["lon"])
    prev_dt = "greatest(epoch(ts - p_ts), 1)"
    next_dt = f"greatest(epoch(({next_pos['ts']}) - ts), 1)"
    limit = float(rules.max_implied_speed_kn)
    neighbours = ", ".join(
        f"{fn}({f}{', ' + str(k) if k > 1 else ''}) OVER w AS {p}{f}"
        for fn, p, k in (
            ("lag", "p_", 1),
            ("lead", "n1_", 1),
            ("lead", "n2_", 2),
            ("lead", "n3_", 3),
        )
        for f in ("ts", "lat", "lon")
    )
    plain_cols = ", ".join(
        c.name
        for c in SILVER_COLUMNS
        if c.name not in {"implied_speed_kn", "speed_anomaly", "source"}
    )

    staged = store.staging_prefix()
    silver_key = f"{staged}/silver/part-0.parquet"
    rejects_key = f"{staged}/rejects/part-0.parquet"
    store.prepare_write(silver_key)
    store.prepare_write(rejects_key)
    try:
        con.execute(
            f"""
            COPY (
                SELECT {plain_cols},
                       speed_in AS implied_speed_kn,
                       coalesce(speed_in > {limit} AND speed_out > {limit}, false) AS speed_anomaly,
                       {sql_literal(source)} AS source
                FROM (
                    SELECT *, {prev_dist} * 3600 / {prev_dt} AS speed_in,
                              {next_dist} * 3600 / {next_dt} AS speed_out
                    FROM (
                        SELECT *, {neighbours}
                        FROM (SELECT * EXCLUDE (reason, raw), {tiebreak} AS h
                              FROM classified WHERE reason IS NULL)
                        WINDOW w AS (PARTITION BY mmsi ORDER BY ts, lat, lon, h)
                    )
                    WHERE NOT coalesce({same_as("p_", "")}, false)
                )
                ORDER BY mmsi, ts, lat, lon
            ) TO {sql_literal(store.uri(silver_key))} ({PARQUET_OPTIONS})
            """
        )
        # Duplicates passed every rule: their fields are stored rendered back as text.
        dup_select = ", ".join(_render_back(c, values) for c in DMA_RAW_NAMES.values())
        null_fields = ", ".join(f"NULL::VARCHAR AS {c}" for c in DMA_RAW_NAMES.values())
        con.execute(
            f"""
            COPY (
                SELECT reason, NULL::BIGINT AS line, NULL::VARCHAR AS raw_line, raw.*,
                       {sql_literal(source)} AS source
                FROM classified WHERE reason IS NOT NULL
                UNION ALL
                SELECT 'duplicate', NULL, NULL, {dup_select}, {sql_literal(source)}
                FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY mmsi, ts, lat, lon ORDER BY {tiebreak}) AS copy_no
                    FROM classified
                    SEMI JOIN (
                        SELECT mmsi, ts, lat, lon FROM classified WHERE reason IS NULL
                        GROUP BY ALL HAVING count(*) > 1
                    ) USING (mmsi, ts, lat, lon)
                    WHERE reason IS NULL
                ) WHERE copy_no > 1
                UNION ALL
                SELECT 'malformed_csv', line, csv_line, {null_fields}, {sql_literal(source)}
                FROM (SELECT DISTINCT line, csv_line FROM reject_errors)
            ) TO {sql_literal(store.uri(rejects_key))} ({PARQUET_OPTIONS})
            """
        )
        silver_keys = store.replace_prefix(f"{staged}/silver", silver_prefix(source, day))
        rejects_keys = store.replace_prefix(f"{staged}/rejects", rejects_prefix(source, day))
    finally:
        store.discard_prefix(staged)

    by_reason = dict(
        con.execute(
            f"""SELECT reason, count(*) FROM read_parquet({sql_literal(store.uri(rejects_keys[0]))})
                GROUP BY ALL"""
        ).fetchall()
    )
    by_reason = {str(k): int(v) for k, v in sorted(by_reason.items())}
    stats = con.execute(
        """SELECT count(*) FILTER (WHERE reason IS NULL),
                  count(DISTINCT mmsi) FILTER (WHERE reason IS NULL),
                  min(ts) FILTER (WHERE reason IS NULL), max(ts) FILTER (WHERE reason IS NULL),
                  count(*)
           FROM classified"""
    ).fetchone()
    assert stats is not None
    con.execute("DROP TABLE classified")
    return SilverResult(
        day=day,
        rows_in=int(stats[4]) + by_reason.get("malformed_csv", 0),
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


def _render_back(raw: str, values: dict[str, str]) -> str:
    """A silver value rendered back as DMA text (for duplicates kept in the rejects)."""
    if raw in ("ts", "eta"):
        return f"strftime({raw}, {sql_literal(DMA_TIMESTAMP_FORMAT)}) AS {raw}"
    if raw in values:
        return f"CAST({raw} AS VARCHAR) AS {raw}"
    return f"NULL::VARCHAR AS {raw}"
