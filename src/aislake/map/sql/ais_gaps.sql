-- The gaps in view: ais_gaps overlapping the days asked for whose stretch (from where the vessel
-- went silent to where it reappeared) meets the box.
SELECT
    g.gap_id,
    g.mmsi,
    g.start_lat,
    g.start_lon,
    g.end_lat,
    g.end_lon,
    g.duration_hours,
    g.distance_nm,
    r.name,
    strftime(g.gap_start, '%Y-%m-%d %H:%M') AS gap_start,
    strftime(g.gap_end, '%Y-%m-%d %H:%M') AS gap_end
FROM ais_gaps AS g
LEFT JOIN vessel_registry AS r ON g.mmsi = r.mmsi AND g.gap_start::DATE = r.dt
WHERE
    g.gap_start < $end_ts
    AND g.gap_end >= $start_ts
    AND least(g.start_lon, g.end_lon) <= $lon1
    AND greatest(g.start_lon, g.end_lon) >= $lon0
    AND least(g.start_lat, g.end_lat) <= $lat1
    AND greatest(g.start_lat, g.end_lat) >= $lat0
ORDER BY g.duration_hours DESC, g.gap_id ASC
LIMIT $max_rows
