"""AIS codes as the lake writes them: ITU-R M.1371's navigational status, ship type, cargo
hazard category and position fixing device codes, as text in DMA's vocabulary (what DMA's files
print), and the SQL that maps a code column to it. Every source whose data comes as codes
(NOAA's CSV, raw NMEA) maps them here, so silver holds one vocabulary."""

from __future__ import annotations


def sql_literal(text: str) -> str:
    """A SQL string literal (the vocabulary's texts; this layer is below ``aislake.duck``)."""
    return "'" + text.replace("'", "''") + "'"


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


# Type of electronic position fixing device (ITU-R M.1371 table 49) -> DMA's text.
EPFD = {
    0: "Undefined",
    1: "GPS",
    2: "GLONASS",
    3: "Combined GPS/GLONASS",
    4: "Loran-C",
    5: "Chayka",
    6: "Integrated navigation system",
    7: "Surveyed",
    8: "Galileo",
    15: "Internal",
}


def ship_type_sql(code: str) -> str:
    cases = " ".join(
        f"WHEN {code} BETWEEN {a} AND {b} THEN {sql_literal(text)}" for a, b, text in SHIP_TYPES
    )
    return f"CASE WHEN {code} IS NULL OR {code} = 0 THEN NULL {cases} ELSE 'NOAA ' || {code} END"


def nav_status_sql(code: str) -> str:
    cases = " ".join(f"WHEN {k} THEN {sql_literal(v)}" for k, v in NAV_STATUS.items())
    return f"CASE {code} {cases} ELSE NULL END"


def cargo_sql(code: str) -> str:
    cases = " ".join(f"WHEN {k} THEN {sql_literal(v)}" for k, v in CARGO_CATEGORIES.items())
    return (
        f"CASE WHEN {code} BETWEEN 20 AND 29 OR {code} BETWEEN 40 AND 49 "
        f"OR {code} BETWEEN 60 AND 89 THEN CASE {code} % 10 {cases} END ELSE NULL END"
    )


def code_sql(col: str) -> str:
    """A numeric code as an integer (NULL when absent or not whole)."""
    return f"(CASE WHEN {col} = round({col}) THEN CAST({col} AS INTEGER) END)"


def epfd_sql(code: str) -> str:
    cases = " ".join(f"WHEN {k} THEN {sql_literal(v)}" for k, v in EPFD.items())
    return f"CASE {code} {cases} ELSE NULL END"
