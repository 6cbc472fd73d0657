"""The gold product ``vessel_tracks_gold``: its one definition."""

from __future__ import annotations

from aislake.ais.motion import implied_speed_sql
from aislake.gold.figures import dup
from aislake.gold.geometry import Geometry
from aislake.gold.spec import GoldProduct

PRODUCT = GoldProduct(
    name="vessel_tracks",
    row="a track segment of a vessel's day, with its line",
    description=(
        "Per ship (an MMSI's transmitter) and day, its track in segments (cut at gaps and "
        "impossible speeds) with extent, distance, SOG and a simplified WKT line, at "
        "gold/vessel_tracks/dt=YYYY-MM-DD/part-<n>.<version>.parquet."
    ),
    columns=(
        ("dt", "DATE", "the day (UTC)"),
        ("mmsi", "INTEGER", "the ship's MMSI"),
        ("transmitter", "SMALLINT", "1, 2, ...: the ship among those the MMSI showed at once"),
        ("segment", "INTEGER", "1, 2, ... within the transmitter's day"),
        ("start_ts", "TIMESTAMP", "first position of the segment"),
        ("end_ts", "TIMESTAMP", "last position of the segment"),
        ("points", "INTEGER", "positions in the segment"),
        ("distance_nm", "DOUBLE", "distance sailed along the resampled positions, nm"),
        ("mean_sog", "DOUBLE", "mean reported SOG, knots"),
        ("max_sog", "DOUBLE", "largest reported SOG, knots"),
        ("geometry_wkt", "VARCHAR", "LINESTRING (lon lat, ...) simplified; POINT if one"),
    ),
    partitioning="daily",
    reads=("vessel_positions",),
    measures=lambda p: {
        "duplicate_segments": dup("mmsi, transmitter, segment"),
        # The motion rules' own speed: over at least their minimum span (two receivers a
        # second apart are not 70 kn).
        "faster_than_limit": "count(*) FILTER (WHERE points > 1 AND "
        f"{implied_speed_sql('distance_nm', 'epoch(end_ts - start_ts)', p.motion())}"
        f" > {p.max_speed_kn})",
        "rows_out_of_range": "count(*) FILTER (WHERE end_ts < start_ts OR points < 1 "
        "OR distance_nm < 0)",
    },
    spatial=True,
    bucketed=True,
    geometry=Geometry(
        "ST_GeomFromText(geometry_wkt)",
        ("LineString", "Point"),
        "the segment's simplified line (a point if one position)",
    ),
)
