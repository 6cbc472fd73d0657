-- What gold's products share, as DuckDB macros: created on the connection before a product's
-- SQL (gold/sql/<product>.sql) runs (aislake.gold.registry.build_product). A table macro takes
-- the name of a relation (an input view such as `silver`, or a CTE) and reads it with
-- query_table.

-- A vessel: an MMSI of a ship's form (ship, craft with a parent ship) that reported as Class A
-- or B (a coast station or AtoN reporting as Class A, seen on real DMA days, is not one).
CREATE OR REPLACE MACRO is_ship_class(mobile_type) AS mobile_type IN ('Class A', 'Class B');
CREATE OR REPLACE MACRO is_vessel_kind(station_kind) AS (
    station_kind IN ('ship', 'craft_with_parent')
);
CREATE OR REPLACE MACRO is_vessel(mobile_type, station_kind) AS (
    is_ship_class(mobile_type) AND is_vessel_kind(station_kind)
);

-- Every row of the day's vessels: a vessel is one transmitter whatever mobile type some of its
-- rows carry (DMA writes `Undefined` on some of a ship's rows): all of them are its own,
-- counted once. The rows that say Class A/B as they are (the scan the filter is pushed into),
-- then the few others of the same transmitters: one semi-join over those few.
CREATE OR REPLACE MACRO vessel_rows(silver_rows) AS TABLE
SELECT * FROM query_table(silver_rows) WHERE is_vessel(mobile_type, station_kind)  -- noqa: AM04
UNION ALL
SELECT * FROM query_table(silver_rows)
WHERE is_vessel_kind(station_kind) AND is_ship_class(mobile_type) IS NOT TRUE
  AND mmsi IN (
      SELECT mmsi FROM query_table(silver_rows) WHERE is_vessel(mobile_type, station_kind)
  );

-- The day's vessel positions that are not flagged as position jumps.
CREATE OR REPLACE MACRO ships(silver_rows) AS TABLE
SELECT * FROM vessel_rows(silver_rows) WHERE NOT speed_anomaly;  -- noqa: AM04

-- Each transmitter's ship type: its most reported one that day (ties: the alphabetically
-- first, so re-runs agree); transmitters that are not ships are grouped by their mobile type
-- ('Base Station', 'AtoN'), ships that never said by 'Unknown'.
CREATE OR REPLACE MACRO vessel_type(reports) AS TABLE
SELECT mmsi, coalesce(
        arg_max(ship_type, (n, ship_type)) FILTER (WHERE ship_type IS NOT NULL),
        CASE WHEN bool_or(is_ship_class(mobile_type)) OR bool_and(mobile_type IS NULL)
             THEN 'Unknown' ELSE min(mobile_type) END) AS ship_type
FROM (SELECT mmsi, ship_type, any_value(mobile_type) AS mobile_type, count(*) AS n
      FROM query_table(reports) GROUP BY ALL)
GROUP BY mmsi;

-- Every run of `runs` (vessel_runs) in its vessel's order across days (k: 1, 2, ...) with the
-- end of the run before it (p_end, p_lat, p_lon, p_sog, p_port, p_stopped) and the hop between
-- the two (hop_nm, hop_hours; NULL on a vessel's first run): the one reading of the runs that
-- visits, voyages and gaps stitch from.
CREATE OR REPLACE MACRO linked_runs(runs) AS TABLE
SELECT *, haversine_nm(p_lat, p_lon, start_lat, start_lon) AS hop_nm,  -- noqa: AM04
       epoch(start_ts - p_end) / 3600 AS hop_hours
FROM (SELECT *, row_number() OVER w AS k, lag(end_ts) OVER w AS p_end,
             lag(end_lat) OVER w AS p_lat, lag(end_lon) OVER w AS p_lon,
             lag(end_sog) OVER w AS p_sog, lag(port) OVER w AS p_port,
             lag(end_stopped) OVER w AS p_stopped
      FROM query_table(runs) WINDOW w AS (PARTITION BY mmsi ORDER BY start_ts, dt, run));

-- Per MMSI of `reports`, the most reported non-NULL value of its column named `attr` (ties: the
-- latest reported, then the largest), as `v`.
CREATE OR REPLACE MACRO most_reported(reports, attr) AS TABLE
SELECT mmsi, arg_max(v, (n, last_ts, v)) AS v
FROM (SELECT mmsi, COLUMNS(c -> c = attr) AS v, count(*) AS n, max(ts) AS last_ts
      FROM query_table(reports) WHERE COLUMNS(c -> c = attr) IS NOT NULL GROUP BY ALL)
GROUP BY mmsi;

-- Kilometres between two points (haversine_nm, 1.852 km to the nautical mile).
CREATE OR REPLACE MACRO haversine_km(lat1, lon1, lat2, lon2) AS (
    haversine_nm(lat1, lon1, lat2, lon2) * 1.852
);

-- A DMA text field as a value: NULL where empty or one of the null_texts DMA writes for none.
CREATE OR REPLACE MACRO text_value(c, null_texts) AS (
    CASE WHEN c IS NULL OR list_contains(null_texts, trim(c)) THEN NULL ELSE c END
);
