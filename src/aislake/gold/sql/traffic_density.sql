-- traffic_density: vessel density in hours per cell of EPSG:3035 and ship type, by EMODnet
-- Human Activities' method. A vessel's consecutive positions are joined by straight lines
-- within its track segments (aislake.ais.motion: no line across a gap longer than the track
-- cut, nor across an impossible jump), and each line's time is split across the cells it
-- crosses in proportion to the length inside each. Lines are straight in EPSG:3035, an
-- equal-area projection: every cell is $density_cell_m m square wherever it lies.
-- pos is read by a table macro (query_table), which sqlfluff does not see.
WITH pos AS (  -- noqa: ST03
    SELECT mmsi, transmitter, ts, lat, lon, ship_type, mobile_type, segment FROM vessel_positions
), vessel AS (
    SELECT * FROM vessel_type(pos)
), segmented AS (
    SELECT mmsi, transmitter, ts, lat, lon, segment FROM pos
), xy AS (
    SELECT mmsi, transmitter, ts, lat, lon, segment, ST_X(p) AS x, ST_Y(p) AS y
    FROM (SELECT *, laea(lon, lat) AS p FROM segmented)
), lines AS (
    SELECT mmsi, x AS x1, y AS y1, lag(x) OVER w AS x0, lag(y) OVER w AS y0,
           epoch(ts - lag(ts) OVER w) AS seconds
    FROM xy WINDOW w AS (PARTITION BY mmsi, transmitter, segment ORDER BY ts, lat, lon)
), within AS (
    -- Most lines (reports seconds apart) stay inside one cell: all their time is that cell's.
    SELECT mmsi, floor(x1 / $density_cell_m)::INTEGER AS cell_x,
           floor(y1 / $density_cell_m)::INTEGER AS cell_y,
           seconds / 3600 AS hours
    FROM lines
    WHERE x0 IS NOT NULL AND seconds > 0
      AND floor(x0 / $density_cell_m) = floor(x1 / $density_cell_m)
      AND floor(y0 / $density_cell_m) = floor(y1 / $density_cell_m)
), crossings AS (
    -- The others: the fractions of the line (0..1) where it crosses a cell edge, both ends too.
    SELECT mmsi, seconds, x0, y0, x1, y1,
           list_sort(list_distinct(list_concat(
               [0.0, 1.0],
               list_transform(range(floor(least(x0, x1) / $density_cell_m)::BIGINT + 1,
                                    floor(greatest(x0, x1) / $density_cell_m)::BIGINT + 1),
                              k -> (k * $density_cell_m - x0) / (x1 - x0)),
               list_transform(range(floor(least(y0, y1) / $density_cell_m)::BIGINT + 1,
                                    floor(greatest(y0, y1) / $density_cell_m)::BIGINT + 1),
                              k -> (k * $density_cell_m - y0) / (y1 - y0))))) AS cuts
    FROM lines
    WHERE x0 IS NOT NULL AND seconds > 0
      AND (floor(x0 / $density_cell_m) <> floor(x1 / $density_cell_m)
           OR floor(y0 / $density_cell_m) <> floor(y1 / $density_cell_m))
), pieces AS (
    SELECT mmsi, seconds, x0, y0, x1, y1, cuts, unnest(range(1, len(cuts))) AS i
    FROM crossings
), hours AS (
    -- Each piece lies in one cell: the one holding its midpoint.
    SELECT mmsi,
           floor((x0 + (cuts[i] + cuts[i + 1]) / 2 * (x1 - x0)) / $density_cell_m)::INTEGER
               AS cell_x,
           floor((y0 + (cuts[i] + cuts[i + 1]) / 2 * (y1 - y0)) / $density_cell_m)::INTEGER
               AS cell_y,
           (cuts[i + 1] - cuts[i]) * seconds / 3600 AS hours
    FROM pieces
    UNION ALL
    SELECT * FROM within
), by_hours AS (
    SELECT cell_x, cell_y, vessel.ship_type, sum(hours) AS hours
    FROM hours INNER JOIN vessel USING (mmsi) GROUP BY ALL
), by_positions AS (
    SELECT floor(x / $density_cell_m)::INTEGER AS cell_x,
           floor(y / $density_cell_m)::INTEGER AS cell_y,
           vessel.ship_type, count(DISTINCT mmsi)::INTEGER AS vessels,
           count(*)::BIGINT AS messages
    FROM xy INNER JOIN vessel USING (mmsi) GROUP BY ALL
), cells AS (
    SELECT cell_x, cell_y, ship_type, coalesce(hours, 0) AS hours,
           coalesce(vessels, 0) AS vessels, coalesce(messages, 0) AS messages
    FROM by_hours FULL OUTER JOIN by_positions USING (cell_x, cell_y, ship_type)
), centres AS (
    SELECT cell_x, cell_y,
           ST_Transform(
               ST_Point((cell_x + 0.5) * $density_cell_m, (cell_y + 0.5) * $density_cell_m),
               'EPSG:3035', 'EPSG:4326', always_xy := TRUE
           ) AS c
    FROM (SELECT DISTINCT cell_x, cell_y FROM cells)
)
SELECT $day AS dt, cell_x, cell_y,
       format(
           'CRS3035RES{}mN{}E{}',
           $density_cell_m, cell_y * $density_cell_m, cell_x * $density_cell_m
       ) AS cell_code,
       round(ST_Y(c), 6) AS lat, round(ST_X(c), 6) AS lon, ship_type,
       round(hours, 6) AS hours,
       round(hours / pow($density_cell_m / 1000.0, 2), 6) AS hours_per_km2,
       vessels, messages
FROM cells INNER JOIN centres USING (cell_x, cell_y)
ORDER BY cell_y, cell_x, ship_type
