-- close_quarters: two vessels under way (SOG at least $under_way_sog kn each) on courses that
-- bring them within $cq_cpa_nm nm (the closest point of approach, CPA) within $cq_tcpa_minutes
-- minutes (its time, TCPA): each vessel's last position a minute, its velocity from the
-- minute before (the course and speed it made good), the pair's CPA and TCPA predicted from
-- those; consecutive minutes of such an alert (at most $cq_max_gap_minutes apart) are one
-- situation, reported with the first alert and the closest the two then came. Pairs come from
-- a grid of cells $cq_search_nm nm wide (the same and the eight neighbouring cells), kept
-- when within $cq_search_nm nm of each other. Two vessels whose relative speed is under
-- $cq_min_closing_kn kn (in company, or overtaking at a crawl) have no time to a CPA: never a
-- situation. Followed across midnight: the positions from $cq_lookback_minutes minutes before
-- the day are read too, and a situation is reported on the day it is known to have ended (no
-- alert for $cq_max_gap_minutes minutes, its predicted CPA passed: reported_on).
WITH positions AS (  -- noqa: ST03
    SELECT * FROM event_window(vessel_positions, $day, $cq_lookback_minutes)
), minutes AS (
    SELECT *, lag(ts) OVER w AS p_ts, lag(lat) OVER w AS p_lat, lag(lon) OVER w AS p_lon
    FROM slotted(positions, 1)
    WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY slot)
), moving AS (
    SELECT mmsi, transmitter, slot, ts, lat, lon, sog,
           (lon - p_lon) * 60 * cos(radians(lat)) / (epoch(ts - p_ts) / 3600) AS ve,
           (lat - p_lat) * 60 / (epoch(ts - p_ts) / 3600) AS vn,
           floor(lat * 60 / $cq_search_nm)::BIGINT AS cy,
           floor(lon * 60 * cos(radians(lat)) / $cq_search_nm)::BIGINT AS cx
    FROM minutes
    WHERE sog >= $under_way_sog AND epoch(ts - p_ts) BETWEEN 1 AND 180
), around AS (
    SELECT m.*, m.cx + dx AS nx, m.cy + dy AS ny
    FROM moving AS m, range(-1, 2) AS t1 (dx), range(-1, 2) AS t2 (dy)
), pairs AS (
    -- b relative to a at a's time (b moved along its velocity to it), nm and knots
    SELECT a.mmsi AS mmsi_a, a.transmitter AS transmitter_a, b.mmsi AS mmsi_b,
           b.transmitter AS transmitter_b, a.slot, a.ts,
           (b.lon - a.lon) * 60 * cos(radians((a.lat + b.lat) / 2))
               + b.ve * epoch(a.ts - b.ts) / 3600 AS rx,
           (b.lat - a.lat) * 60 + b.vn * epoch(a.ts - b.ts) / 3600 AS ry,
           b.ve - a.ve AS wx, b.vn - a.vn AS wy,
           a.sog AS sog_a, b.sog AS sog_b,
           (degrees(atan2(a.ve, a.vn)) + 360) % 360 AS course_a,
           (degrees(atan2(b.ve, b.vn)) + 360) % 360 AS course_b,
           (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon
    FROM moving AS a
    INNER JOIN around AS b
        ON a.slot = b.slot AND a.cx = b.nx AND a.cy = b.ny AND a.mmsi < b.mmsi
    WHERE haversine_nm(a.lat, a.lon, b.lat, b.lon) <= $cq_search_nm
), predicted AS (
    SELECT *, sqrt(rx * rx + ry * ry) AS range_nm,
           CASE WHEN wx * wx + wy * wy >= $cq_min_closing_kn * $cq_min_closing_kn
                THEN -(rx * wx + ry * wy) / (wx * wx + wy * wy) * 60 END AS tcpa_min
    FROM pairs
), alerts AS (
    SELECT *, sqrt(power(rx + wx * tcpa_min / 60, 2) + power(ry + wy * tcpa_min / 60, 2))
               AS cpa_nm
    FROM predicted
), alerting AS (  -- noqa: ST03
    SELECT * FROM alerts
    WHERE cpa_nm < $cq_cpa_nm AND tcpa_min BETWEEN 0 AND $cq_tcpa_minutes
), situations AS (
    SELECT * FROM pair_runs(alerting, $cq_max_gap_minutes)
), first_alerts AS (
    SELECT mmsi_a, transmitter_a, mmsi_b, transmitter_b, run, min(ts) AS alert_ts,
           max(ts) AS last_alert_ts, max(slot) AS last_slot,
           arg_min(tcpa_min, ts) AS tcpa_minutes, arg_min(cpa_nm, ts) AS predicted_cpa_nm,
           arg_min(range_nm, ts) AS alert_range_nm
    FROM situations
    GROUP BY mmsi_a, transmitter_a, mmsi_b, transmitter_b, run
), closest AS (
    -- the pair's minutes from the first alert to the last one's predicted CPA: the closest
    SELECT f.*, arg_min(p.ts, p.range_nm) AS cpa_ts, min(p.range_nm) AS cpa_nm,
           arg_min(p.sog_a, p.range_nm) AS sog_a, arg_min(p.sog_b, p.range_nm) AS sog_b,
           arg_min(p.course_a, p.range_nm) AS course_a,
           arg_min(p.course_b, p.range_nm) AS course_b,
           arg_min(p.lat, p.range_nm) AS lat, arg_min(p.lon, p.range_nm) AS lon
    FROM first_alerts AS f
    INNER JOIN predicted AS p
        ON f.mmsi_a = p.mmsi_a AND f.transmitter_a = p.transmitter_a
        AND f.mmsi_b = p.mmsi_b AND f.transmitter_b = p.transmitter_b
        AND p.ts BETWEEN f.alert_ts
        AND f.last_alert_ts + to_microseconds(($cq_tcpa_minutes * 60000000)::BIGINT)
    GROUP BY ALL
)
SELECT vessel_key(mmsi_a, transmitter_a) || '-' || vessel_key(mmsi_b, transmitter_b) || '-'
       || strftime(alert_ts, '%Y%m%dT%H%M%S')
           AS situation_id,
       $day AS dt, mmsi_a, transmitter_a, mmsi_b, transmitter_b, alert_ts,
       round(tcpa_minutes, 2) AS tcpa_minutes,
       round(predicted_cpa_nm, 3) AS predicted_cpa_nm,
       round(alert_range_nm, 3) AS alert_range_nm, cpa_ts, round(cpa_nm, 3) AS cpa_nm,
       round(sog_a, 1) AS sog_a, round(sog_b, 1) AS sog_b, round(course_a, 1) AS course_a,
       round(course_b, 1) AS course_b, round(lat, 6) AS lat, round(lon, 6) AS lon
FROM closest
WHERE reported_on(last_slot, NULL, greatest($cq_max_gap_minutes, $cq_tcpa_minutes), $day)
ORDER BY mmsi_a, transmitter_a, mmsi_b, transmitter_b, alert_ts
