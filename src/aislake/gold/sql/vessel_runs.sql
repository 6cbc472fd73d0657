-- vessel_runs: a vessel's day (vessel_positions) cut into runs, in a port or at sea, with the
-- hysteresis of Global Fishing Watch's port visits: a vessel enters a port within
-- $visit_entry_km km of one of its anchorages and leaves it beyond $visit_exit_km km of every
-- anchorage; between the two it stays where it was. A silence of $gap_min_hours hours or more
-- ends a run too. Each run keeps what the stitching across days needs: its ends, distance, the
-- stop evidence (stopped below $visit_stop_sog_kn kn until moving again above
-- $visit_move_sog_kn kn) and its longest silence.
WITH anchorage_cells AS (
    -- Each anchorage in its cell of a 0.1 x 0.2 degree grid and the 8 around it: a position
    -- meets every anchorage within a cell's width, which is more than $visit_exit_km km below
    -- 75 N.
    SELECT port, lat AS a_lat, lon AS a_lon,
           floor(lat / 0.1)::INTEGER + dy AS ky, floor(lon / 0.2)::INTEGER + dx AS kx
    FROM anchorages, range(-1, 2) AS t1 (dy), range(-1, 2) AS t2 (dx)
), pos AS (
    SELECT mmsi, transmitter, ts, lat, lon, sog, leg_nm,
           floor(lat / 0.1)::INTEGER AS ky, floor(lon / 0.2)::INTEGER AS kx
    FROM vessel_positions
), near AS (
    SELECT mmsi, ts, lat, lon, arg_min(port, (km, port)) AS near_port, min(km) AS km
    FROM (SELECT pos.mmsi, pos.ts, pos.lat, pos.lon, port,
                 haversine_km(pos.lat, pos.lon, a_lat, a_lon) AS km
          FROM pos INNER JOIN anchorage_cells USING (ky, kx))
    WHERE km <= $visit_exit_km
    GROUP BY mmsi, ts, lat, lon
), classified AS (
    SELECT pos.mmsi, pos.transmitter, pos.ts, pos.lat, pos.lon, pos.sog, pos.leg_nm,
           near.near_port,
           CASE WHEN near.km <= $visit_entry_km THEN near.near_port
                WHEN near.km IS NULL THEN '' END AS decisive,
           CASE WHEN pos.sog < $visit_stop_sog_kn THEN 1
                WHEN pos.sog > $visit_move_sog_kn THEN 0 END AS stop_decisive
    FROM pos LEFT JOIN near USING (mmsi, ts, lat, lon)
), stated AS (
    SELECT *,
           last_value(decisive IGNORE NULLS) OVER w AS state,
           coalesce(last_value(stop_decisive IGNORE NULLS) OVER w, 0) = 1 AS stopped,
           epoch(ts - lag(ts) OVER w) AS step_s
    FROM classified
    WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon ROWS UNBOUNDED PRECEDING)
), labelled AS (
    -- Positions between entry and exit distance before the day's first decisive one have no
    -- state yet: they belong to the nearest port, not entered ('' is the sea).
    SELECT *, coalesce(state, near_port) AS place, state IS NULL AS unentered FROM stated
), marked AS (
    SELECT *, (step_s IS NULL OR step_s >= $gap_min_hours * 3600
               OR place IS DISTINCT FROM lag(place) OVER w
               OR unentered IS DISTINCT FROM lag(unentered) OVER w) AS new_run,
           lag(stopped) OVER w AS p_stopped
    FROM labelled WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon)
), runs AS (
    SELECT *, sum(new_run::INTEGER) OVER (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon
                                          ROWS UNBOUNDED PRECEDING) AS run
    FROM marked
)
SELECT $day AS dt, mmsi, transmitter, run::INTEGER AS run, nullif(any_value(place), '') AS port,
       any_value(place) <> '' AND NOT any_value(unentered) AS entered,
       min(ts) AS start_ts, max(ts) AS end_ts, count(*)::INTEGER AS positions,
       arg_min(lat, (ts, lat, lon)) AS start_lat, arg_min(lon, (ts, lat, lon)) AS start_lon,
       arg_min(sog, (ts, lat, lon)) AS start_sog,
       arg_max(lat, (ts, lat, lon)) AS end_lat, arg_max(lon, (ts, lat, lon)) AS end_lon,
       arg_max(sog, (ts, lat, lon)) AS end_sog,
       arg_min(stopped, (ts, lat, lon)) AS start_stopped,
       arg_max(stopped, (ts, lat, lon)) AS end_stopped,
       round(coalesce(sum(leg_nm) FILTER (WHERE NOT new_run), 0), 4) AS distance_nm,
       min(ts) FILTER (WHERE stopped) AS stop_ts,
       arg_min(lat, (ts, lat, lon)) FILTER (WHERE stopped) AS stop_lat,
       arg_min(lon, (ts, lat, lon)) FILTER (WHERE stopped) AS stop_lon,
       round(coalesce(sum(step_s) FILTER (WHERE NOT new_run AND stopped AND p_stopped), 0)
             / 3600, 4) AS stopped_hours,
       round(coalesce(max(step_s) FILTER (WHERE NOT new_run), 0) / 3600, 4) AS max_gap_hours
FROM runs
GROUP BY mmsi, transmitter, run
ORDER BY mmsi, transmitter, run
