"""Decoded NMEA messages as silver's input: the same report heard by several receivers
collapsed into one row, static data joined onto positions, codes in DMA's vocabulary.

- **Heard again**: copies of one transmission are one report (``aislake.sources.nmea.heard``,
  found by the decoder): the first hearing is kept with ``receivers``, the count of distinct
  receivers that heard it; the other copies are rejects (``duplicate``) with their raw text.
- **Static data the way DMA's files carry it**: each position row carries the vessel's last
  static report (types 5 and 24, or 19's own) at or before its time that day, field by field
  (a type 24 part A gives the name, part B the type, call sign and dimensions). The static
  reports themselves are rows without a position, as in DMA's files (silver keeps them as
  ``no_position`` rejects, which the vessel registry reads).
- **Vocabulary**: navigational status, ship type, cargo category, position fixing device and
  transmitter class as DMA prints them (``aislake.ais.vocabulary``); dimensions as DMA's A, B,
  C, D (bow, stern, port, starboard) with width and length their sums; 0 as not available;
  the ETA (month, day, hour, minute) in the report's year, or the next when it would be more
  than a month in the past.
"""

from __future__ import annotations

from aislake.ais.schema import DMA_TIMESTAMP_FORMAT
from aislake.ais.vocabulary import cargo_sql, epfd_sql, nav_status_sql, ship_type_sql
from aislake.duck.sql import sql_literal

STATIC_FIELDS = (
    "imo",
    "callsign",
    "name",
    "ship_type",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "epfd",
    "eta_month",
    "eta_day",
    "eta_hour",
    "eta_minute",
    "draught",
    "destination",
)

MOBILE_TYPE_SQL = """CASE
    WHEN msg_type IN (1, 2, 3, 5, 27) THEN 'Class A'
    WHEN msg_type IN (18, 19, 24) THEN 'Class B'
    WHEN msg_type = 4 THEN 'Base Station'
    WHEN msg_type = 21 THEN 'AtoN'
    WHEN msg_type = 9 THEN 'SAR Airborne'
END"""


# A message's raw text as rejects keep it: without the line ending the decoder leaves on it.
RAW_TEXT = "rtrim(raw_line, chr(13) || chr(10))"


def kept_sql(messages: str, heard: str) -> str:
    """The messages silver keeps (each report's first hearing) with ``receivers`` and
    ``static_line``, from the decoder's file of first hearings (``heard``); without their raw
    text, which only rejects need (:func:`raw_lines_sql`)."""
    return f"""SELECT m.* EXCLUDE (raw_line), h.receivers, h.static_line
        FROM {messages} m JOIN {heard} h ON m.line = h.line"""


def raw_lines_sql(messages: str) -> str:
    """SQL: every decoded message's line and raw text (for the rows silver rejects)."""
    return f"SELECT line, {RAW_TEXT} AS raw_line FROM {messages}"


def copies_sql(messages: str, heard: str) -> str:
    """SQL: the other hearings of reports heard again, as rejects (line, reason, raw text)."""
    return f"""SELECT line, 'duplicate' AS reason, {RAW_TEXT} AS raw_line
        FROM {messages} m ANTI JOIN {heard} h ON m.line = h.line"""


def _static_timeline(reports: str) -> str:
    """Per vessel, each static report (by its line) with every field's last known value up to
    it."""
    fields = ",\n".join(f"last_value({f} IGNORE NULLS) OVER w AS {f}" for f in STATIC_FIELDS)
    return f"""SELECT line, {fields}
        FROM {reports}
        WHERE msg_type IN (5, 19, 24)
        WINDOW w AS (PARTITION BY mmsi ORDER BY ts, line ROWS UNBOUNDED PRECEDING)"""


def _zero_null(expr: str) -> str:
    return f"nullif({expr}, 0)"


def _eta_sql() -> str:
    """SQL: a row's ETA as DMA prints it: in the row's year, or the next when it would be more
    than 31 days before the row; NULL where not available, or where there is no such time (30
    February: ``make_timestamp`` raises, so ``TRY`` makes it NULL; a cast would not)."""
    fmt = sql_literal(DMA_TIMESTAMP_FORMAT)
    valid = (
        "eta_month BETWEEN 1 AND 12 AND eta_day BETWEEN 1 AND 31 AND eta_hour < 24 "
        "AND eta_minute < 60"
    )
    parts = "eta_month, eta_day, eta_hour, eta_minute, 0"
    this_year = f"TRY(make_timestamp(year(ts), {parts}))"
    next_year = f"TRY(make_timestamp(year(ts) + 1, {parts}))"
    return f"""CASE WHEN {valid} THEN strftime(
            CASE WHEN {this_year} < ts - INTERVAL 31 DAY THEN {next_year} ELSE {this_year} END,
            {fmt}) END"""


def typed_rows_sql(kept: str) -> str:
    """SQL: silver's input (every DMA raw field, typed as the CSV readers type them) from the
    messages silver keeps (``kept``: :func:`kept_sql`), plus ``receiver``, ``receivers`` and
    ``line``. Each message takes the static fields of the report the decoder matched it to
    (``static_line``: its vessel's latest at or before its time) where it has none itself."""
    static = {f: f"coalesce(m.{f}, s.{f})" for f in STATIC_FIELDS}
    ship = "CAST(ship_type AS INTEGER)"
    width = _zero_null("coalesce(to_port, 0) + coalesce(to_starboard, 0)")
    length = _zero_null("coalesce(to_bow, 0) + coalesce(to_stern, 0)")
    # `kept` inlined where it is read: materialised once for both, every row of the day was
    # written and read again (0.9 s of CPU at 4 M rows); inlined, the timeline's scan reads
    # only the static reports.
    return f"""
    WITH kept AS NOT MATERIALIZED ({kept}),
    timeline AS ({_static_timeline("kept")}),
    joined AS (
        SELECT m.* EXCLUDE ({", ".join(STATIC_FIELDS)}),
               {", ".join(f"{static[f]} AS {f}" for f in STATIC_FIELDS)}
        FROM kept m LEFT JOIN timeline s ON m.static_line = s.line
    )
    SELECT ts, {MOBILE_TYPE_SQL} AS mobile_type, mmsi, lat, lon,
           {nav_status_sql("nav_status")} AS nav_status, rot, sog, cog,
           CAST(heading AS DOUBLE) AS heading, {_zero_null("imo")} AS imo,
           nullif(callsign, '') AS callsign, nullif(name, '') AS name,
           {ship_type_sql(ship)} AS ship_type, {cargo_sql(ship)} AS cargo_type,
           CAST({width} AS DOUBLE) AS width, CAST({length} AS DOUBLE) AS length,
           {epfd_sql("epfd")} AS pos_fix_device, {_zero_null("draught")} AS draught,
           nullif(destination, '') AS destination, {_eta_sql()} AS eta,
           'AIS' AS data_source_type,
           CAST({_zero_null("to_bow")} AS DOUBLE) AS size_a,
           CAST({_zero_null("to_stern")} AS DOUBLE) AS size_b,
           CAST({_zero_null("to_port")} AS DOUBLE) AS size_c,
           CAST({_zero_null("to_starboard")} AS DOUBLE) AS size_d,
           receiver, receivers, line
    FROM joined"""
