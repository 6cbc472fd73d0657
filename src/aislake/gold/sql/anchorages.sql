-- anchorages: where ships stop (vessel_stops), as Global Fishing Watch derives its anchorages:
-- cells of a metric grid ($anchorage_cell_m m of EPSG:3035; GFW uses S2 cells of level 14,
-- ~0.5 km) in which at least $anchorage_min_vessels distinct vessels stopped, placed at the
-- mean of those stops and named after the nearest known port within $anchorage_name_max_km km.
-- Where the lake's data is too thin to show one, each bundled port (ports) with no lake
-- anchorage within $visit_exit_km km stands in as an anchorage of its own.
WITH stops AS (
    SELECT mmsi, lat, lon, laea(lon, lat) AS p FROM vessel_stops WHERE lat IS NOT NULL
), cells AS (
    SELECT floor(ST_X(p) / $anchorage_cell_m)::BIGINT AS cell_x,
           floor(ST_Y(p) / $anchorage_cell_m)::BIGINT AS cell_y,
           exact_mean(lat) AS lat, exact_mean(lon) AS lon,
           count(DISTINCT mmsi)::INTEGER AS vessels,
           count(*)::INTEGER AS stops
    FROM stops GROUP BY ALL
    HAVING count(DISTINCT mmsi) >= $anchorage_min_vessels
), named AS (
    SELECT cell_x, cell_y, any_value(lat) AS lat, any_value(lon) AS lon,
           any_value(vessels) AS vessels, any_value(stops) AS stops,
           arg_min(port, haversine_km(lat, lon, port_lat, port_lon)) AS nearest_port,
           min(haversine_km(lat, lon, port_lat, port_lon)) AS nearest_port_km
    FROM cells CROSS JOIN ports
    GROUP BY cell_x, cell_y
), lake AS (
    SELECT format('lake:{}:{}:{}', $anchorage_cell_m, cell_x, cell_y) AS anchorage_id,
           CASE WHEN nearest_port_km <= $anchorage_name_max_km THEN nearest_port
                ELSE format('anchorage {:.3f} {:.3f}', lat, lon) END AS port,
           'lake' AS source, lat, lon, vessels, stops, nearest_port, nearest_port_km
    FROM named
), fallback AS (
    SELECT 'port:' || port AS anchorage_id, port, 'port_list' AS source, port_lat AS lat,
           port_lon AS lon, 0 AS vessels, 0 AS stops, port AS nearest_port,
           0.0 AS nearest_port_km
    FROM ports
    WHERE NOT EXISTS (
        SELECT 1 FROM lake
        WHERE haversine_km(lake.lat, lake.lon, ports.port_lat, ports.port_lon) <= $visit_exit_km
    )
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
