"""The gold product ``ais_daily_summary_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup, summary_figures
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="ais_daily_summary",
    row="a day and ship type: vessels, messages, distance, hours under way",
    description=(
        "Per day and ship type: vessels, messages, distance sailed and hours under way, at "
        "gold/ais_daily_summary/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        ("ship_type", "VARCHAR", "vessel's most reported ship type (or mobile type)"),
        ("vessels", "INTEGER", "distinct MMSIs"),
        ("messages", "BIGINT", "silver positions"),
        ("distance_nm", "DOUBLE", "distance sailed, nautical miles"),
        ("hours_under_way", "DOUBLE", "hours with SOG >= 0.5 kn"),
    ),
    partitioning="daily",
    reads=("silver", "vessel_positions"),
    measures=lambda p: {
        "duplicate_ship_types": dup("ship_type"),
        "rows_out_of_range": "count(*) FILTER (WHERE vessels <= 0 OR messages <= 0 "
        "OR distance_nm < 0 OR hours_under_way < 0 OR hours_under_way > 24 * vessels)",
    },
    summary=summary_figures,
)
