"""Silver's neighbours step: each row's neighbours in its vessel's sorted run, found on the
narrow key columns of the sorted files (a window over the wide rows would sort them all again),
into the table ``neighbours`` (rid, dup, speed_in, speed_out) in row-id order, to be joined to
the wide rows by position."""

from __future__ import annotations

import duckdb

from aislake.ais.motion import MotionRules, haversine_nm, implied_speed_sql
from aislake.silver.workspace import Workspace


def find_neighbours(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    rows_read: int,
    repaired_rows: int,
    motion: MotionRules,
) -> None:
    """Create the table ``neighbours`` over the main file's rows (ids 0 .. rows_read - 1) and
    the repaired rows after them (ids from ``rows_read``)."""
    keys = f"(SELECT file_row_number AS rid, reason, mmsi, ts, lat, lon, h FROM {ws.main})"
    order = "rid"
    if repaired_rows:
        keys = f"""(SELECT * FROM {keys} UNION ALL
                    SELECT {rows_read} + file_row_number, reason, mmsi, ts, lat, lon, h
                    FROM {ws.repaired})"""
        order = "ts, lat, lon, h, rid"  # the files' own order, across both
    # A table of the database, not of the connection: the writers read it from connections
    # of their own.
    con.execute(f"CREATE OR REPLACE TABLE neighbours AS {neighbours_sql(keys, order, motion)}")


def neighbours_sql(keys: str, order: str, motion: MotionRules) -> str:
    """Each row's neighbours: p = previous, n1..n3 = next ones. An exact duplicate equals its
    predecessor; the next *different* position skips up to two copies of this one (triplicates
    are rare). In row-id order, to be joined by position. Speeds are computed for valid rows
    only: a rejected row may hold a position no function takes (an infinite latitude: DuckDB's
    ``cos`` refuses it and would fail the day)."""
    here = "{'ts': ts, 'lat': lat, 'lon': lon}"
    step_in = haversine_nm("p.lat", "p.lon", "lat", "lon")
    step_out = haversine_nm("lat", "lon", "nx.lat", "nx.lon")
    return f"""
        SELECT rid, coalesce(p = {here}, false) AS dup,
               CASE WHEN reason IS NULL
                    THEN {implied_speed_sql(step_in, "epoch(ts - p.ts)", motion)} END AS speed_in,
               CASE WHEN reason IS NULL
                    THEN {implied_speed_sql(step_out, "epoch(nx.ts - ts)", motion)} END
                 AS speed_out
        FROM (
            SELECT *, CASE WHEN n1 IS DISTINCT FROM {here} THEN n1
                           WHEN n2 IS DISTINCT FROM {here} THEN n2 ELSE n3 END AS nx
            FROM (
                SELECT rid, reason, ts, lat, lon,
                       lag({here}) OVER w AS p, lead({here}) OVER w AS n1,
                       lead({here}, 2) OVER w AS n2, lead({here}, 3) OVER w AS n3
                FROM {keys}
                WINDOW w AS (PARTITION BY reason, mmsi ORDER BY {order})
            )
        )
        ORDER BY rid"""
