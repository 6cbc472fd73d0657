"""The gold product ``voyages_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup, voyages_figures
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="voyages",
    row="a voyage from one port visit to the next (GFW)",
    description=(
        "Voyages as Global Fishing Watch defines them: from a port visit's departure to the "
        "vessel's next visit's arrival, with distance; an end the lake has not seen is NULL. "
        "Rebuilt from port_visits and vessel_runs, at "
        "gold/voyages/all/part-0.<version>.parquet."
    ),
    columns=(
        ("voyage_id", "VARCHAR", "<mmsi>[.<transmitter> from 2]-<departure (or arrival)>"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("origin_port", "VARCHAR", "port it left; NULL: before the lake saw it"),
        ("destination_port", "VARCHAR", "port it reached; NULL: still at sea"),
        ("departure", "TIMESTAMP", "departure from the origin visit"),
        ("arrival", "TIMESTAMP", "arrival of the destination visit"),
        ("duration_hours", "DOUBLE", "arrival - departure, hours (NULL if an end is open)"),
        ("distance_nm", "DOUBLE", "distance sailed between the two visits, nm"),
        ("max_gap_hours", "DOUBLE", "longest silence between runs on the way, hours"),
        ("origin_visit_id", "VARCHAR", "port_visits.visit_id it left"),
        ("destination_visit_id", "VARCHAR", "port_visits.visit_id it reached"),
    ),
    partitioning="history",
    reads=("port_visits", "vessel_runs"),
    measures=lambda p: {
        "duplicate_voyages": dup("voyage_id"),
        "rows_out_of_range": "count(*) FILTER (WHERE arrival < departure OR distance_nm < 0 "
        "OR (origin_port IS NULL AND destination_port IS NULL))",
    },
    summary=voyages_figures,
)
