-- The ships at one moment ($at): each vessel's last position in the $trail_minutes before it,
-- inside the box, with a trail of one position a minute behind it (the time slider's frame).
WITH recent AS (
    SELECT
        p.mmsi,
        p.ts,
        p.lat,
        p.lon,
        p.sog,
        p.ship_type
    FROM vessel_positions AS p
    WHERE
        p.ts > $at - to_minutes($trail_minutes::BIGINT)
        AND p.ts <= $at
        AND p.lon BETWEEN $lon0 AND $lon1
        AND p.lat BETWEEN $lat0 AND $lat1
),

minutes AS (
    SELECT
        mmsi,
        max(ts) AS ts,
        arg_max(lon, ts) AS lon,
        arg_max(lat, ts) AS lat
    FROM recent
    GROUP BY mmsi, time_bucket(INTERVAL 1 MINUTE, ts)
),

trails AS (
    SELECT
        mmsi,
        list([lon, lat] ORDER BY ts) AS trail
    FROM minutes
    GROUP BY mmsi
)

SELECT
    p.mmsi,
    r.name,
    tr.trail,
    epoch(max(p.ts)) AS ts_s,
    arg_max(p.lon, p.ts) AS lon,
    arg_max(p.lat, p.ts) AS lat,
    arg_max(p.sog, p.ts) AS sog,
    coalesce(arg_max(p.ship_type, p.ts), 'Undefined') AS ship_type
FROM recent AS p
INNER JOIN trails AS tr ON p.mmsi = tr.mmsi
LEFT JOIN vessel_registry AS r ON p.mmsi = r.mmsi AND r.dt = $at::DATE
GROUP BY p.mmsi, r.name, tr.trail
ORDER BY p.mmsi
LIMIT $max_rows
