-- encounters (Global Fishing Watch's): two vessels within $encounter_max_km km of each other
-- in their $event_slot_minutes-minute slots (slots at most $event_max_gap_minutes minutes
-- apart) for at least $encounter_min_hours h, each with a median SOG under
-- $encounter_max_sog_kn kn, both more than $event_min_port_km km from every port and anchorage
-- (positions nearer are left out before pairs are sought: a crowded port is never paired).
-- Pairs come from a grid of cells $encounter_max_km km wide: a slot's positions are joined to
-- those of the same and the eight neighbouring cells, never every vessel to every other.
-- Followed across midnight: the positions from $event_lookback_hours h before the day are read
-- too, and an encounter is reported on the day it is known to have ended (reported_on).
WITH positions AS (  -- noqa: ST03
    SELECT * FROM event_window(vessel_positions, $day, $event_lookback_hours * 60)
), at_sea_positions AS (  -- noqa: ST03
    SELECT * FROM slotted(positions, $event_slot_minutes)
), slots AS (
    SELECT *, floor(lat * 111.32 / $encounter_max_km)::BIGINT AS cy,
           floor(lon * cos(radians(lat)) * 111.32 / $encounter_max_km)::BIGINT AS cx
    FROM away_from_places(at_sea_positions, $event_min_port_km)
), around AS (
    SELECT s.*, s.cx + dx AS nx, s.cy + dy AS ny
    FROM slots AS s, range(-1, 2) AS t1 (dx), range(-1, 2) AS t2 (dy)
), near AS (  -- noqa: ST03
    SELECT a.mmsi AS mmsi_a, a.transmitter AS transmitter_a, b.mmsi AS mmsi_b,
           b.transmitter AS transmitter_b, a.slot, greatest(a.ts, b.ts) AS ts,
           haversine_km(a.lat, a.lon, b.lat, b.lon) AS km, a.sog AS sog_a, b.sog AS sog_b,
           (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon
    FROM slots AS a
    INNER JOIN around AS b
        ON a.slot = b.slot AND a.cx = b.nx AND a.cy = b.ny AND a.mmsi < b.mmsi
    WHERE haversine_km(a.lat, a.lon, b.lat, b.lon) <= $encounter_max_km
), runs AS (
    SELECT * FROM pair_runs(near, $event_max_gap_minutes)
), events AS (  -- noqa: ST03
    SELECT mmsi_a, transmitter_a, mmsi_b, transmitter_b, run, min(ts) AS start_ts,
           max(ts) AS end_ts, max(slot) AS last_slot, count(*)::INTEGER AS slots,
           median(km) AS median_km,
           median(sog_a) AS median_sog_a, median(sog_b) AS median_sog_b,
           exact_mean(lat)::DOUBLE AS lat, exact_mean(lon)::DOUBLE AS lon
    FROM runs
    GROUP BY mmsi_a, transmitter_a, mmsi_b, transmitter_b, run
    HAVING epoch(max(ts) - min(ts)) >= $encounter_min_hours * 3600
        AND median(sog_a) < $encounter_max_sog_kn AND median(sog_b) < $encounter_max_sog_kn
)
SELECT vessel_key(mmsi_a, transmitter_a) || '-' || vessel_key(mmsi_b, transmitter_b) || '-'
       || strftime(start_ts, '%Y%m%dT%H%M%S')
           AS encounter_id,
       $day AS dt, mmsi_a, transmitter_a, mmsi_b, transmitter_b, start_ts, end_ts,
       round(epoch(end_ts - start_ts) / 3600, 3) AS duration_hours, slots,
       round(median_km, 4) AS median_km, round(median_sog_a, 2) AS median_sog_a,
       round(median_sog_b, 2) AS median_sog_b, round(lat, 6) AS lat, round(lon, 6) AS lon,
       place AS nearest_place, round(place_km, 3) AS place_km
FROM with_nearest_place(events)
WHERE place_km > $event_min_port_km
    AND reported_on(last_slot, NULL, $event_max_gap_minutes, $day)
ORDER BY mmsi_a, transmitter_a, mmsi_b, transmitter_b, start_ts
