-- anchorages: where ships stop, as Global Fishing Watch derives its anchorages: cells of a
-- metric grid ($cell m of EPSG:3035; GFW uses S2 cells of level 14, ~0.5 km) in which at least
-- $min_vessels distinct vessels stopped, placed at the mean of those stops and named after the
-- nearest known port within $name_km km. Where the lake's data is too thin to show one, each
-- bundled port with no lake anchorage within $exit_km km stands in as an anchorage of its own.
WITH stops AS (
    SELECT mmsi, lat, lon, $stop_point AS p FROM $stops WHERE lat IS NOT NULL
), cells AS (
    SELECT floor(ST_X(p) / $cell)::BIGINT AS cell_x, floor(ST_Y(p) / $cell)::BIGINT AS cell_y,
           $mean_lat AS lat, $mean_lon AS lon,
           count(DISTINCT mmsi)::INTEGER AS vessels,
           count(*)::INTEGER AS stops
    FROM stops GROUP BY ALL
    HAVING count(DISTINCT mmsi) >= $min_vessels
), named AS (
    SELECT cell_x, cell_y, any_value(lat) AS lat, any_value(lon) AS lon,
           any_value(vessels) AS vessels, any_value(stops) AS stops,
           arg_min(port, $cell_port_km) AS nearest_port, min($cell_port_km) AS nearest_port_km
    FROM cells CROSS JOIN $ports
    GROUP BY cell_x, cell_y
), lake AS (
    SELECT format('lake:{}:{}:{}', $cell, cell_x, cell_y) AS anchorage_id,
           CASE WHEN nearest_port_km <= $name_km THEN nearest_port
                ELSE format('anchorage {:.3f} {:.3f}', lat, lon) END AS port,
           'lake' AS source, lat, lon, vessels, stops, nearest_port, nearest_port_km
    FROM named
), fallback AS (
    SELECT 'port:' || port AS anchorage_id, port, 'port_list' AS source, port_lat AS lat,
           port_lon AS lon, 0 AS vessels, 0 AS stops, port AS nearest_port,
           0.0 AS nearest_port_km
    FROM $ports
    WHERE NOT EXISTS (SELECT 1 FROM lake WHERE $lake_port_km <= $exit_km)
)
SELECT anchorage_id, port, source, round(lat, 6) AS lat, round(lon, 6) AS lon,
       vessels::INTEGER AS vessels, stops::INTEGER AS stops, nearest_port,
       round(nearest_port_km, 3) AS nearest_port_km
FROM (
    SELECT * FROM lake
    UNION ALL
    SELECT * FROM fallback
)
ORDER BY anchorage_id
