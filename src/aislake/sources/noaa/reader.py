"""DuckDB's typed reader of a NOAA MarineCadastre CSV, mapped to the fields silver reads.

NOAA's rows come out under DMA's raw names and in DMA's vocabulary, so silver's rules (cleaning,
duplicates, motion, MMSI forms) are one piece of code for every source:

- ``VesselType`` / ``vessel_type`` (ITU-R M.1371 codes) -> ship type text as DMA prints it
  ('Cargo', 'Tanker', 'Passenger', ...); 0 -> NULL; codes NOAA uses beyond 99 -> 'NOAA <code>';
- ``Status`` (navigational status codes) -> DMA's text ('Under way using engine', 'Moored', ...);
  15 (not defined) and empty -> NULL;
- ``Cargo``: its second digit -> the hazard category DMA prints ('Category X', ...) for the
  codes that carry one (20-29, 40-49, 60-89), else NULL;
- ``TransceiverClass`` A / B -> 'Class A' / 'Class B';
- ``IMO9307839`` (or a bare number) -> 9307839 when it is an IMO number (7 digits);
  ``IMO0000000``, empty, and the 10-digit US documentation numbers NOAA's IMO field also
  carries (``IMO1001266646``: in both real samples) -> NULL, so a real vessel's positions are
  not rejected for a number that is not an IMO;
- Length, Width, Draft of 0 -> NULL (NOAA's not available); Heading 511 and SOG 102.3 stay as
  they are: silver's rules make them NULL for every source;
- what NOAA does not publish (ROT, destination, ETA, antenna offsets, position fixing device,
  data source type) is NULL.

A line whose number, MMSI or timestamp does not parse is refused by DuckDB and kept in the
``reject_errors`` table with its raw text, as for DMA.
"""

from __future__ import annotations

from aislake.ais.schema import NOAA_CSV2_HEADER, NOAA_READ_NAMES
from aislake.ais.vocabulary import cargo_sql, code_sql, nav_status_sql, ship_type_sql
from aislake.duck.sql import sql_literal

# Types DuckDB parses each NOAA field into (read names); the rest is text.
NOAA_READ_TYPES = {
    "mmsi": "BIGINT",
    "ts": "TIMESTAMP",
    "lat": "DOUBLE",
    "lon": "DOUBLE",
    "sog": "DOUBLE",
    "cog": "DOUBLE",
    "heading": "DOUBLE",
    "vessel_type": "DOUBLE",  # integers, but a re-saved file may write 70.0
    "status": "DOUBLE",
    "length": "DOUBLE",
    "width": "DOUBLE",
    "draught": "DOUBLE",
    "cargo": "DOUBLE",
}

CSV2_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
LEGACY_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"


def read_names(layout: tuple[str, ...]) -> list[str]:
    """The read names of a NOAA header's columns, in file order."""
    return [NOAA_READ_NAMES[c.lower()] for c in layout]


IMO_SQL = """CASE WHEN regexp_full_match(trim(imo), '(IMO)?[1-9][0-9]{6}')
    THEN CAST(regexp_replace(trim(imo), '^IMO', '') AS BIGINT) END"""


def noaa_typed_sql(
    uri: str,
    layout: tuple[str, ...],
    rejects: tuple[str, str] = ("reject_errors", "reject_scans"),
    parallel: bool = True,
    buffer_size: int | None = None,
) -> str:
    """SQL: a ``SELECT`` of every DMA raw field (typed as ``aislake.sources.dma.reader`` types them)
    from the NOAA CSV at ``uri`` whose header is ``layout``. Refused lines go to ``rejects``."""
    names = read_names(layout)
    spec = (
        "{"
        + ", ".join(
            f"{sql_literal(n)}: {sql_literal(NOAA_READ_TYPES.get(n, 'VARCHAR'))}" for n in names
        )
        + "}"
    )
    fmt = CSV2_TIMESTAMP_FORMAT if layout == NOAA_CSV2_HEADER else LEGACY_TIMESTAMP_FORMAT
    buffer = f", buffer_size = {int(buffer_size)}" if buffer_size else ""
    transceiver = (
        "CASE upper(trim(transceiver)) WHEN 'A' THEN 'Class A' WHEN 'B' THEN 'Class B' "
        "ELSE nullif(trim(transceiver), '') END"
        if "transceiver" in names
        else "NULL::VARCHAR"
    )
    return f"""SELECT ts, {transceiver} AS mobile_type, mmsi, lat, lon,
            {nav_status_sql(code_sql("status"))} AS nav_status, NULL::DOUBLE AS rot, sog, cog,
            heading, {IMO_SQL} AS imo, nullif(trim(callsign), '') AS callsign,
            nullif(trim(name), '') AS name, {ship_type_sql(code_sql("vessel_type"))} AS ship_type,
            {cargo_sql(code_sql("cargo"))} AS cargo_type, nullif(width, 0) AS width,
            nullif(length, 0) AS length, NULL::VARCHAR AS pos_fix_device,
            nullif(draught, 0) AS draught, NULL::VARCHAR AS destination, NULL::VARCHAR AS eta,
            NULL::VARCHAR AS data_source_type, NULL::DOUBLE AS size_a, NULL::DOUBLE AS size_b,
            NULL::DOUBLE AS size_c, NULL::DOUBLE AS size_d
        FROM read_csv({sql_literal(uri)}, columns = {spec}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', nullstr = '',
            timestampformat = {sql_literal(fmt)},
            store_rejects = true, ignore_errors = true, parallel = {sql_literal(parallel)}{buffer},
            rejects_table = {sql_literal(rejects[0])}, rejects_scan = {sql_literal(rejects[1])})"""
