"""The gold product ``port_visits_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup, visits_figures
from aislake.gold.geometry import POINT
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="port_visits",
    row="a port visit, however many days it spans (GFW)",
    description=(
        "Port visits as Global Fishing Watch defines them (entry within 3 km of an anchorage, "
        "exit beyond 4 km, a stop or a port gap as evidence, confidence 2-4), one row per visit"
        " however many days it spans; rebuilt from every day's vessel_runs, at "
        "gold/port_visits/all/part-0.<version>.parquet."
    ),
    columns=(
        ("visit_id", "VARCHAR", "<mmsi>[.<transmitter> from 2]-<arrival>"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("port", "VARCHAR", "the port (anchorages' name)"),
        ("arrival", "TIMESTAMP", "first position within entry distance"),
        ("departure", "TIMESTAMP", "last position before leaving; NULL: still in port"),
        ("last_seen", "TIMESTAMP", "last position of the visit"),
        ("duration_hours", "DOUBLE", "last_seen - arrival, hours"),
        ("lat", "DOUBLE", "where it first stopped (else where it entered)"),
        ("lon", "DOUBLE", "where it first stopped (else where it entered)"),
        ("positions", "BIGINT", "positions during the visit"),
        ("stopped_hours", "DOUBLE", "hours stopped (below 0.2 kn until above 0.5 kn)"),
        ("max_gap_hours", "DOUBLE", "longest silence during the visit, hours"),
        ("entry_observed", "BOOLEAN", "the lake saw the vessel before it entered"),
        ("exit_observed", "BOOLEAN", "the lake saw the vessel leave"),
        ("confidence", "TINYINT", "GFW's: 2 evidence only, 3 and entry or exit, 4 and both"),
    ),
    partitioning="history",
    reads=("vessel_runs",),
    measures=lambda p: {
        "duplicate_visits": dup("visit_id"),
        "rows_out_of_range": "count(*) FILTER (WHERE departure < arrival OR last_seen < "
        "arrival OR confidence NOT BETWEEN 2 AND 4 OR positions < 1 "
        "OR (departure IS NULL) = exit_observed)",
    },
    summary=visits_figures,
    geometry=POINT,
)
