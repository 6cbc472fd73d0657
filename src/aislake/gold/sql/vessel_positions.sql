-- vessel_positions: the day's vessel positions (ships(silver): a vessel's rows, not flagged as
-- position jumps) with their motion (aislake.ais.motion: the step from the position before, the
-- segment, the resampled distance leg); sorted by (mmsi, ts), as silver is. Tracks, runs,
-- density and the summary read it instead of each segmenting the day again.
-- pos is read by a table macro (query_table), which sqlfluff does not see.
WITH pos AS (  -- noqa: ST03
    SELECT mmsi, ts, lat, lon, sog, ship_type, mobile_type FROM ships(silver)
)
SELECT $day AS dt, mmsi, ts, lat, lon, sog, ship_type, mobile_type,
       segment::INTEGER AS segment, cut, step_s, step_nm, leg_nm
FROM segmented(
    pos, $max_speed_kn, $min_span_seconds, $max_gap_minutes, $resample_seconds, $moving_sog_kn
)
ORDER BY mmsi, ts, lat, lon
