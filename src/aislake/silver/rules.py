"""Silver's cleaning rules as SQL over typed rows: why a row is rejected, and the value each
silver column takes (docs/silver.md explains each rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from aislake.ais.motion import MotionRules
from aislake.ais.schema import DMA_TIMESTAMP_FORMAT, SILVER_COLUMN_NAMES
from aislake.duck.sql import sql_literal


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


def reason_sql(day: dt.date) -> str:
    """Why a parsed row is not in silver (NULL: it is), in the order of REJECT_REASONS."""
    start = sql_literal(day.isoformat())
    end = sql_literal((day + dt.timedelta(days=1)).isoformat())
    return f"""CASE
        WHEN ts IS NULL THEN 'bad_timestamp'
        WHEN ts < TIMESTAMP {start} OR ts >= TIMESTAMP {end} THEN 'ts_outside_day'
        WHEN mmsi_station_kind(mmsi) IS NULL THEN 'invalid_mmsi'
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


def silver_values(
    motion: MotionRules, source: str, repaired: str, row_column: Callable[[str], str]
) -> dict[str, str]:
    """Each silver column's SQL over the classified rows joined to their neighbours
    (not-available sentinels -> NULL), in silver's column order; ``row_column`` gives the
    receiver columns' SQL (the reader's, ``DayReader.row_column``).

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
        "station_kind": "mmsi_station_kind(mmsi)",
        "implied_speed_kn": "speed_in",
        "speed_anomaly": f"coalesce(speed_in > {limit} AND speed_out > {limit}, false)",
        "repaired": repaired,
        "receiver": row_column("receiver"),
        "receivers": row_column("receivers"),
        "source": sql_literal(source),
    }
    return {c: values[c] for c in SILVER_COLUMN_NAMES}
