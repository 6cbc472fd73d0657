"""The gold product ``vessel_positions_gold``: its one definition."""

from __future__ import annotations

from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="vessel_positions",
    row="a vessel position with its transmitter, step, segment and distance leg",
    description=(
        "The day's vessel positions (of a ship's MMSI form that reported as Class A/B: every "
        "row of such an MMSI, whatever mobile type it carries) with their transmitter (an MMSI "
        "that showed several ships at once split by reachability; else 1, without the "
        "positions silver flagged as jumps) and motion: the step from the position before, the "
        "track segment and the resampled distance leg, sorted by (mmsi, transmitter, ts) in "
        "each file (a large day is built a share of the ships at a time, a file each); "
        "computed once, read by tracks, runs, stops, density, the summary and the events, at "
        "gold/vessel_positions/dt=YYYY-MM-DD/part-N.<version>.parquet."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("ts", "TIMESTAMP", "time of the position (UTC)"),
        ("lat", "DOUBLE", "latitude, WGS84"),
        ("lon", "DOUBLE", "longitude, WGS84"),
        ("sog", "DOUBLE", "reported speed over ground, knots"),
        ("nav_status", "VARCHAR", "navigational status the position reported"),
        ("ship_type", "VARCHAR", "ship type the position reported"),
        ("mobile_type", "VARCHAR", "'Class A' or 'Class B' (NULL where DMA wrote Undefined)"),
        ("segment", "INTEGER", "1, 2, ... within the transmitter's day (vessel_tracks' segment)"),
        ("cut", "BOOLEAN", "the position starts a segment"),
        ("step_s", "DOUBLE", "seconds since the ship's position before (NULL: the first)"),
        ("step_nm", "DOUBLE", "great-circle distance from it, nm"),
        ("leg_nm", "DOUBLE", "resampled distance leg ending here, nm (NULL: not resampled)"),
    ),
    partitioning="daily",
    reads=("silver",),
    bucketed=True,
    measures=lambda p: {
        "rows_out_of_range": "count(*) FILTER (WHERE segment < 1 OR transmitter < 1 OR step_s < 0 "
        "OR step_nm < 0 OR leg_nm < 0 OR abs(lat) > 90 OR abs(lon) > 180)",
        "gaps_not_cut": "count(*) FILTER "
        "(WHERE (step_s IS NULL AND NOT cut) "
        f"OR (step_s > {p.track_max_gap_minutes * 60} AND NOT cut))",
    },
)
