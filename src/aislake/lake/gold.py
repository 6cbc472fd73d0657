"""Gold products built from silver with DuckDB, one partition (day) at a time.

Each ``build_*`` function reads the day's silver of every source, writes
``gold/<product>/dt=YYYY-MM-DD/part-0.parquet`` atomically (staged, then published) and returns
the figures its asset reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from aislake.lake.duck import sql_literal
from aislake.lake.layout import gold_prefix
from aislake.lake.silver import PARQUET_OPTIONS, haversine_nm
from aislake.lake.store import ObjectStore


class NoSilverError(RuntimeError):
    """Gold was asked for a day that has no silver."""


@dataclass(frozen=True)
class GoldResult:
    product: str
    key: str
    rows: int
    bytes: int


def silver_files(store: ObjectStore, day: dt.date) -> str:
    """The day's silver files of every source, as a DuckDB list literal."""
    keys = [
        k
        for k in store.list_keys("silver/ais/")
        if f"/dt={day.isoformat()}/" in k and k.endswith(".parquet")
    ]
    if not keys:
        raise NoSilverError(f"no silver for {day}: materialise dma_ais_silver for {day} first")
    return "[" + ", ".join(sql_literal(store.uri(k)) for k in keys) + "]"


def write_gold(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, product: str, day: dt.date, select: str
) -> GoldResult:
    """Write ``select``'s rows as the day's partition of ``product``, replacing it whole."""
    staged = store.staging_prefix()
    key = f"{staged}/part-0.parquet"
    store.prepare_write(key)
    try:
        con.execute(f"COPY ({select}) TO {sql_literal(store.uri(key))} ({PARQUET_OPTIONS})")
        published = store.replace_prefix(staged, gold_prefix(product, day))
    finally:
        store.discard_prefix(staged)
    rows = con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(store.uri(published[0]))})")
    count = rows.fetchone()
    return GoldResult(
        product, published[0], int(count[0]) if count else 0, store.size(published[0])
    )


# A vessel's consecutive reports further apart than this are a gap: no distance or time counted.
MAX_STEP_SECONDS = 1800
UNDER_WAY_MIN_SOG = 0.5


def daily_summary_sql(files: str, day: dt.date) -> str:
    """Per ship type: vessels, messages, distance sailed and hours under way on the day.

    A vessel's ship type is the most frequent one it reported that day; transmitters that are not
    ships are grouped by their mobile type ('Base Station', 'AtoN'). Distance is the sum of
    great-circle steps between a vessel's consecutive positions at most 30 min apart, leaving out
    positions flagged as speed anomalies; hours under way sum those steps' durations where SOG
    was at least 0.5 kn.
    """
    step = haversine_nm("lag(lat) OVER w", "lag(lon) OVER w", "lat", "lon")
    return f"""
    WITH pos AS (
        SELECT mmsi, ts, lat, lon, sog, ship_type, mobile_type
        FROM read_parquet({files}) WHERE NOT speed_anomaly
    ), vessel AS (
        SELECT mmsi, coalesce(
                mode(ship_type),
                CASE WHEN any_value(mobile_type) IN ('Class A', 'Class B') THEN 'Unknown'
                     ELSE coalesce(any_value(mobile_type), 'Unknown') END) AS ship_type
        FROM pos GROUP BY mmsi
    ), steps AS (
        SELECT mmsi, sog, {step} AS step_nm, epoch(ts - lag(ts) OVER w) AS step_s
        FROM pos WINDOW w AS (PARTITION BY mmsi ORDER BY ts)
    )
    SELECT DATE {sql_literal(day.isoformat())} AS dt,
           vessel.ship_type,
           count(DISTINCT steps.mmsi)::INTEGER AS vessels,
           count(*)::BIGINT AS messages,
           round(coalesce(sum(step_nm) FILTER (WHERE step_s <= {MAX_STEP_SECONDS}), 0), 3)
               AS distance_nm,
           round(coalesce(sum(step_s) FILTER (
               WHERE step_s <= {MAX_STEP_SECONDS} AND sog >= {UNDER_WAY_MIN_SOG}), 0) / 3600, 3)
               AS hours_under_way
    FROM steps JOIN vessel USING (mmsi)
    GROUP BY ALL ORDER BY vessel.ship_type
    """


def build_daily_summary(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, day: dt.date
) -> GoldResult:
    return write_gold(
        con, store, "ais_daily_summary", day, daily_summary_sql(silver_files(store, day), day)
    )
