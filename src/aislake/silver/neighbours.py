"""Silver's neighbours step: each row's neighbours in its vessel's sorted run, found on the
narrow key columns of the sorted files (a window over the wide rows would sort them all again),
into the table ``neighbours`` (rid, dup, speed_in, speed_out) in row-id order, to be joined to
the wide rows by position (``sql/neighbours.sql``)."""

from __future__ import annotations

import duckdb

from aislake.ais.motion import MotionRules
from aislake.silver.queries import query


def find_neighbours(con: duckdb.DuckDBPyConnection, rows_read: int, motion: MotionRules) -> None:
    """Create the table ``neighbours`` over the rows of the views ``classified_rows`` (ids 0 ..
    rows_read - 1) and ``repaired_rows`` (ids from ``rows_read``)."""
    sql, params = query(
        "neighbours", rows_read=rows_read, min_span_s=float(motion.min_span_seconds)
    )
    # A table of the database, not of the connection: the writers read it from connections
    # of their own.
    con.execute(f"CREATE OR REPLACE TABLE neighbours AS\n{sql}", params)
