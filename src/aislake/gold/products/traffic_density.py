"""The gold product ``traffic_density_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import DENSITY_COLUMNS, density_figures, density_measures
from aislake.gold.geometry import Geometry
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="traffic_density",
    row="a 1 km cell and ship type: vessel hours that day",
    description=(
        "Vessel density in hours (EMODnet's method) per 1 km cell of EPSG:3035 and ship type, "
        "with distinct vessels and positions, and a PNG heatmap of the hours beside the data, "
        "at gold/traffic_density/dt=YYYY-MM-DD/ (part-0.<version>.parquet, heatmap.png)."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        *DENSITY_COLUMNS,
        ("vessels", "INTEGER", "distinct MMSIs with a position in the cell"),
        ("messages", "BIGINT", "positions in the cell"),
    ),
    partitioning="daily",
    reads=("vessel_positions",),
    measures=lambda p: density_measures(p, "messages < vessels"),
    summary=density_figures("traffic density"),
    spatial=True,
    geometry=Geometry(
        "ST_Transform(ST_MakeEnvelope(cell_x * $density_cell_m, cell_y * $density_cell_m, "
        "(cell_x + 1) * $density_cell_m, (cell_y + 1) * $density_cell_m), "
        "'EPSG:3035', 'EPSG:4326', always_xy := TRUE)",
        ("Polygon",),
        "the cell (a square of EPSG:3035)",
    ),
)
