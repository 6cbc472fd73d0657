"""The gold product ``anchorages_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import anchorage_figures, dup
from aislake.gold.geometry import POINT
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="anchorages",
    row="a place where ships stop, and its port",
    description=(
        "Where ships stop, as Global Fishing Watch derives anchorages: cells where at least "
        "anchorage_min_vessels distinct vessels stopped, named after the nearest known port; "
        "bundled ports stand in where the lake has none. Rebuilt from every day's vessel_stops,"
        " at gold/anchorages/all/part-0.<version>.parquet."
    ),
    columns=(
        ("anchorage_id", "VARCHAR", "lake:<cell m>:<x>:<y> or port:<name>"),
        ("port", "VARCHAR", "the port it belongs to (nearest known port, or its position)"),
        ("source", "VARCHAR", "'lake' (from the lake's stops) or 'port_list' (bundled)"),
        ("lat", "DOUBLE", "mean latitude of the stops (or the port's)"),
        ("lon", "DOUBLE", "mean longitude of the stops (or the port's)"),
        ("vessels", "INTEGER", "distinct vessels that stopped there"),
        ("stops", "INTEGER", "stops there"),
        ("nearest_port", "VARCHAR", "nearest port of the bundled list"),
        ("nearest_port_km", "DOUBLE", "distance to it, km"),
    ),
    partitioning="history",
    reads=("vessel_stops",),
    measures=lambda p: {
        "duplicate_anchorages": dup("anchorage_id"),
        "rows_out_of_range": "count(*) FILTER (WHERE abs(lat) > 90 OR abs(lon) > 180 OR "
        f"(source = 'lake' AND vessels < {p.anchorage_min_vessels}))",
    },
    summary=anchorage_figures,
    spatial=True,
    geometry=POINT,
)
