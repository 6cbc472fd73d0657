"""The gold products: name, what each row is, its columns, and the measurements its check wants
to be zero. The SQL that builds each is in ``aislake.lake.gold``."""

from collections.abc import Callable
from dataclasses import dataclass

from aislake.lake.gold import GoldParams
from aislake.lake.motion import implied_speed_sql

Columns = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class GoldProduct:
    name: str
    description: str
    columns: Columns
    measures_for: Callable[[GoldParams], dict[str, str]]

    def measures_sql(self, params: GoldParams) -> dict[str, str]:
        """Measurement name -> SQL aggregate over the partition; each must come out zero."""
        return self.measures_for(params)

    @property
    def measures(self) -> list[str]:
        return list(self.measures_for(GoldParams()))


def _dup(keys: str) -> str:
    return f"count(*) - count(DISTINCT ({keys}))"


PRODUCTS: tuple[GoldProduct, ...] = (
    GoldProduct(
        "ais_daily_summary",
        "Per day and ship type: vessels, messages, distance sailed and hours under way, at "
        "gold/ais_daily_summary/dt=YYYY-MM-DD/part-0.<version>.parquet.",
        (
            ("dt", "DATE", "the day (UTC)"),
            ("ship_type", "VARCHAR", "vessel's most reported ship type (or mobile type)"),
            ("vessels", "INTEGER", "distinct MMSIs"),
            ("messages", "BIGINT", "silver positions"),
            ("distance_nm", "DOUBLE", "distance sailed, nautical miles"),
            ("hours_under_way", "DOUBLE", "hours with SOG >= 0.5 kn"),
        ),
        lambda p: {
            "duplicate_ship_types": _dup("ship_type"),
            "rows_out_of_range": "count(*) FILTER (WHERE vessels <= 0 OR messages <= 0 "
            "OR distance_nm < 0 OR hours_under_way < 0 OR hours_under_way > 24 * vessels)",
        },
    ),
    GoldProduct(
        "vessel_registry",
        "One row per vessel (Class A/B, of a ship's MMSI form) seen on the day with its resolved "
        "static data, first and last seen and message counts, at "
        "gold/vessel_registry/dt=YYYY-MM-DD/part-0.<version>.parquet.",
        (
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
        ),
        lambda p: {
            "duplicate_mmsi": _dup("mmsi"),
            "rows_out_of_range": "count(*) FILTER (WHERE last_seen < first_seen OR length < 0 "
            "OR width < 0 OR draught < 0 OR mid NOT BETWEEN 201 AND 775)",
        },
    ),
    GoldProduct(
        "vessel_tracks",
        "Per ship and day, its track in segments (cut at gaps and impossible speeds) with "
        "extent, distance, SOG and a simplified WKT line, at "
        "gold/vessel_tracks/dt=YYYY-MM-DD/part-0.<version>.parquet.",
        (
            ("dt", "DATE", "the day (UTC)"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
            ("segment", "INTEGER", "1, 2, ... within the ship's day"),
            ("start_ts", "TIMESTAMP", "first position of the segment"),
            ("end_ts", "TIMESTAMP", "last position of the segment"),
            ("points", "INTEGER", "positions in the segment"),
            ("distance_nm", "DOUBLE", "distance sailed along the resampled positions, nm"),
            ("mean_sog", "DOUBLE", "mean reported SOG, knots"),
            ("max_sog", "DOUBLE", "largest reported SOG, knots"),
            ("geometry_wkt", "VARCHAR", "LINESTRING (lon lat, ...) simplified; POINT if one"),
        ),
        lambda p: {
            "duplicate_segments": _dup("mmsi, segment"),
            # The motion rules' own speed: over at least their minimum span (two receivers a
            # second apart are not 70 kn).
            "faster_than_limit": "count(*) FILTER (WHERE points > 1 AND "
            f"{implied_speed_sql('distance_nm', 'epoch(end_ts - start_ts)', p.motion())}"
            f" > {p.max_speed_kn})",
            "rows_out_of_range": "count(*) FILTER (WHERE end_ts < start_ts OR points < 1 "
            "OR distance_nm < 0)",
        },
    ),
    GoldProduct(
        "port_calls",
        "Stops of ships (slow for long enough, in one place) with arrival, departure, duration, "
        "position, nearest bundled port and moored / at anchor, at "
        "gold/port_calls/dt=YYYY-MM-DD/part-0.<version>.parquet.",
        (
            ("dt", "DATE", "the day (UTC)"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
            ("arrival", "TIMESTAMP", "first still position"),
            ("departure", "TIMESTAMP", "last still position"),
            ("duration_minutes", "DOUBLE", "departure - arrival"),
            ("points", "INTEGER", "positions during the stop"),
            ("lat", "DOUBLE", "mean latitude of the stop"),
            ("lon", "DOUBLE", "mean longitude of the stop"),
            ("port", "VARCHAR", "nearest port of the bundled list"),
            ("port_distance_nm", "DOUBLE", "distance to that port, nm"),
            ("stop_type", "VARCHAR", "'moored', 'at_anchor' or 'stopped'"),
            ("arrival_clipped", "BOOLEAN", "the stop began before the day (or its first report)"),
            ("departure_clipped", "BOOLEAN", "the stop goes on after the day's last report"),
        ),
        lambda p: {
            "duplicate_calls": _dup("mmsi, arrival"),
            "shorter_than_minimum": "count(*) FILTER "
            f"(WHERE duration_minutes < {p.stop_min_minutes})",
            "rows_out_of_range": "count(*) FILTER (WHERE departure < arrival OR points < 2 "
            "OR port_distance_nm < 0)",
        },
    ),
    GoldProduct(
        "traffic_density",
        "Per grid cell and ship type: distinct vessels and messages, with a PNG heatmap beside "
        "the data, at gold/traffic_density/dt=YYYY-MM-DD/ (part-0.<version>.parquet, heatmap.png).",
        (
            ("dt", "DATE", "the day (UTC)"),
            ("cell_y", "INTEGER", "floor(lat / grid_deg)"),
            ("cell_x", "INTEGER", "floor(lon / grid_deg)"),
            ("cell_lat", "DOUBLE", "south edge of the cell"),
            ("cell_lon", "DOUBLE", "west edge of the cell"),
            ("ship_type", "VARCHAR", "vessel's most reported ship type (or mobile type)"),
            ("vessels", "INTEGER", "distinct MMSIs in the cell"),
            ("messages", "BIGINT", "positions in the cell"),
        ),
        lambda p: {
            "duplicate_cells": _dup("cell_y, cell_x, ship_type"),
            "rows_out_of_range": "count(*) FILTER (WHERE vessels <= 0 OR messages < vessels "
            "OR abs(cell_lat) > 90 OR abs(cell_lon) > 180)",
        },
    ),
)
