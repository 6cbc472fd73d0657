-- One vessel's port visits over the days asked for (a track's popup).
SELECT
    v.port,
    v.duration_hours,
    strftime(v.arrival, '%Y-%m-%d %H:%M') AS arrival,
    strftime(v.departure, '%Y-%m-%d %H:%M') AS departure
FROM port_visits AS v
WHERE v.mmsi = $mmsi AND v.arrival < $end_ts AND coalesce(v.departure, v.last_seen) >= $start_ts
ORDER BY v.arrival
