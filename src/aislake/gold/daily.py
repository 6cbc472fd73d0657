"""The day's products built from its silver: vessel positions with their motion (segmented once),
and from them or silver the summary, vessel registry, tracks and stops."""

from __future__ import annotations

import datetime as dt

from aislake.ais.mmsi import mid_sql, station_kind_sql
from aislake.ais.motion import MotionRules, haversine_nm, segmented_sql
from aislake.duck.sql import sql_literal
from aislake.gold.core import (
    IS_VESSEL,
    SHIPS,
    UNDER_WAY_MIN_SOG,
    VESSEL_KINDS,
    GoldParams,
    exact_mean,
    ports_values,
    ships,
    vessel_rows,
    vessel_type_cte,
)
from aislake.sources.dma.reader import DMA_NULL_TEXTS


def vessel_positions_sql(files: str, day: dt.date, motion: MotionRules) -> str:
    """The day's vessel positions (:func:`~aislake.gold.core.ships`) with their motion
    (``aislake.ais.motion``): step from the position before, segment, resampled distance leg;
    sorted by (mmsi, ts), as silver is. Tracks, runs, density and the summary read it instead of
    each segmenting the day again."""
    positions = f"(SELECT mmsi, ts, lat, lon, sog, ship_type, mobile_type FROM {ships(files)})"
    return f"""
    SELECT DATE {sql_literal(day.isoformat())} AS dt, mmsi, ts, lat, lon, sog, ship_type,
           mobile_type, segment::INTEGER AS segment, cut, step_s, step_nm, leg_nm
    FROM {segmented_sql(positions, motion)}
    ORDER BY mmsi, ts, lat, lon
    """


def daily_summary_sql(files: str, positions: str, day: dt.date, motion: MotionRules) -> str:
    """Per ship type: vessels, messages, distance sailed and hours under way on the day.

    A vessel's ship type is the most frequent one it reported that day; transmitters that are not
    ships are grouped by their mobile type ('Base Station', 'AtoN'). Distance is the tracks'
    (``aislake.ais.motion``: resampled legs within segments, while moving), leaving out
    positions flagged as speed anomalies; hours under way sum the segments' steps where SOG was
    at least 0.5 kn. Vessels' steps come from ``positions`` (``vessel_positions``); the few
    other transmitters' are segmented here, from ``files`` (an MMSI with vessel positions is
    not one of them, whatever mobile type some of its rows carry: counted once).
    """
    # A transmitter is counted once: an MMSI with vessel positions is a vessel, whatever other
    # mobile types some of its rows carry (DMA's `Undefined`: they were counted a second time).
    others = f"""(SELECT mmsi, ts, lat, lon, sog FROM {files}
                  WHERE NOT speed_anomaly AND ({IS_VESSEL}) IS NOT TRUE
                    AND mmsi NOT IN (SELECT mmsi FROM {positions}))"""
    return f"""
    WITH pos AS (
        SELECT mmsi, ts, lat, lon, sog, ship_type, mobile_type
        FROM {files} WHERE NOT speed_anomaly
    ), {vessel_type_cte("pos")}, steps AS (
        SELECT mmsi, sog, leg_nm, step_s, cut FROM {positions}
        UNION ALL
        SELECT mmsi, sog, leg_nm, step_s, cut FROM {segmented_sql(others, motion)}
    )
    SELECT DATE {sql_literal(day.isoformat())} AS dt,
           vessel.ship_type,
           count(DISTINCT steps.mmsi)::INTEGER AS vessels,
           count(*)::BIGINT AS messages,
           round(coalesce(sum(leg_nm), 0), 3) AS distance_nm,
           round(coalesce(sum(step_s) FILTER (WHERE NOT cut AND sog >= {UNDER_WAY_MIN_SOG}), 0)
                 / 3600, 3) AS hours_under_way
    FROM steps JOIN vessel USING (mmsi)
    GROUP BY ALL ORDER BY vessel.ship_type
    """


def _mode(attr: str, source: str = "reports") -> str:
    """Per MMSI, the most reported non-NULL value of ``attr`` (ties: the latest, then largest)."""
    return f"""{attr}_mode AS (
        SELECT mmsi, arg_max({attr}, (n, last_ts, {attr})) AS {attr}
        FROM (SELECT mmsi, {attr}, count(*) AS n, max(ts) AS last_ts FROM {source}
              WHERE {attr} IS NOT NULL GROUP BY ALL)
        GROUP BY mmsi
    )"""


REGISTRY_MODES = ("mobile_type", "name", "callsign", "imo", "ship_type", "length", "width")


