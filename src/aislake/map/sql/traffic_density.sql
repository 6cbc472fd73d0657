-- The density grid in view: traffic_density's 1 km cells (EPSG:3035) of the days asked for,
-- merged into squares of $cells x $cells cells for the zoom, in vessel hours per km2 per day,
-- each square's outline in WGS84.
WITH merged AS (
    SELECT
        floor(d.cell_x / $cells)::BIGINT AS x,
        floor(d.cell_y / $cells)::BIGINT AS y,
        sum(d.hours) AS hours,
        avg(d.lon) AS lon,
        avg(d.lat) AS lat
    FROM traffic_density AS d
    GROUP BY floor(d.cell_x / $cells)::BIGINT, floor(d.cell_y / $cells)::BIGINT
)

SELECT
    m.hours,
    m.hours / ($cells * $cells) / $days AS hours_per_km2,
    st_asgeojson(st_transform(
        st_makeenvelope(
            m.x * $cells * 1000.0,
            m.y * $cells * 1000.0,
            (m.x + 1) * $cells * 1000.0,
            (m.y + 1) * $cells * 1000.0
        ),
        'EPSG:3035', 'EPSG:4326', always_xy := TRUE
    )) AS geometry
FROM merged AS m
WHERE m.lon BETWEEN $lon0 AND $lon1 AND m.lat BETWEEN $lat0 AND $lat1
ORDER BY m.hours DESC
LIMIT $max_rows
