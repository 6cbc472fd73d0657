"""The gold product ``ais_gaps_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup, gaps_figures
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="ais_gaps",
    row="a silence of 6 h or more while under way",
    description=(
        "AIS gaps ('going dark'): a vessel under way whose reports stop for gap_min_hours or "
        "more (6 h by default), with its positions before and after, across midnight and days; "
        "rebuilt from every day's vessel_runs, at gold/ais_gaps/all/part-0.<version>.parquet."
    ),
    columns=(
        ("gap_id", "VARCHAR", "<mmsi>[.<transmitter> from 2]-<gap_start>"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("gap_start", "TIMESTAMP", "last position before the silence"),
        ("gap_end", "TIMESTAMP", "first position after it"),
        ("duration_hours", "DOUBLE", "gap_end - gap_start, hours"),
        ("start_lat", "DOUBLE", "latitude before"),
        ("start_lon", "DOUBLE", "longitude before"),
        ("start_sog", "DOUBLE", "SOG before"),
        ("end_lat", "DOUBLE", "latitude after"),
        ("end_lon", "DOUBLE", "longitude after"),
        ("end_sog", "DOUBLE", "SOG after"),
        ("distance_nm", "DOUBLE", "great-circle distance between the two positions, nm"),
        ("implied_speed_kn", "DOUBLE", "distance / duration"),
        ("start_port", "VARCHAR", "port it was in when it went dark; NULL at sea"),
        ("end_port", "VARCHAR", "port it was in when it reappeared; NULL at sea"),
    ),
    partitioning="history",
    reads=("vessel_runs",),
    measures=lambda p: {
        "duplicate_gaps": dup("gap_id"),
        "shorter_than_minimum": f"count(*) FILTER (WHERE duration_hours < {p.gap_min_hours})",
        "rows_out_of_range": "count(*) FILTER (WHERE gap_end <= gap_start OR distance_nm < 0)",
    },
    summary=gaps_figures,
)
