"""The gold product ``encounters_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import EVENT_PLACE_COLUMNS, dup, encounters_figures
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="encounters",
    row="two vessels together at sea for two hours or more (across midnight too)",
    description=(
        "Pairs of vessels within 500 m of each other for at least 2 hours, each with a median "
        "speed under 2 kn, more than 10 km from every port and anchorage (Global Fishing "
        "Watch's encounters: transshipment, bunkering, ship-to-ship transfers), found on a "
        "grid, never every vessel against every other; one row on the day it is known to have "
        "ended (across midnight too), at gold/encounters/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=(
        ("encounter_id", "VARCHAR", "<mmsi_a>[.<t_a>]-<mmsi_b>[.<t_b>]-<start>: .<t> from 2"),
        ("dt", "DATE", "the day it is reported: known to have ended (UTC)"),
        ("mmsi_a", "INTEGER", "the smaller MMSI of the pair"),
        ("transmitter_a", "SMALLINT", "its ship among those the MMSI showed at once (1, 2, ...)"),
        ("mmsi_b", "INTEGER", "the larger (two ships under one MMSI are never paired)"),
        ("transmitter_b", "SMALLINT", "its ship among those the MMSI showed at once"),
        ("start_ts", "TIMESTAMP", "first slot together (its later of the two positions)"),
        ("end_ts", "TIMESTAMP", "last slot together"),
        ("duration_hours", "DOUBLE", "end_ts - start_ts, hours"),
        ("slots", "INTEGER", "10-minute slots together"),
        ("median_km", "DOUBLE", "median distance between the two, km"),
        ("median_sog_a", "DOUBLE", "median SOG of mmsi_a, knots"),
        ("median_sog_b", "DOUBLE", "median SOG of mmsi_b, knots"),
        *EVENT_PLACE_COLUMNS,
    ),
    partitioning="daily",
    follows_midnight=True,
    rare=True,
    reads=("vessel_positions", "anchorages"),
    measures=lambda p: {
        "duplicate_encounters": dup("encounter_id"),
        "self_encounters": "count(*) FILTER (WHERE mmsi_a >= mmsi_b)",
        "rows_out_of_range": "count(*) FILTER (WHERE end_ts < start_ts "
        f"OR duration_hours < {p.encounter_min_hours} OR median_km > {p.encounter_max_km} "
        f"OR place_km <= {p.event_min_port_km})",
    },
    summary=encounters_figures,
)
