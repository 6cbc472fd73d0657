-- The anchorages in view (the lake's whole history: anchorages has one partition).
SELECT
    a.anchorage_id,
    a.port,
    a.source,
    a.lat,
    a.lon,
    a.vessels,
    a.stops
FROM anchorages AS a
WHERE a.lon BETWEEN $lon0 AND $lon1 AND a.lat BETWEEN $lat0 AND $lat1
ORDER BY a.stops DESC, a.anchorage_id ASC
LIMIT $max_rows
