"""The gold product ``vessel_registry_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.figures import dup
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="vessel_registry",
    row="a vessel seen that day, with its static data",
    description=(
        "One row per vessel (Class A/B, of a ship's MMSI form) seen on the day with its "
        "resolved static data, first and last seen and message counts, at "
        "gold/vessel_registry/dt=YYYY-MM-DD/part-0.<version>.parquet."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("mobile_type", "VARCHAR", "'Class A' or 'Class B'"),
        ("name", "VARCHAR", "most reported name"),
        ("callsign", "VARCHAR", "most reported call sign"),
        ("imo", "INTEGER", "most reported IMO number"),
        ("ship_type", "VARCHAR", "most reported ship type"),
        ("length", "DOUBLE", "most reported length (or A+B), metres"),
        ("width", "DOUBLE", "most reported width (or C+D), metres"),
        ("draught", "DOUBLE", "latest reported draught, metres"),
        ("destination", "VARCHAR", "latest reported destination"),
        ("station_kind", "VARCHAR", "what the MMSI's form says: 'ship' or 'craft_with_parent'"),
        ("mid", "SMALLINT", "Maritime Identification Digits: the flag state's code"),
        ("first_seen", "TIMESTAMP", "first position of the day"),
        ("last_seen", "TIMESTAMP", "last position of the day"),
        ("positions", "BIGINT", "positions in silver"),
        ("static_reports", "BIGINT", "static-only reports (lat 91 / lon 181 rows)"),
        ("transmitters", "SMALLINT", "ships the MMSI showed at once (NULL: no position)"),
        ("shared_mmsi", "BOOLEAN", "several ships at once: a shared, default or spoofed MMSI"),
        ("transmitter_names", "VARCHAR[]", "where several: each one's most reported name"),
    ),
    partitioning="daily",
    reads=("silver", "vessel_positions"),
    measures=lambda p: {
        "duplicate_mmsi": dup("mmsi"),
        "rows_out_of_range": "count(*) FILTER (WHERE last_seen < first_seen OR length < 0 "
        "OR width < 0 OR draught < 0 OR mid NOT BETWEEN 201 AND 775 OR transmitters < 1 "
        "OR shared_mmsi <> coalesce(transmitters > 1, FALSE) "
        "OR len(transmitter_names) <> transmitters)",
    },
)
