"""The gold product ``close_quarters_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import close_quarters_figures, dup
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="close_quarters",
    row="two vessels under way predicted to pass within 0.5 nm within 6 minutes",
    description=(
        "Close-quarters situations: two vessels under way whose courses and speeds made good "
        "predict a closest point of approach (CPA) under 0.5 nm within 6 minutes (TCPA), from "
        "each vessel's position a minute, found on a grid of 2 nm cells; with the first alert "
        "and the closest the two then came; one row on the day it is known to have ended "
        "(across midnight too), at gold/close_quarters/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=(
        ("situation_id", "VARCHAR", "<mmsi_a>[.<t_a>]-<mmsi_b>[.<t_b>]-<alert>: .<t> from 2"),
        ("dt", "DATE", "the day it is reported: known to have ended (UTC)"),
        ("mmsi_a", "INTEGER", "the smaller MMSI of the pair"),
        ("transmitter_a", "SMALLINT", "its ship among those the MMSI showed at once (1, 2, ...)"),
        ("mmsi_b", "INTEGER", "the larger (two ships under one MMSI are never paired)"),
        ("transmitter_b", "SMALLINT", "its ship among those the MMSI showed at once"),
        ("alert_ts", "TIMESTAMP", "first minute the CPA and TCPA were both under their limits"),
        ("tcpa_minutes", "DOUBLE", "TCPA then, minutes"),
        ("predicted_cpa_nm", "DOUBLE", "CPA predicted then, nm"),
        ("alert_range_nm", "DOUBLE", "distance between the two then, nm"),
        ("cpa_ts", "TIMESTAMP", "the minute they were closest"),
        ("cpa_nm", "DOUBLE", "their distance then (the CPA they came to), nm"),
        ("sog_a", "DOUBLE", "SOG of mmsi_a then, knots"),
        ("sog_b", "DOUBLE", "SOG of mmsi_b then, knots"),
        ("course_a", "DOUBLE", "course made good of mmsi_a then, degrees"),
        ("course_b", "DOUBLE", "course made good of mmsi_b then, degrees"),
        ("lat", "DOUBLE", "midpoint latitude then"),
        ("lon", "DOUBLE", "midpoint longitude then"),
    ),
    partitioning="daily",
    follows_midnight=True,
    rare=True,
    reads=("vessel_positions",),
    measures=lambda p: {
        "duplicate_situations": dup("situation_id"),
        "self_pairs": "count(*) FILTER (WHERE mmsi_a >= mmsi_b)",
        "rows_out_of_range": "count(*) FILTER (WHERE cpa_ts < alert_ts OR cpa_nm < 0 "
        f"OR tcpa_minutes < 0 OR tcpa_minutes > {p.cq_tcpa_minutes} "
        # predicted_cpa_nm is rounded to 3 decimals: a CPA just under the limit reads as it
        f"OR predicted_cpa_nm > {p.cq_cpa_nm})",
    },
    summary=close_quarters_figures,
)
