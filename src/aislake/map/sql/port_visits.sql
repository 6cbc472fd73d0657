-- The port visits in view: port_visits that overlap the days asked for ($start_ts to
-- $end_ts), where the vessel first stopped inside the box, with its name and type.
SELECT
    v.visit_id,
    v.mmsi,
    v.port,
    v.lat,
    v.lon,
    v.duration_hours,
    v.confidence,
    r.name,
    strftime(v.arrival, '%Y-%m-%d %H:%M') AS arrival,
    strftime(v.departure, '%Y-%m-%d %H:%M') AS departure,
    coalesce(r.ship_type, 'Undefined') AS ship_type
FROM port_visits AS v
LEFT JOIN vessel_registry AS r ON v.mmsi = r.mmsi AND v.arrival::DATE = r.dt
WHERE
    v.arrival < $end_ts
    AND coalesce(v.departure, v.last_seen) >= $start_ts
    AND v.lon BETWEEN $lon0 AND $lon1
    AND v.lat BETWEEN $lat0 AND $lat1
ORDER BY v.arrival, v.visit_id
LIMIT $max_rows
