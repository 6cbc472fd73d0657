"""The gold product ``vessel_stops_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup, stops_figures
from aislake.gold.geometry import POINT
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="vessel_stops",
    row="a stop within the day (clipped at midnight)",
    description=(
        "A day's stops of ships (slow for long enough, in one place), clipped to the day, with "
        "the nearest bundled port and moored / at anchor: the evidence anchorages are derived "
        "from, at gold/vessel_stops/dt=YYYY-MM-DD/part-0.<version>.parquet. Port visits across "
        "days are port_visits."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("arrival", "TIMESTAMP", "first still position"),
        ("departure", "TIMESTAMP", "last still position"),
        ("duration_minutes", "DOUBLE", "departure - arrival"),
        ("points", "INTEGER", "positions during the stop"),
        ("lat", "DOUBLE", "mean latitude of the stop"),
        ("lon", "DOUBLE", "mean longitude of the stop"),
        ("port", "VARCHAR", "nearest port of the bundled list"),
        ("port_distance_nm", "DOUBLE", "distance to that port, nm"),
        ("stop_type", "VARCHAR", "'moored', 'at_anchor' or 'stopped'"),
        ("arrival_clipped", "BOOLEAN", "the stop began before the day (or its first report)"),
        ("departure_clipped", "BOOLEAN", "the stop goes on after the day's last report"),
    ),
    partitioning="daily",
    reads=("vessel_positions",),
    measures=lambda p: {
        "duplicate_stops": dup("mmsi, transmitter, arrival"),
        "shorter_than_minimum": f"count(*) FILTER (WHERE duration_minutes < {p.stop_min_minutes})",
        "rows_out_of_range": "count(*) FILTER (WHERE departure < arrival OR points < 2 "
        "OR port_distance_nm < 0)",
    },
    summary=stops_figures,
    geometry=POINT,
)
