-- ais_daily_summary: per ship type, vessels, messages, distance sailed and hours under way on the
-- day. A vessel's ship type is the most frequent one it reported that day (vessel_type);
-- transmitters that are not ships are grouped by their mobile type ('Base Station', 'AtoN').
-- Distance is the tracks' (resampled legs within segments, while moving), leaving out positions
-- flagged as speed anomalies; hours under way sum the segments' steps where SOG was at least
-- $under_way_sog kn. Vessels' steps come from vessel_positions; the few other transmitters' are
-- segmented here from silver. A transmitter is counted once: an MMSI with vessel positions is a
-- vessel, whatever other mobile types some of its rows carry (DMA's `Undefined`).
-- pos and others are read by table macros (query_table), which sqlfluff does not see.
WITH pos AS (  -- noqa: ST03
    SELECT mmsi, ts, lat, lon, sog, ship_type, mobile_type FROM silver WHERE NOT speed_anomaly
), vessel AS (
    SELECT * FROM vessel_type(pos)
), others AS (  -- noqa: ST03
    SELECT mmsi, 1 AS transmitter, ts, lat, lon, sog FROM silver
    WHERE NOT speed_anomaly AND is_vessel(mobile_type, station_kind) IS NOT TRUE
      AND mmsi NOT IN (SELECT mmsi FROM vessel_positions)
), steps AS (
    SELECT mmsi, sog, leg_nm, step_s, cut FROM vessel_positions
    UNION ALL
    SELECT mmsi, sog, leg_nm, step_s, cut
    FROM segmented(
        others, $max_speed_kn, $min_span_seconds, $max_gap_minutes, $resample_seconds,
        $moving_sog_kn
    )
)
SELECT $day AS dt, vessel.ship_type,
       count(DISTINCT steps.mmsi)::INTEGER AS vessels,
       count(*)::BIGINT AS messages,
       round(coalesce(sum(leg_nm), 0), 3) AS distance_nm,
       round(coalesce(sum(step_s) FILTER (WHERE NOT cut AND sog >= $under_way_sog), 0)
             / 3600, 3) AS hours_under_way
FROM steps INNER JOIN vessel USING (mmsi)
GROUP BY ALL ORDER BY vessel.ship_type
