"""DuckDB's typed reader of a DMA CSV: one definition of how each field is parsed.

Silver reads the day with it, and the repair of shifted rows reads its candidates with it, so a
repaired row is typed exactly as an unbroken one would have been.
"""

from __future__ import annotations

from aislake.ais.schema import DMA_RAW_NAMES, DMA_TIMESTAMP_FORMAT
from aislake.duck.sql import sql_literal

# Text DMA uses for "no value"; they become NULL.
DMA_NULL_TEXTS = ("", " ", "Unknown", "Unknown value", "Undefined")

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


def typed_csv_sql(
    uri: str,
    raw_cols: list[str],
    leading: dict[str, str] | None = None,
    rejects: tuple[str, str] = ("reject_errors", "reject_scans"),
    parallel: bool = True,
    buffer_size: int | None = None,
) -> str:
    """SQL: a ``SELECT`` of every DMA column (raw names, typed; the 22-column layout's missing
    A, B, C, D as NULL) from the CSV at ``uri`` whose header has the columns ``raw_cols``.

    ``leading`` names extra columns (name -> type) that come before the layout's in the file.
    Lines that do not parse are not returned: DuckDB keeps them, with the raw line, in the
    ``rejects`` tables (errors, scans). ``parallel=False`` reads with one thread: DuckDB 1.5.5's
    parallel reader can skip lines near its buffer boundaries when many lines fail
    (silver reconciles its counts and re-reads so when they disagree). ``buffer_size`` sets
    DuckDB's CSV buffer (default: DuckDB's); a small one reproduces that loss on a small file.
    """
    buffer = f", buffer_size = {int(buffer_size)}" if buffer_size else ""
    spec = {**(leading or {}), **{c: READ_TYPES.get(c, "VARCHAR") for c in raw_cols}}
    columns = "{" + ", ".join(f"{sql_literal(c)}: {sql_literal(t)}" for c, t in spec.items()) + "}"
    missing = "".join(
        f", NULL::{READ_TYPES.get(c, 'VARCHAR')} AS {c}"
        for c in DMA_RAW_NAMES.values()
        if c not in raw_cols
    )
    nulls = "[" + ", ".join(sql_literal(t) for t in DMA_NULL_TEXTS) + "]"
    return f"""SELECT *{missing}
        FROM read_csv({sql_literal(uri)}, columns = {columns}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', nullstr = {nulls},
            timestampformat = {sql_literal(DMA_TIMESTAMP_FORMAT)},
            store_rejects = true, ignore_errors = true, parallel = {sql_literal(parallel)}{buffer},
            rejects_table = {sql_literal(rejects[0])}, rejects_scan = {sql_literal(rejects[1])})"""


def render_back(raw: str, alias: bool = True, ts_format: str = DMA_TIMESTAMP_FORMAT) -> str:
    """SQL: a parsed field rendered back as text (for rejected rows that did parse, and for
    rows the repair reads back as fields), named after the field unless ``alias`` is false;
    the timestamp in ``ts_format`` (DMA's by default)."""
    # Numbers in canonical form: 55.5, not 55.500000.
    sql = f"strftime(ts, {sql_literal(ts_format)})" if raw == "ts" else f"CAST({raw} AS VARCHAR)"
    return f"{sql} AS {raw}" if alias else sql
