"""The gold product ``traffic_density_monthly_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import DENSITY_COLUMNS, density_figures, density_measures
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="traffic_density_monthly",
    row="a 1 km cell and ship type: vessel hours per km2 in the month",
    description=(
        "Vessel density in hours per km2 per month (EMODnet's unit), per 1 km cell of EPSG:3035"
        " and ship type: the month's days of traffic_density summed, at "
        "gold/traffic_density_monthly/month=YYYY-MM-01/ (part-0.<version>.parquet, heatmap.png)."
    ),
    columns=(
        ("month", "DATE", "the month's first day"),
        *DENSITY_COLUMNS,
        ("vessel_days", "BIGINT", "vessels seen in the cell, summed over the days"),
        ("messages", "BIGINT", "positions in the cell"),
        ("days", "INTEGER", "days of the month the cell has traffic"),
    ),
    partitioning="monthly",
    reads=("traffic_density",),
    measures=lambda p: density_measures(p, "days NOT BETWEEN 1 AND 31"),
    summary=density_figures("traffic density, month of"),
)