def vessel_registry_sql(files: str, rejects: str, day: dt.date) -> str:
    """One row per ship seen on the day with its static data resolved from the day's reports.

    Static data comes from position rows and from static-only reports (DMA's lat 91 / lon 181
    rows, kept in the rejects as ``no_position``). Name, call sign, IMO, ship type, length and
    width: the most reported value; length and width fall back to the antenna offsets A+B and
    C+D. Draught and destination change during a voyage: the latest reported value.
    """
    nulls = ", ".join(sql_literal(t) for t in DMA_NULL_TEXTS)

    def text(c: str) -> str:
        return f"CASE WHEN {c} IS NULL OR trim({c}) IN ({nulls}) THEN NULL ELSE {c} END"

    fmt = sql_literal("%d/%m/%Y %H:%M:%S")
    statics = (
        "SELECT NULL::BIGINT AS mmsi WHERE false"
        if rejects == "[]"
        else f"""SELECT TRY_CAST(mmsi AS INTEGER) AS mmsi, try_strptime(ts, {fmt}) AS ts,
                  {text("mobile_type")} AS mobile_type, {text("name")} AS name,
                  {text("callsign")} AS callsign, TRY_CAST(imo AS INTEGER) AS imo,
                  {text("ship_type")} AS ship_type, TRY_CAST(length AS DOUBLE) AS length,
                  TRY_CAST(width AS DOUBLE) AS width, TRY_CAST(draught AS DOUBLE) AS draught,
                  {text("destination")} AS destination,
                  TRY_CAST(size_a AS DOUBLE) AS size_a, TRY_CAST(size_b AS DOUBLE) AS size_b,
                  TRY_CAST(size_c AS DOUBLE) AS size_c, TRY_CAST(size_d AS DOUBLE) AS size_d,
                  false AS is_position
           FROM read_parquet({rejects}, hive_partitioning = false)
           WHERE reason = 'no_position' AND mobile_type IN {SHIPS}
             AND {station_kind_sql("TRY_CAST(mmsi AS INTEGER)")} IN {VESSEL_KINDS}"""
    )
    modes = ",\n".join(_mode(a) for a in REGISTRY_MODES)
    joins = "\n".join(f"LEFT JOIN {a}_mode USING (mmsi)" for a in REGISTRY_MODES)
    return f"""
    WITH reports AS (
        SELECT mmsi, ts, mobile_type, name, callsign, imo, ship_type,
               coalesce(length, nullif(size_a + size_b, 0)) AS length,
               coalesce(width, nullif(size_c + size_d, 0)) AS width, draught, destination,
               is_position
        FROM (
            SELECT mmsi, ts, mobile_type, name, callsign, imo, ship_type, length, width, draught,
                   destination, size_a, size_b, size_c, size_d, true AS is_position
            FROM {vessel_rows(files)}
            UNION ALL BY NAME
            {statics}
        ) WHERE mmsi IS NOT NULL AND ts IS NOT NULL
    ), seen AS (
        SELECT mmsi,
               min(ts) FILTER (WHERE is_position) AS first_seen,
               max(ts) FILTER (WHERE is_position) AS last_seen,
               count(*) FILTER (WHERE is_position) AS positions,
               count(*) FILTER (WHERE NOT is_position) AS static_reports,
               arg_max(draught, ts) FILTER (WHERE draught IS NOT NULL) AS draught,
               arg_max(destination, ts) FILTER (WHERE destination IS NOT NULL) AS destination
        FROM reports GROUP BY mmsi
    ), {modes}
    SELECT DATE {sql_literal(day.isoformat())} AS dt, mmsi, mobile_type, name, callsign, imo,
           ship_type, length, width, draught, destination,
           {station_kind_sql("mmsi")} AS station_kind,
           {mid_sql("mmsi", station_kind_sql("mmsi"))} AS mid,
           first_seen, last_seen, positions, static_reports
    FROM seen
    {joins}
    ORDER BY mmsi
    """


def registry_latest_sql(registry: str) -> str:
    """All-time registry: per MMSI, the latest known non-NULL value of each attribute across
    every day of ``vessel_registry`` (a table or ``read_parquet(...)`` expression)."""
    attrs = (
        "mobile_type",
        "name",
        "callsign",
        "imo",
        "ship_type",
        "length",
        "width",
        "draught",
        "destination",
    )
    latest = ",\n".join(
        f"arg_max({a}, last_seen) FILTER (WHERE {a} IS NOT NULL) AS {a}" for a in attrs
    )
    return f"""SELECT mmsi, {latest}, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           count(*) AS days_seen, sum(positions) AS positions
    FROM {registry} GROUP BY mmsi ORDER BY mmsi"""


