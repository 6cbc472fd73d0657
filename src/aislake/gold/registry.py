"""Every gold product, defined once: name, what a row is, columns, partitioning, what it reads,
its SQL, the measurements its checks want to be zero, and the figures the UI shows.

The Dagster assets and checks (``defs/gold``), the lake's query views (``query/views.py``),
the CLI's help and the tests all loop over :data:`PRODUCTS`; :func:`build_product` builds any
of them. A product's ``code_version`` is a hash of its SQL (and the macros it may call), so it
changes when the SQL does.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import duckdb

from aislake.ais.motion import implied_speed_sql
from aislake.duck.engine import MACROS, SPATIAL_MACROS, load_spatial
from aislake.duck.sql import keys_literal
from aislake.gold.core import (
    GoldParams,
    GoldResult,
    Inputs,
    day_files,
    empty_relation,
    write_gold,
)
from aislake.gold.daily import (
    TRACK_BUCKET_POSITIONS,
    daily_summary_sql,
    vessel_positions_sql,
    vessel_registry_sql,
    vessel_stops_sql,
    vessel_tracks_sql,
)
from aislake.gold.density import traffic_density_monthly_sql, traffic_density_sql
from aislake.gold.movements import (
    ais_gaps_sql,
    anchorages_sql,
    port_visits_sql,
    vessel_runs_sql,
    voyages_sql,
)
from aislake.storage.layout import gold_partition_prefix
from aislake.storage.pointers import dataset_keys, partition_keys
from aislake.storage.store import ObjectStore

Columns = tuple[tuple[str, str, str], ...]
Partitioning = Literal["daily", "monthly", "history"]
# A figure for the UI: ("md" | "json" | "int" | "float" | "heatmap", value). A heatmap's value
# is (cells as (cell_y, cell_x, value), cell metres, title, unit).
Figure = tuple[str, object]
Summary = Callable[[duckdb.DuckDBPyConnection, str, GoldParams], dict[str, Figure]]


class NoInputError(RuntimeError):
    """A product was asked for a partition whose input is not in the lake yet."""


@dataclass(frozen=True, kw_only=True)
class GoldProduct:
    name: str
    description: str
    row: str  # what a row is, in a phrase (docs/gold.md's overview)
    columns: Columns
    partitioning: Partitioning
    reads: tuple[str, ...]  # "silver" and the products it is built from
    sql: Callable[[Inputs], str | list[str]]
    measures: Callable[[GoldParams], dict[str, str]]
    summary: Summary | None = None
    spatial: bool = False  # needs DuckDB's spatial extension
    bucketed: bool = False  # built a share of the vessels at a time (see vessel_tracks_sql)

    @property
    def asset(self) -> str:
        return f"{self.name}_gold"

    @property
    def measure_names(self) -> list[str]:
        return list(self.measures(GoldParams()))

    @property
    def code_version(self) -> str:
        """A hash of the product's SQL as its default parameters render it, and of the DuckDB
        macros it may call (``aislake/duck/*.sql``)."""
        sample = Inputs(
            dt.date(2000, 1, 1), GoldParams(), silver="<silver>", rejects="<rejects>",
            upstream={u: f"<{u}>" for u in self.reads}, buckets=1,
        )  # fmt: skip
        sql = self.sql(sample)
        text = sql if isinstance(sql, str) else "\n".join(sql)
        macros = MACROS.read_text() + SPATIAL_MACROS.read_text()
        return hashlib.sha256((text + macros).encode()).hexdigest()[:12]


def _dup(keys: str) -> str:
    return f"count(*) - count(DISTINCT ({keys}))"


def _table(con: duckdb.DuckDBPyConnection, sql: str, header: str) -> Figure:
    rows = con.execute(sql).fetchall()
    body = "\n".join("| " + " | ".join(_cell(v) for v in r) + " |" for r in rows)
    return ("md", f"{header}\n{body}")


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _summary_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "summary": _table(
            con,
            "SELECT ship_type, vessels, messages, distance_nm, hours_under_way FROM "
            f"{t} ORDER BY messages DESC",
            "| ship type | vessels | messages | nm | hours under way |\n|---|---:|---:|---:|---:|",
        )
    }


def _density_figures(title: str) -> Summary:
    def figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
        cells = con.execute(
            f"SELECT cell_y, cell_x, sum(hours) FROM {t} GROUP BY ALL HAVING sum(hours) > 0"
        ).fetchall()
        (hours,) = con.execute(f"SELECT coalesce(sum(hours), 0) FROM {t}").fetchone() or (0,)
        figures: dict[str, Figure] = {"cells": ("int", len(cells)), "hours": ("float", hours)}
        if cells:
            figures["heatmap"] = ("heatmap", (cells, p.density_cell_m, title, "vessel hours"))
        return figures

    return figures


def _stops_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    rows = con.execute(
        f"SELECT port, count(*) FROM {t} WHERE port_distance_nm <= 1 GROUP BY ALL "
        "ORDER BY 2 DESC, 1 LIMIT 10"
    ).fetchall()
    return {"stops_by_port": ("json", dict(rows))}


def _visits_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "visits_by_port": _table(
            con,
            f"SELECT port, count(*), count(*) FILTER (WHERE departure IS NULL), "
            f"round(median(duration_hours), 1) FROM {t} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15",
            "| port | visits | in port now | median hours |\n|---|---:|---:|---:|",
        ),
        "by_confidence": ("json", _counts(con, f"SELECT confidence, count(*) FROM {t} GROUP BY 1")),
    }


def _voyages_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "routes": _table(
            con,
            f"SELECT coalesce(origin_port, '?'), coalesce(destination_port, '(at sea)'), "
            f"count(*), round(median(distance_nm), 1) FROM {t} GROUP BY 1, 2 "
            "ORDER BY 3 DESC, 1, 2 LIMIT 15",
            "| from | to | voyages | median nm |\n|---|---|---:|---:|",
        )
    }


def _gaps_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "longest": _table(
            con,
            f"SELECT mmsi, gap_start, duration_hours, distance_nm FROM {t} "
            "ORDER BY duration_hours DESC, mmsi LIMIT 10",
            "| mmsi | dark from | hours | nm |\n|---:|---|---:|---:|",
        )
    }


def _anchorage_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {"by_source": ("json", _counts(con, f"SELECT source, count(*) FROM {t} GROUP BY 1"))}


def _counts(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in sorted(con.execute(sql).fetchall())}


DENSITY_COLUMNS: Columns = (
    ("cell_x", "INTEGER", "easting of the cell's west edge / cell size (EPSG:3035)"),
    ("cell_y", "INTEGER", "northing of the cell's south edge / cell size (EPSG:3035)"),
    ("cell_code", "VARCHAR", "INSPIRE cell identifier, CRS3035RES1000mN...E..."),
    ("lat", "DOUBLE", "latitude of the cell's centre (WGS84)"),
    ("lon", "DOUBLE", "longitude of the cell's centre (WGS84)"),
    ("ship_type", "VARCHAR", "vessel's most reported ship type that day"),
    ("hours", "DOUBLE", "vessel hours in the cell"),
    ("hours_per_km2", "DOUBLE", "hours / the cell's area in km2 (EMODnet's unit)"),
)
DENSITY_CHECKS = (
    "count(*) FILTER (WHERE hours < 0 OR messages < 0 OR abs(lat) > 90 OR abs(lon) > 180)"
)


def _area_mismatch(p: GoldParams) -> str:
    """SQL: the row's hours per km2 is not its hours over the cell's area."""
    return f"abs(hours_per_km2 * {(p.density_cell_m / 1000) ** 2} - hours) > 0.001"


PRODUCTS: tuple[GoldProduct, ...] = (
    GoldProduct(
        name="vessel_positions",
        row="a vessel position with its step, segment and distance leg",
        description=(
            "The day's vessel positions (of a ship's MMSI form that reported as Class A/B: every "
            "row of such a transmitter, whatever mobile type it carries; not flagged as a position "
            "jump) with their motion: the step from the position before, the track segment and the "
            "resampled distance leg, sorted by (mmsi, ts); computed once, read by tracks, runs, "
            "density and the summary, at "
            "gold/vessel_positions/dt=YYYY-MM-DD/part-0.<version>.parquet."
        ),
        columns=(
            ("dt", "DATE", "the day (UTC)"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
            ("ts", "TIMESTAMP", "time of the position (UTC)"),
            ("lat", "DOUBLE", "latitude, WGS84"),
            ("lon", "DOUBLE", "longitude, WGS84"),
            ("sog", "DOUBLE", "reported speed over ground, knots"),
            ("ship_type", "VARCHAR", "ship type the position reported"),
            ("mobile_type", "VARCHAR", "'Class A' or 'Class B' (NULL where DMA wrote Undefined)"),
            ("segment", "INTEGER", "1, 2, ... within the ship's day (vessel_tracks' segment)"),
            ("cut", "BOOLEAN", "the position starts a segment"),
            ("step_s", "DOUBLE", "seconds since the ship's position before (NULL: the first)"),
            ("step_nm", "DOUBLE", "great-circle distance from it, nm"),
            ("leg_nm", "DOUBLE", "resampled distance leg ending here, nm (NULL: not resampled)"),
        ),
        partitioning="daily",
        reads=("silver",),
        sql=lambda i: vessel_positions_sql(i.silver, i.date, i.params.motion()),
        measures=lambda p: {
            "rows_out_of_range": "count(*) FILTER (WHERE segment < 1 OR step_s < 0 "
            "OR step_nm < 0 OR leg_nm < 0 OR abs(lat) > 90 OR abs(lon) > 180)",
            "gaps_not_cut": "count(*) FILTER "
            "(WHERE (step_s IS NULL AND NOT cut) "
            f"OR (step_s > {p.track_max_gap_minutes * 60} AND NOT cut))",
        },
    ),
    GoldProduct(
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
        sql=lambda i: daily_summary_sql(
            i.silver,
            i.upstream["vessel_positions"],
            i.date,
            i.params.motion(),
        ),
        measures=lambda p: {
            "duplicate_ship_types": _dup("ship_type"),
            "rows_out_of_range": "count(*) FILTER (WHERE vessels <= 0 OR messages <= 0 "
            "OR distance_nm < 0 OR hours_under_way < 0 OR hours_under_way > 24 * vessels)",
        },
        summary=_summary_figures,
    ),
    GoldProduct(
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
        ),
        partitioning="daily",
        reads=("silver",),
        sql=lambda i: vessel_registry_sql(i.silver, i.rejects, i.date),
        measures=lambda p: {
            "duplicate_mmsi": _dup("mmsi"),
            "rows_out_of_range": "count(*) FILTER (WHERE last_seen < first_seen OR length < 0 "
            "OR width < 0 OR draught < 0 OR mid NOT BETWEEN 201 AND 775)",
        },
    ),
    GoldProduct(
        name="vessel_tracks",
        row="a track segment of a vessel's day, with its line",
        description=(
            "Per ship and day, its track in segments (cut at gaps and impossible speeds) with "
            "extent, distance, SOG and a simplified WKT line, at "
            "gold/vessel_tracks/dt=YYYY-MM-DD/part-<n>.<version>.parquet."
        ),
        columns=(
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
        partitioning="daily",
        reads=("vessel_positions",),
        sql=lambda i: [
            vessel_tracks_sql(
                i.upstream["vessel_positions"],
                i.date,
                i.params,
                (b, i.buckets),
            )
            for b in range(i.buckets)
        ],
        measures=lambda p: {
            "duplicate_segments": _dup("mmsi, segment"),
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
    ),
    GoldProduct(
        name="vessel_stops",
        row="a stop within the day (clipped at midnight)",
        description=(
            "A day's stops of ships (slow for long enough, in one place), clipped to the day, with "
            "the nearest bundled port and moored / at anchor: the evidence anchorages are derived "
            "from, at gold/vessel_stops/dt=YYYY-MM-DD/part-0.<version>.parquet. Port visits across "
            "days are port_visits."
        ),
        columns=(
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
        partitioning="daily",
        reads=("silver",),
        sql=lambda i: vessel_stops_sql(i.silver, i.date, i.params),
        measures=lambda p: {
            "duplicate_stops": _dup("mmsi, arrival"),
            "shorter_than_minimum": "count(*) FILTER "
            f"(WHERE duration_minutes < {p.stop_min_minutes})",
            "rows_out_of_range": "count(*) FILTER (WHERE departure < arrival OR points < 2 "
            "OR port_distance_nm < 0)",
        },
        summary=_stops_figures,
    ),
    GoldProduct(
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
        sql=traffic_density_sql,
        measures=lambda p: {
            "duplicate_cells": _dup("cell_x, cell_y, ship_type"),
            "rows_out_of_range": f"{DENSITY_CHECKS} + count(*) FILTER "
            f"(WHERE {_area_mismatch(p)} OR messages < vessels)",
        },
        summary=_density_figures("traffic density"),
        spatial=True,
    ),
    GoldProduct(
        name="traffic_density_monthly",
        row="a 1 km cell and ship type: vessel hours per km2 in the month",
        description=(
            "Vessel density in hours per km2 per month (EMODnet's unit), per 1 km cell of EPSG:3035"
            " and ship type: the month's days of traffic_density summed, at "
            "gold/traffic_density_monthly/month=YYYY-MM/ (part-0.<version>.parquet, heatmap.png)."
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
        sql=traffic_density_monthly_sql,
        measures=lambda p: {
            "duplicate_cells": _dup("cell_x, cell_y, ship_type"),
            "rows_out_of_range": f"{DENSITY_CHECKS} + count(*) FILTER "
            f"(WHERE days NOT BETWEEN 1 AND 31 OR {_area_mismatch(p)})",
        },
        summary=_density_figures("traffic density, month of"),
    ),
    GoldProduct(
        name="anchorages",
        row="a place where ships stop, and its port",
        description=(
            "Where ships stop, as Global Fishing Watch derives anchorages: cells where at least "
            "anchorage_min_vessels distinct vessels stopped, named after the nearest known port; "
            "bundled ports stand in where the lake has none. Rebuilt from every day's vessel_stops,"
            " at gold/anchorages/all/part-0.<version>.parquet."
        ),
        columns=(
            ("anchorage_id", "VARCHAR", "lake:<cell m>:<x>:<y> or port:<name>"),
            ("port", "VARCHAR", "the port it belongs to (nearest known port, or its position)"),
            ("source", "VARCHAR", "'lake' (from the lake's stops) or 'port_list' (bundled)"),
            ("lat", "DOUBLE", "mean latitude of the stops (or the port's)"),
            ("lon", "DOUBLE", "mean longitude of the stops (or the port's)"),
            ("vessels", "INTEGER", "distinct vessels that stopped there"),
            ("stops", "INTEGER", "stops there"),
            ("nearest_port", "VARCHAR", "nearest port of the bundled list"),
            ("nearest_port_km", "DOUBLE", "distance to it, km"),
        ),
        partitioning="history",
        reads=("vessel_stops",),
        sql=anchorages_sql,
        measures=lambda p: {
            "duplicate_anchorages": _dup("anchorage_id"),
            "rows_out_of_range": "count(*) FILTER (WHERE abs(lat) > 90 OR abs(lon) > 180 OR "
            f"(source = 'lake' AND vessels < {p.anchorage_min_vessels}))",
        },
        summary=_anchorage_figures,
        spatial=True,
    ),
    GoldProduct(
        name="vessel_runs",
        row="a vessel's run in a port or at sea within a day",
        description=(
            "Per vessel and day, its positions cut into runs in a port (entered within 3 km of an "
            "anchorage, left beyond 4 km) or at sea, and at silences of gap_min_hours: the pieces "
            "port visits, voyages and AIS gaps are stitched from, at "
            "gold/vessel_runs/dt=YYYY-MM-DD/part-0.<version>.parquet."
        ),
        columns=(
            ("dt", "DATE", "the day (UTC)"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
            ("run", "INTEGER", "1, 2, ... within the vessel's day"),
            ("port", "VARCHAR", "the port (anchorages' name) the run is in; NULL at sea"),
            (
                "entered",
                "BOOLEAN",
                "came within entry distance (false: the day began between entry and exit distance)",
            ),
            ("start_ts", "TIMESTAMP", "first position"),
            ("end_ts", "TIMESTAMP", "last position"),
            ("positions", "INTEGER", "positions in the run"),
            ("start_lat", "DOUBLE", "first position's latitude"),
            ("start_lon", "DOUBLE", "first position's longitude"),
            ("start_sog", "DOUBLE", "first position's SOG"),
            ("end_lat", "DOUBLE", "last position's latitude"),
            ("end_lon", "DOUBLE", "last position's longitude"),
            ("end_sog", "DOUBLE", "last position's SOG"),
            ("start_stopped", "BOOLEAN", "stopped at its first position"),
            ("end_stopped", "BOOLEAN", "stopped at its last position"),
            ("distance_nm", "DOUBLE", "distance sailed within the run (the motion rules), nm"),
            ("stop_ts", "TIMESTAMP", "first position stopped (below 0.2 kn); NULL if none"),
            ("stop_lat", "DOUBLE", "its latitude"),
            ("stop_lon", "DOUBLE", "its longitude"),
            ("stopped_hours", "DOUBLE", "hours between consecutive stopped positions"),
            ("max_gap_hours", "DOUBLE", "longest time between two of its positions"),
        ),
        partitioning="daily",
        reads=("vessel_positions", "anchorages"),
        sql=vessel_runs_sql,
        measures=lambda p: {
            "duplicate_runs": _dup("mmsi, run"),
            "rows_out_of_range": "count(*) FILTER (WHERE end_ts < start_ts OR positions < 1 "
            f"OR distance_nm < 0 OR max_gap_hours >= {p.gap_min_hours} "
            "OR (entered AND port IS NULL))",
        },
    ),
    GoldProduct(
        name="port_visits",
        row="a port visit, however many days it spans (GFW)",
        description=(
            "Port visits as Global Fishing Watch defines them (entry within 3 km of an anchorage, "
            "exit beyond 4 km, a stop or a port gap as evidence, confidence 2-4), one row per visit"
            " however many days it spans; rebuilt from every day's vessel_runs, at "
            "gold/port_visits/all/part-0.<version>.parquet."
        ),
        columns=(
            ("visit_id", "VARCHAR", "<mmsi>-<arrival>"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
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
        sql=port_visits_sql,
        measures=lambda p: {
            "duplicate_visits": _dup("visit_id"),
            "rows_out_of_range": "count(*) FILTER (WHERE departure < arrival OR last_seen < "
            "arrival OR confidence NOT BETWEEN 2 AND 4 OR positions < 1 "
            "OR (departure IS NULL) = exit_observed)",
        },
        summary=_visits_figures,
    ),
    GoldProduct(
        name="voyages",
        row="a voyage from one port visit to the next (GFW)",
        description=(
            "Voyages as Global Fishing Watch defines them: from a port visit's departure to the "
            "vessel's next visit's arrival, with distance; an end the lake has not seen is NULL. "
            "Rebuilt from port_visits and vessel_runs, at "
            "gold/voyages/all/part-0.<version>.parquet."
        ),
        columns=(
            ("voyage_id", "VARCHAR", "<mmsi>-<departure (or arrival)>"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
            ("origin_port", "VARCHAR", "port it left; NULL: before the lake saw it"),
            ("destination_port", "VARCHAR", "port it reached; NULL: still at sea"),
            ("departure", "TIMESTAMP", "departure from the origin visit"),
            ("arrival", "TIMESTAMP", "arrival of the destination visit"),
            ("duration_hours", "DOUBLE", "arrival - departure, hours (NULL if an end is open)"),
            ("distance_nm", "DOUBLE", "distance sailed between the two visits, nm"),
            ("max_gap_hours", "DOUBLE", "longest silence between runs on the way, hours"),
            ("origin_visit_id", "VARCHAR", "port_visits.visit_id it left"),
            ("destination_visit_id", "VARCHAR", "port_visits.visit_id it reached"),
        ),
        partitioning="history",
        reads=("port_visits", "vessel_runs"),
        sql=voyages_sql,
        measures=lambda p: {
            "duplicate_voyages": _dup("voyage_id"),
            "rows_out_of_range": "count(*) FILTER (WHERE arrival < departure OR distance_nm < 0 "
            "OR (origin_port IS NULL AND destination_port IS NULL))",
        },
        summary=_voyages_figures,
    ),
    GoldProduct(
        name="ais_gaps",
        row="a silence of 6 h or more while under way",
        description=(
            "AIS gaps ('going dark'): a vessel under way whose reports stop for gap_min_hours or "
            "more (6 h by default), with its positions before and after, across midnight and days; "
            "rebuilt from every day's vessel_runs, at gold/ais_gaps/all/part-0.<version>.parquet."
        ),
        columns=(
            ("gap_id", "VARCHAR", "<mmsi>-<gap_start>"),
            ("mmsi", "INTEGER", "the ship's MMSI"),
            ("gap_start", "TIMESTAMP", "last position before the silence"),
            ("gap_end", "TIMESTAMP", "first position after it"),
            ("duration_hours", "DOUBLE", "gap_end - gap_start, hours"),
            ("start_lat", "DOUBLE", "latitude before"),
            ("start_lon", "DOUBLE", "longitude before"),
            ("start_sog", "DOUBLE", "SOG before"),
            ("end_lat", "DOUBLE", "latitude after"),
            ("end_lon", "DOUBLE", "longitude after"),
            ("end_sog", "DOUBLE", "SOG after"),
            ("distance_nm", "DOUBLE", "great-circle distance between the two positions, nm"),
            ("implied_speed_kn", "DOUBLE", "distance / duration"),
            ("start_port", "VARCHAR", "port it was in when it went dark; NULL at sea"),
            ("end_port", "VARCHAR", "port it was in when it reappeared; NULL at sea"),
        ),
        partitioning="history",
        reads=("vessel_runs",),
        sql=ais_gaps_sql,
        measures=lambda p: {
            "duplicate_gaps": _dup("gap_id"),
            "shorter_than_minimum": f"count(*) FILTER (WHERE duration_hours < {p.gap_min_hours})",
            "rows_out_of_range": "count(*) FILTER (WHERE gap_end <= gap_start OR distance_nm < 0)",
        },
        summary=_gaps_figures,
    ),
)

BY_NAME = {p.name: p for p in PRODUCTS}


def product(name: str) -> GoldProduct:
    if name not in BY_NAME:
        raise ValueError(f"unknown gold product {name!r}: the products are {', '.join(BY_NAME)}")
    return BY_NAME[name]


def period_start(partitioning: Partitioning, period: dt.date | str | None) -> dt.date | None:
    """The day a partition key stands for: the day, the month's first day, or None (history)."""
    if partitioning == "history":
        return None
    if period is None:
        raise ValueError(f"a {partitioning} product needs a partition")
    day = period if isinstance(period, dt.date) else dt.date.fromisoformat(period)
    return day.replace(day=1) if partitioning == "monthly" else day


def partition_prefix(p: GoldProduct, period: dt.date | str | None) -> str:
    return gold_partition_prefix(p.name, p.partitioning, period_start(p.partitioning, period))


def _upstream_keys(
    store: ObjectStore, p: GoldProduct, up: GoldProduct, day: dt.date | None
) -> list[str]:
    """The stored files of ``up`` that partition ``day`` of ``p`` reads."""
    if up.partitioning == "history":
        return partition_keys(store, gold_partition_prefix(up.name, "history", None))
    if p.partitioning == "daily":
        assert day is not None
        return partition_keys(store, gold_partition_prefix(up.name, "daily", day))
    if p.partitioning == "monthly":
        assert day is not None
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        days = {f"dt={day + dt.timedelta(days=n)}" for n in range((last - day).days + 1)}
        return dataset_keys(store, f"gold/{up.name}/", 3, lambda p: p.split("/")[2] in days)
    return dataset_keys(store, f"gold/{up.name}/", 3)


def build_product(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    name: str,
    period: dt.date | str | None = None,
    params: GoldParams | None = None,
) -> GoldResult:
    """Build one gold product's partition (``period``: the day, a day of the month, or None for
    a history product) from what the lake holds, and publish it."""
    p = product(name)
    day = period_start(p.partitioning, period)
    silver, rejects = day_files(store, day) if "silver" in p.reads and day else ("", "[]")
    upstream: dict[str, str] = {}
    for up_name in (r for r in p.reads if r != "silver"):
        up = BY_NAME[up_name]
        keys = _upstream_keys(store, p, up, day)
        if keys:
            upstream[up_name] = (
                f"read_parquet({keys_literal(store, keys)}, hive_partitioning = false, "
                "union_by_name = true)"
            )
        elif p.partitioning == "history":
            upstream[up_name] = empty_relation(up.columns)  # nothing yet: an empty product
        else:
            where = f" for {period}" if up.partitioning != "history" else ""
            raise NoInputError(
                f"{p.asset} needs {up.asset}{where}, which the lake does not hold yet: "
                f"materialise {up.asset}{where} first"
            )
    buckets = 1
    if p.bucketed:
        read = silver if "silver" in p.reads else upstream[p.reads[0]]
        (positions,) = con.execute(f"SELECT count(*) FROM {read}").fetchone() or (0,)
        buckets = max(1, -(-int(positions) // TRACK_BUCKET_POSITIONS))
    if p.spatial:
        load_spatial(con)
    inputs = Inputs(day, params or GoldParams(), silver, rejects, upstream, buckets)
    return write_gold(con, store, name, partition_prefix(p, day), p.sql(inputs))
