-- loitering: a vessel's consecutive positions with SOG under $loitering_max_sog_kn kn (reports
-- at most $track_max_gap_minutes minutes apart) for at least $loitering_min_hours h, more than
-- $event_min_port_km km from every port and anchorage (a slow position nearer counts as not
-- slow: a ship waiting at anchor off its port, or slow in its approaches, does not loiter).
-- Followed across midnight: the positions from $event_lookback_hours h before the day are read
-- too, and an event is reported on the day it is known to have ended (reported_on).
WITH positions AS (  -- noqa: ST03
    SELECT * FROM event_window(vessel_positions, $day, $event_lookback_hours * 60)
), slow AS (  -- noqa: ST03
    SELECT DISTINCT mmsi, transmitter, ts, lat, lon FROM positions
    WHERE coalesce(sog, 0) < $loitering_max_sog_kn
), slow_away AS (
    SELECT mmsi, transmitter, ts, lat, lon FROM away_from_places(slow, $event_min_port_km)
), flagged AS (
    SELECT p.mmsi, p.transmitter, p.ts, p.lat, p.lon, p.sog, s.mmsi IS NOT NULL AS slow
    FROM positions AS p
    LEFT JOIN slow_away AS s
        ON p.mmsi = s.mmsi AND p.transmitter = s.transmitter AND p.ts = s.ts
        AND p.lat = s.lat AND p.lon = s.lon
    WHERE p.mmsi IN (SELECT a.mmsi FROM slow_away AS a)  -- only vessels slow at sea at all
), marked AS (
    SELECT *, lag(ts) OVER w AS p_ts, lag(slow) OVER w AS p_slow, lead(ts) OVER w AS n_ts,
           haversine_nm(lag(lat) OVER w, lag(lon) OVER w, lat, lon) AS step_nm
    FROM flagged WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon)
), runs AS (
    SELECT *,
           sum((slow AND (p_slow IS NOT TRUE
                          OR epoch(ts - p_ts) > $track_max_gap_minutes * 60))::INTEGER)
           OVER (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon
                 ROWS UNBOUNDED PRECEDING) AS run,
           slow AND (p_slow IS NOT TRUE
                     OR epoch(ts - p_ts) > $track_max_gap_minutes * 60) AS first
    FROM marked
), events AS (  -- noqa: ST03
    SELECT mmsi, transmitter, run, min(ts) AS start_ts, max(ts) AS end_ts,
           arg_max_null(n_ts, ts) AS next_ts, count(*)::INTEGER AS positions,
           median(sog) AS median_sog, coalesce(sum(step_nm) FILTER (WHERE NOT first), 0)
               AS distance_nm,
           exact_mean(lat)::DOUBLE AS lat, exact_mean(lon)::DOUBLE AS lon
    FROM runs WHERE slow
    GROUP BY mmsi, transmitter, run
    HAVING epoch(max(ts) - min(ts)) >= $loitering_min_hours * 3600
)
SELECT vessel_key(mmsi, transmitter) || '-' || strftime(start_ts, '%Y%m%dT%H%M%S') AS loitering_id,
       $day AS dt, mmsi, transmitter, start_ts, end_ts,
       round(epoch(end_ts - start_ts) / 3600, 3) AS duration_hours, positions,
       round(median_sog, 2) AS median_sog, round(distance_nm, 3) AS distance_nm,
       round(lat, 6) AS lat, round(lon, 6) AS lon, place AS nearest_place,
       round(place_km, 3) AS place_km
FROM with_nearest_place(events)
WHERE place_km > $event_min_port_km
    AND reported_on(end_ts, next_ts, $track_max_gap_minutes, $day)
ORDER BY mmsi, transmitter, start_ts