def vessel_tracks_sql(
    positions: str, day: dt.date, p: GoldParams, bucket: tuple[int, int] = (0, 1)
) -> str:
    """Per ship and day, from its ``positions`` (``vessel_positions``), its track cut into
    segments (``aislake.ais.motion``: a gap longer than
    ``track_max_gap_minutes``, or a step faster than ``max_speed_kn`` over at least the minimum
    span); per segment its extent, distance (resampled legs while moving), SOG statistics and the
    line, simplified with Douglas-Peucker at ``simplify_tolerance_deg``, as WKT.

    ``bucket`` (i, n) keeps the ships with ``mmsi % n = i``: a line is built from a list of all
    its points, which DuckDB cannot spill to disk, so large days are built a share at a time.
    """
    i, n = bucket
    line = "ST_MakeLine(list(ST_Point(lon, lat) ORDER BY ts, lat, lon))"
    share = f"(SELECT * FROM {positions} WHERE mmsi % {int(n)} = {int(i)})"
    return f"""
    SELECT DATE {sql_literal(day.isoformat())} AS dt, mmsi, segment::INTEGER AS segment,
           min(ts) AS start_ts, max(ts) AS end_ts, count(*)::INTEGER AS points,
           round(coalesce(sum(leg_nm), 0), 4) AS distance_nm,
           round({exact_mean("sog")}, 2) AS mean_sog, max(sog) AS max_sog,
           CASE WHEN count(*) = 1 THEN ST_AsText(ST_Point(any_value(lon), any_value(lat)))
                ELSE ST_AsText(ST_Simplify({line}, {p.simplify_tolerance_deg})) END AS geometry_wkt
    FROM {share}
    GROUP BY mmsi, segment ORDER BY mmsi, segment
    """


def vessel_stops_sql(files: str, day: dt.date, p: GoldParams) -> str:
    """Stops: a ship's consecutive positions with SOG below ``stop_max_sog_kn`` (reports at most
    ``stop_max_gap_minutes`` apart), lasting at least ``stop_min_minutes`` and staying within
    ``stop_max_spread_nm`` (diagonal of their bounding box); with the nearest bundled port, and
    moored / at anchor from the reported navigational status (else by distance to the port)."""
    max_gap = p.stop_max_gap_minutes * 60
    return f"""
    WITH flagged AS (
        SELECT *, coalesce(sog, 0) < {p.stop_max_sog_kn} AS still FROM {ships(files)}
    ), pos AS (
        SELECT mmsi, ts, lat, lon, nav_status, still,
               lag(ts) OVER w AS p_ts, lag(still) OVER w AS p_still,
               min(ts) OVER (PARTITION BY mmsi) AS day_first,
               max(ts) OVER (PARTITION BY mmsi) AS day_last
        FROM flagged WINDOW w AS (PARTITION BY mmsi ORDER BY ts, lat, lon)
    ), runs AS (
        SELECT *, sum((still AND (p_still IS NOT true OR epoch(ts - p_ts) > {max_gap}))::INTEGER)
                  OVER (PARTITION BY mmsi ORDER BY ts, lat, lon ROWS UNBOUNDED PRECEDING) AS run
        FROM pos
    ), stops AS (
        SELECT mmsi, run, min(ts) AS arrival, max(ts) AS departure, count(*)::INTEGER AS points,
               {exact_mean("lat")} AS lat, {exact_mean("lon")} AS lon,
               {haversine_nm("min(lat)", "min(lon)", "max(lat)", "max(lon)")} AS spread_nm,
               arg_max(nav_status, (n_status, nav_status)) AS nav_status,
               min(ts) = any_value(day_first) AS arrival_clipped,
               max(ts) = any_value(day_last) AS departure_clipped
        FROM (SELECT *, count(*) OVER (PARTITION BY mmsi, run, nav_status) AS n_status
              FROM runs WHERE still)
        GROUP BY mmsi, run
        HAVING epoch(max(ts) - min(ts)) >= {p.stop_min_minutes * 60}
    ), nearest AS (
        SELECT stops.*, arg_min(port, {haversine_nm("lat", "lon", "port_lat", "port_lon")}) AS port,
               min({haversine_nm("lat", "lon", "port_lat", "port_lon")}) AS port_distance_nm
        FROM stops CROSS JOIN {ports_values()}
        WHERE spread_nm <= {p.stop_max_spread_nm}
        GROUP BY ALL
    )
    SELECT DATE {sql_literal(day.isoformat())} AS dt, mmsi, arrival, departure,
           round(epoch(departure - arrival) / 60, 1) AS duration_minutes, points,
           round(lat, 6) AS lat, round(lon, 6) AS lon, port,
           round(port_distance_nm, 3) AS port_distance_nm,
           CASE WHEN nav_status = 'At anchor' THEN 'at_anchor'
                WHEN nav_status = 'Moored' OR port_distance_nm <= 1 THEN 'moored'
                ELSE 'stopped' END AS stop_type,
           arrival_clipped, departure_clipped
    FROM nearest ORDER BY mmsi, arrival
    """


# Tracks are built a share of the vessels at a time, about this many positions per share: the
# line aggregation holds a share's points in memory (measured: fits DuckDB's 1 GB at 3 M).
TRACK_BUCKET_POSITIONS = 3_000_000
