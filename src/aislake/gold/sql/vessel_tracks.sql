-- vessel_tracks: per ship (an MMSI's transmitter) and day, its track cut into segments (from
-- vessel_positions: a gap longer than the track cut, or a step faster than the speed limit over
-- at least the minimum span); per segment its extent, distance (resampled legs while moving),
-- SOG statistics and the line, simplified with Douglas-Peucker at $simplify_tolerance_deg, as
-- WKT. A line is built from a list of all its points, which DuckDB cannot spill to disk, so a
-- large day is built a share of the ships at a time: those with mmsi % $buckets = $bucket.
SELECT $day AS dt, mmsi, transmitter, segment::INTEGER AS segment,
       min(ts) AS start_ts, max(ts) AS end_ts, count(*)::INTEGER AS points,
       round(coalesce(sum(leg_nm), 0), 4) AS distance_nm,
       round(exact_mean(sog), 2) AS mean_sog, max(sog) AS max_sog,
       CASE WHEN count(*) = 1 THEN ST_AsText(ST_Point(any_value(lon), any_value(lat)))
            ELSE ST_AsText(ST_Simplify(
                ST_MakeLine(list(ST_Point(lon, lat) ORDER BY ts, lat, lon)),
                $simplify_tolerance_deg
            )) END AS geometry_wkt
FROM vessel_positions
WHERE mmsi % $buckets = $bucket
GROUP BY mmsi, transmitter, segment ORDER BY mmsi, transmitter, segment
