"""The gold product ``loitering_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import EVENT_PLACE_COLUMNS, dup, loitering_figures
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="loitering",
    row="a vessel slow for an hour or more away from port (across midnight too)",
    description=(
        "Each time a vessel stayed under 2 kn for at least an hour more than 10 km from every "
        "port and anchorage (Global Fishing Watch's loitering, on the lake's anchorages), one "
        "row on the day it is known to have ended (an event across midnight is one row, read "
        "with the day before), at gold/loitering/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=(
        ("loitering_id", "VARCHAR", "<mmsi>[.<transmitter> from 2]-<start>"),
        ("dt", "DATE", "the day it is reported: known to have ended (UTC)"),
        ("mmsi", "INTEGER", "the vessel's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("start_ts", "TIMESTAMP", "first slow position"),
        ("end_ts", "TIMESTAMP", "last slow position"),
        ("duration_hours", "DOUBLE", "end_ts - start_ts, hours"),
        ("positions", "INTEGER", "positions while slow"),
        ("median_sog", "DOUBLE", "median reported SOG, knots"),
        ("distance_nm", "DOUBLE", "distance it moved meanwhile, nm"),
        *EVENT_PLACE_COLUMNS,
    ),
    partitioning="daily",
    follows_midnight=True,
    rare=True,
    reads=("vessel_positions", "anchorages"),
    measures=lambda p: {
        "duplicate_loitering": dup("loitering_id"),
        "rows_out_of_range": "count(*) FILTER (WHERE end_ts < start_ts "
        f"OR duration_hours < {p.loitering_min_hours} OR median_sog >= {p.loitering_max_sog_kn} "
        f"OR place_km <= {p.event_min_port_km} OR positions < 2)",
    },
    summary=loitering_figures,
)
