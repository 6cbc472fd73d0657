-- vessel_stops: a ship's consecutive positions (a transmitter's, vessel_positions) with SOG
-- below $stop_max_sog_kn kn (reports at most $stop_max_gap_minutes minutes apart), lasting at
-- least $stop_min_minutes minutes and staying within $stop_max_spread_nm nm (the diagonal of
-- their bounding box); with the nearest bundled port, and moored / at anchor from the reported
-- navigational status (else by distance to the port).
WITH flagged AS (
    SELECT *, coalesce(sog, 0) < $stop_max_sog_kn AS still FROM vessel_positions
), pos AS (
    SELECT mmsi, transmitter, ts, lat, lon, nav_status, still,
           lag(ts) OVER w AS p_ts, lag(still) OVER w AS p_still,
           min(ts) OVER (PARTITION BY mmsi, transmitter) AS day_first,
           max(ts) OVER (PARTITION BY mmsi, transmitter) AS day_last
    FROM flagged WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon)
), runs AS (
    SELECT *, sum((still AND (p_still IS NOT TRUE
                              OR epoch(ts - p_ts) > $stop_max_gap_minutes * 60))::INTEGER)
              OVER (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon
                    ROWS UNBOUNDED PRECEDING) AS run
    FROM pos
), stops AS (
    SELECT mmsi, transmitter, run, min(ts) AS arrival, max(ts) AS departure,
           count(*)::INTEGER AS points,
           exact_mean(lat) AS lat, exact_mean(lon) AS lon,
           haversine_nm(min(lat), min(lon), max(lat), max(lon)) AS spread_nm,
           arg_max(nav_status, (n_status, nav_status)) AS nav_status,
           min(ts) = any_value(day_first) AS arrival_clipped,
           max(ts) = any_value(day_last) AS departure_clipped
    FROM (SELECT *, count(*) OVER (PARTITION BY mmsi, transmitter, run, nav_status) AS n_status
          FROM runs WHERE still)
    GROUP BY mmsi, transmitter, run
    HAVING epoch(max(ts) - min(ts)) >= $stop_min_minutes * 60
), nearest AS (
    SELECT stops.*,
           arg_min(port, haversine_nm(lat, lon, port_lat, port_lon)) AS port,
           min(haversine_nm(lat, lon, port_lat, port_lon)) AS port_distance_nm
    FROM stops CROSS JOIN ports
    WHERE spread_nm <= $stop_max_spread_nm
    GROUP BY ALL
)
SELECT $day AS dt, mmsi, transmitter, arrival, departure,
       round(epoch(departure - arrival) / 60, 1) AS duration_minutes, points,
       round(lat, 6) AS lat, round(lon, 6) AS lon, port,
       round(port_distance_nm, 3) AS port_distance_nm,
       CASE WHEN nav_status = 'At anchor' THEN 'at_anchor'
            WHEN nav_status = 'Moored' OR port_distance_nm <= 1 THEN 'moored'
            ELSE 'stopped' END AS stop_type,
       arrival_clipped, departure_clipped
FROM nearest ORDER BY mmsi, transmitter, arrival
