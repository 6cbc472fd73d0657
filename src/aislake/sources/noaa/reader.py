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

NAV_STATUS = {
    0: "Under way using engine",
    1: "At anchor",
    2: "Not under command",
    3: "Restricted maneuverability",
    4: "Constrained by her draught",
    5: "Moored",
    6: "Aground",
    7: "Engaged in fishing",
    8: "Under way sailing",
    9: "Reserved for future amendment [HSC]",
    10: "Reserved for future amendment [WIG]",
    11: "Reserved for future use [11]",
    12: "Reserved for future use [12]",
    13: "Reserved for future use [13]",
    14: "AIS-SART",
}

# Ship type codes (ITU-R M.1371 table 53) -> DMA's text; ranges as (first, last).
SHIP_TYPES: tuple[tuple[int, int, str], ...] = (
    (1, 19, "Reserved"),
    (20, 29, "WIG"),
    (30, 30, "Fishing"),
    (31, 31, "Towing"),
    (32, 32, "Towing long/wide"),
    (33, 33, "Dredging"),
    (34, 34, "Diving"),
    (35, 35, "Military"),
    (36, 36, "Sailing"),
    (37, 37, "Pleasure"),
    (38, 39, "Reserved"),
    (40, 49, "HSC"),
    (50, 50, "Pilot"),
    (51, 51, "SAR"),
    (52, 52, "Tug"),
    (53, 53, "Port tender"),
    (54, 54, "Anti-pollution"),
    (55, 55, "Law enforcement"),
    (56, 56, "Spare 1"),
    (57, 57, "Spare 2"),
    (58, 58, "Medical"),
    (59, 59, "Not party to conflict"),
    (60, 69, "Passenger"),
    (70, 79, "Cargo"),
    (80, 89, "Tanker"),
    (90, 99, "Other"),
)

CARGO_CATEGORIES = {
    0: "No additional information",
    1: "Category X",
    2: "Category Y",
    3: "Category Z",
    4: "Category OS",
    5: "Reserved for future use",
    6: "Reserved for future use",
    7: "Reserved for future use",
    8: "Reserved for future use",
    9: "No additional information",
}


def read_names(layout: tuple[str, ...]) -> list[str]:
    """The read names of a NOAA header's columns, in file order."""
    return [NOAA_READ_NAMES[c.lower()] for c in layout]


def _ship_type_sql(code: str) -> str:
    cases = " ".join(
        f"WHEN {code} BETWEEN {a} AND {b} THEN {sql_literal(text)}" for a, b, text in SHIP_TYPES
    )
    return f"CASE WHEN {code} IS NULL OR {code} = 0 THEN NULL {cases} ELSE 'NOAA ' || {code} END"


def _nav_status_sql(code: str) -> str:
    cases = " ".join(f"WHEN {k} THEN {sql_literal(v)}" for k, v in NAV_STATUS.items())
    return f"CASE {code} {cases} ELSE NULL END"


def _cargo_sql(code: str) -> str:
    cases = " ".join(f"WHEN {k} THEN {sql_literal(v)}" for k, v in CARGO_CATEGORIES.items())
    return (
        f"CASE WHEN {code} BETWEEN 20 AND 29 OR {code} BETWEEN 40 AND 49 "
        f"OR {code} BETWEEN 60 AND 89 THEN CASE {code} % 10 {cases} END ELSE NULL END"
    )


def _code(col: str) -> str:
    """A numeric code as an integer (NULL when absent or not whole)."""
    return f"(CASE WHEN {col} = round({col}) THEN CAST({col} AS INTEGER) END)"


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
            {_nav_status_sql(_code("status"))} AS nav_status, NULL::DOUBLE AS rot, sog, cog,
            heading, {IMO_SQL} AS imo, nullif(trim(callsign), '') AS callsign,
            nullif(trim(name), '') AS name, {_ship_type_sql(_code("vessel_type"))} AS ship_type,
            {_cargo_sql(_code("cargo"))} AS cargo_type, nullif(width, 0) AS width,
            nullif(length, 0) AS length, NULL::VARCHAR AS pos_fix_device,
            nullif(draught, 0) AS draught, NULL::VARCHAR AS destination, NULL::VARCHAR AS eta,
            NULL::VARCHAR AS data_source_type, NULL::DOUBLE AS size_a, NULL::DOUBLE AS size_b,
            NULL::DOUBLE AS size_c, NULL::DOUBLE AS size_d
        FROM read_csv({sql_literal(uri)}, columns = {spec}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', nullstr = '',
            timestampformat = {sql_literal(fmt)},
            store_rejects = true, ignore_errors = true, parallel = {sql_literal(parallel)}{buffer},
            rejects_table = {sql_literal(rejects[0])}, rejects_scan = {sql_literal(rejects[1])})"""
