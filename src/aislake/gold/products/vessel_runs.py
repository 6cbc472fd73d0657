"""The gold product ``vessel_runs_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="vessel_runs",
    row="a vessel's run in a port or at sea within a day",
    description=(
        "Per vessel and day, its positions cut into runs in a port (entered within 3 km of an "
        "anchorage, left beyond 4 km) or at sea, and at silences of gap_min_hours: the pieces "
        "port visits, voyages and AIS gaps are stitched from, at "
        "gold/vessel_runs/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("run", "INTEGER", "1, 2, ... within the vessel's day"),
        ("port", "VARCHAR", "the port (anchorages' name) the run is in; NULL at sea"),
        (
            "entered",
            "BOOLEAN",
            "came within entry distance (false: the day began between entry and exit distance)",
        ),
        ("start_ts", "TIMESTAMP", "first position"),
        ("end_ts", "TIMESTAMP", "last position"),
        ("positions", "INTEGER", "positions in the run"),
        ("start_lat", "DOUBLE", "first position's latitude"),
        ("start_lon", "DOUBLE", "first position's longitude"),
        ("start_sog", "DOUBLE", "first position's SOG"),
        ("end_lat", "DOUBLE", "last position's latitude"),
        ("end_lon", "DOUBLE", "last position's longitude"),
        ("end_sog", "DOUBLE", "last position's SOG"),
        ("start_stopped", "BOOLEAN", "stopped at its first position"),
        ("end_stopped", "BOOLEAN", "stopped at its last position"),
        ("distance_nm", "DOUBLE", "distance sailed within the run (the motion rules), nm"),
        ("stop_ts", "TIMESTAMP", "first position stopped (below 0.2 kn); NULL if none"),
        ("stop_lat", "DOUBLE", "its latitude"),
        ("stop_lon", "DOUBLE", "its longitude"),
        ("stopped_hours", "DOUBLE", "hours between consecutive stopped positions"),
        ("max_gap_hours", "DOUBLE", "longest time between two of its positions"),
    ),
    partitioning="daily",
    reads=("vessel_positions", "anchorages"),
    measures=lambda p: {
        "duplicate_runs": dup("mmsi, transmitter, run"),
        "rows_out_of_range": "count(*) FILTER (WHERE end_ts < start_ts OR positions < 1 "
        f"OR distance_nm < 0 OR max_gap_hours >= {p.gap_min_hours} "
        "OR (entered AND port IS NULL))",
    },
)
