-- vessel_positions: the day's vessel positions (vessel_rows(silver): every row of a ship's
-- MMSI that reported as Class A/B) with their transmitter and motion (aislake.ais.motion: the
-- step from the position before, the segment, the resampled distance leg); sorted by (mmsi,
-- transmitter, ts). An MMSI with speed anomalies is split into transmitters by reachability
-- (transmitter_labels, aislake.ais.transmitters): where it showed several ships at once, each
-- keeps its positions (flagged as jumps in silver, they are its track) and noise is left out;
-- every other MMSI is transmitter 1 without the positions silver flagged as jumps. Tracks,
-- runs, stops, density, the summary and the events read it instead of each segmenting the day
-- again. A large day is built a share of the ships at a time (mmsi % $buckets = $bucket): at
-- 15 M rows the whole day's sorts took 5 GB, past a step's memory budget.
-- own and pos are read by table macros (query_table), which sqlfluff does not see.
WITH own AS (  -- noqa: ST03
    SELECT mmsi, ts, lat, lon, sog, cog, nav_status, ship_type, mobile_type, speed_anomaly
    FROM vessel_rows(silver) WHERE mmsi % $buckets = $bucket
), suspects AS (
    SELECT DISTINCT mmsi FROM own WHERE speed_anomaly
), heard AS (  -- one row a position (reported twice: its least SOG and COG)
    SELECT mmsi, ts, lat, lon, arg_min(sog, (sog IS NULL, sog)) AS sog,
           arg_min(cog, (cog IS NULL, cog)) AS cog
    FROM own WHERE mmsi IN (SELECT mmsi FROM suspects) GROUP BY mmsi, ts, lat, lon
), split AS (
    SELECT mmsi, list(ts ORDER BY ts, lat, lon) AS ts_l, list(lat ORDER BY ts, lat, lon) AS lat_l,
           list(lon ORDER BY ts, lat, lon) AS lon_l,
           transmitter_labels(
               list(epoch(ts) ORDER BY ts, lat, lon), list(lat ORDER BY ts, lat, lon),
               list(lon ORDER BY ts, lat, lon), list(coalesce(sog, 'NaN') ORDER BY ts, lat, lon),
               list(coalesce(cog, 'NaN') ORDER BY ts, lat, lon), $max_speed_kn,
               $min_span_seconds, $transmitter_min_positions
           ) AS labels
    FROM heard GROUP BY mmsi
), labelled AS (  -- the MMSIs that showed several transmitters
    SELECT mmsi, unnest(ts_l) AS ts, unnest(lat_l) AS lat, unnest(lon_l) AS lon,
           unnest(labels) AS transmitter
    FROM split WHERE list_max(labels) > 1
), pos AS (  -- noqa: ST03
    SELECT o.* EXCLUDE (cog, speed_anomaly), coalesce(l.transmitter, 1) AS transmitter
    FROM own AS o LEFT JOIN labelled AS l USING (mmsi, ts, lat, lon)
    WHERE CASE WHEN l.transmitter IS NULL THEN NOT o.speed_anomaly ELSE l.transmitter > 0 END
)
SELECT $day AS dt, mmsi, transmitter::SMALLINT AS transmitter, ts, lat, lon, sog, nav_status,
       ship_type, mobile_type, segment::INTEGER AS segment, cut, step_s, step_nm, leg_nm
FROM segmented(
    pos, $max_speed_kn, $min_span_seconds, $max_gap_minutes, $resample_seconds, $moving_sog_kn
)
ORDER BY mmsi, transmitter, ts, lat, lon
