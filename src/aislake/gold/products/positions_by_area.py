"""The gold product ``positions_by_area_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.products import vessel_positions
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="positions_by_area",
    row="a vessel position (vessel_positions' row), the file ordered by place",
    description=(
        "The day's vessel_positions laid out for area queries: ordered along a Hilbert curve "
        "over longitude/latitude, so that each row group covers a small area and a box (a "
        "strait, a port) reads the few row groups whose statistics meet it (on lat and lon: "
        "no geometry column, which would more than double the bytes of a point), at "
        "gold/positions_by_area/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=vessel_positions.PRODUCT.columns,
    partitioning="daily",
    reads=("vessel_positions",),
    measures=lambda p: {
        "rows_out_of_range": "count(*) FILTER (WHERE abs(lat) > 90 OR abs(lon) > 180)",
    },
    spatial=True,
    # A quarter of DuckDB's default: each row group a smaller area. On a simulated month the
    # Great Belt then reads 17 % of the bytes instead of 40 %, the files 2 % larger
    # (bench/area_bench.py, docs/benchmarks.md).
    row_group_size=30_720,
)
