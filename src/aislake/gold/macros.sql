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

-- A vessel in the ids of visits, voyages and gaps: its MMSI, and `.2`, `.3`, ... for the second,
-- third transmitter of an MMSI that showed several ships at once.
CREATE OR REPLACE MACRO vessel_key(mmsi, transmitter) AS (
    CASE WHEN transmitter > 1 THEN format('{}.{}', mmsi, transmitter) ELSE mmsi::VARCHAR END
);

-- Every run of `runs` (vessel_runs) in its vessel's order across days (k: 1, 2, ...; a vessel
-- is an MMSI's transmitter, numbered day by day) with the end of the run before it (p_end,
-- p_lat, p_lon, p_sog, p_port, p_stopped) and the hop between the two (hop_nm, hop_hours; NULL
-- on a vessel's first run): the one reading of the runs that visits, voyages and gaps stitch
-- from.
CREATE OR REPLACE MACRO linked_runs(runs) AS TABLE
SELECT *, haversine_nm(p_lat, p_lon, start_lat, start_lon) AS hop_nm,  -- noqa: AM04
       epoch(start_ts - p_end) / 3600 AS hop_hours
FROM (SELECT *, row_number() OVER w AS k, lag(end_ts) OVER w AS p_end,
             lag(end_lat) OVER w AS p_lat, lag(end_lon) OVER w AS p_lon,
             lag(end_sog) OVER w AS p_sog, lag(port) OVER w AS p_port,
             lag(end_stopped) OVER w AS p_stopped
      FROM query_table(runs)
      WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY start_ts, dt, run));

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

-- Each vessel's position in every slot of `slot_minutes` minutes it reported in: the last one
-- (ts, lat, lon, sog); `slot` is the slot's start. How events sample positions at one rate.
CREATE OR REPLACE MACRO slotted(positions, slot_minutes) AS TABLE
SELECT mmsi, transmitter,
       time_bucket(to_microseconds((slot_minutes * 60000000)::BIGINT), ts) AS slot,
       max(ts) AS ts, arg_max(lat, ts) AS lat, arg_max(lon, ts) AS lon, arg_max(sog, ts) AS sog
FROM query_table(positions)
GROUP BY ALL;

-- The positions (with ts) an event product of `day` reads: from `lookback_minutes` before the
-- day to its end (the day before's are there for a product that follows events across midnight).
CREATE OR REPLACE MACRO event_window(positions, day, lookback_minutes) AS TABLE
SELECT * FROM query_table(positions)  -- noqa: AM04
WHERE ts >= day::TIMESTAMP - to_microseconds((lookback_minutes * 60000000)::BIGINT)
  AND ts < day::TIMESTAMP + INTERVAL 1 DAY;

-- An event whose last sign was at `end_ts` (the vessel's next position `next_ts`; NULL: none
-- seen), ended by a pause of more than `max_gap_minutes`, is known to be over by `by_ts`.
CREATE OR REPLACE MACRO over_by(end_ts, next_ts, max_gap_minutes, by_ts) AS (
    coalesce(next_ts < by_ts, FALSE)
    OR end_ts + to_microseconds((max_gap_minutes * 60000000)::BIGINT) < by_ts
);

-- Reported on `day`: over by the day's end and not by its start (the day before reported it),
-- so an event across midnight is one row, on the day it is known to have ended.
CREATE OR REPLACE MACRO reported_on(end_ts, next_ts, max_gap_minutes, day) AS (
    over_by(end_ts, next_ts, max_gap_minutes, day::TIMESTAMP + INTERVAL 1 DAY)
    AND NOT over_by(end_ts, next_ts, max_gap_minutes, day::TIMESTAMP)
);

-- The rows of `pairs` (two vessels' slots: mmsi_a, transmitter_a, mmsi_b, transmitter_b, slot)
-- with their `run`: 1, 2, ... per pair, a new one after a pause of more than `max_gap_minutes`.
CREATE OR REPLACE MACRO pair_runs(pairs, max_gap_minutes) AS TABLE
SELECT *,  -- noqa: AM04
       sum((p_slot IS NULL OR epoch(slot - p_slot) > max_gap_minutes * 60)::INTEGER)
          OVER (PARTITION BY mmsi_a, transmitter_a, mmsi_b, transmitter_b ORDER BY slot
                ROWS UNBOUNDED PRECEDING) AS run
FROM (SELECT *, lag(slot) OVER (PARTITION BY mmsi_a, transmitter_a, mmsi_b, transmitter_b
                                ORDER BY slot) AS p_slot
      FROM query_table(pairs));

-- The rows of `rel` (any columns, with lat and lon) more than `min_km` km from every port and
-- anchorage (the bundled `ports`, the lake's `anchorages`): each row meets only the places in
-- its own and the eight neighbouring cells of a grid `min_km` wide, not every place.
CREATE OR REPLACE MACRO away_from_places(rel, min_km) AS TABLE
WITH places AS (
    SELECT port_lat AS lat, port_lon AS lon FROM ports
    UNION ALL
    SELECT lat, lon FROM anchorages
), cells AS (
    SELECT DISTINCT floor(lon * cos(radians(lat)) * 111.32 / min_km)::BIGINT + dx AS x,
           floor(lat * 111.32 / min_km)::BIGINT + dy AS y, lat, lon
    FROM places, range(-1, 2) AS t1 (dx), range(-1, 2) AS t2 (dy)
), marked AS (
    SELECT *, floor(lon * cos(radians(lat)) * 111.32 / min_km)::BIGINT AS qx,
           floor(lat * 111.32 / min_km)::BIGINT AS qy
    FROM query_table(rel)
)
SELECT m.* EXCLUDE (qx, qy) FROM marked AS m  -- noqa: AM04, RF03
WHERE NOT EXISTS (
    SELECT 1 FROM cells AS c
    WHERE c.x = m.qx AND c.y = m.qy
      AND haversine_km(m.lat, m.lon, c.lat, c.lon) <= min_km  -- noqa: RF03
);

-- Each row of `events` (any columns, with lat and lon) and its nearest port or anchorage (the
-- bundled `ports` and the lake's `anchorages`): `place` and `place_km`.
CREATE OR REPLACE MACRO with_nearest_place(events) AS TABLE
WITH places AS (
    SELECT port, port_lat AS lat, port_lon AS lon FROM ports
    UNION ALL
    SELECT port, lat, lon FROM anchorages
)
SELECT e.*,  -- noqa: AM04
       arg_min(p.port, haversine_km(e.lat, e.lon, p.lat, p.lon)) AS place,
       min(haversine_km(e.lat, e.lon, p.lat, p.lon)) AS place_km
FROM query_table(events) AS e
CROSS JOIN places AS p
GROUP BY ALL;
