-- voyages: Global Fishing Watch's voyages, from one port visit's departure to the vessel's
-- next visit's arrival. An end the lake has not seen is NULL: the voyage that brought a vessel
-- to its first visit has no origin, and a vessel that left its last visit is still at sea. The
-- distance is the vessel runs' between the two (their resampled legs, and the straight line
-- from one run's end to the next one's start, across silences too).
WITH visits AS (
    SELECT mmsi, transmitter, visit_id, port, arrival, departure, entry_observed,
           lead(visit_id) OVER w AS next_id, lead(port) OVER w AS next_port,
           lead(arrival) OVER w AS next_arrival, row_number() OVER w AS n
    FROM port_visits WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY arrival)
), trips AS (
    SELECT mmsi, transmitter, visit_id AS origin_visit_id, port AS origin_port, departure,
           next_id AS destination_visit_id, next_port AS destination_port, next_arrival AS arrival
    FROM visits WHERE departure IS NOT NULL
    UNION ALL
    SELECT mmsi, transmitter, NULL, NULL, NULL, visit_id, port, arrival
    FROM visits WHERE n = 1 AND entry_observed
), keyed AS (
    SELECT *, coalesce(departure, TIMESTAMP '-infinity') AS after FROM trips
), runs AS (
    SELECT mmsi, transmitter, start_ts, distance_nm, coalesce(hop_nm, 0) AS hop_nm,
           coalesce(hop_hours, 0) AS hop_hours
    FROM linked_runs(vessel_runs)
), legs AS (
    -- Each run belongs to the voyage that departed last before it began (an as-of join: a
    -- vessel's runs and voyages are each read once), up to the voyage's arrival.
    SELECT keyed.mmsi, keyed.transmitter, keyed.after,
           sum(runs.hop_nm + CASE WHEN keyed.arrival IS NULL OR runs.start_ts < keyed.arrival
                                  THEN runs.distance_nm ELSE 0 END) AS distance_nm,
           max(runs.hop_hours) AS max_gap_hours
    FROM runs ASOF JOIN keyed
        ON runs.mmsi = keyed.mmsi AND runs.transmitter = keyed.transmitter
            AND runs.start_ts > keyed.after
    WHERE keyed.arrival IS NULL OR runs.start_ts <= keyed.arrival
    GROUP BY ALL
)
SELECT format('{}-{}', vessel_key(mmsi, transmitter),
              strftime(coalesce(departure, arrival), '%Y%m%dT%H%M%S'))
           AS voyage_id,
       mmsi, transmitter, origin_port, destination_port, departure, arrival,
       round(epoch(arrival - departure) / 3600, 4) AS duration_hours,
       round(coalesce(distance_nm, 0), 3) AS distance_nm,
       round(coalesce(max_gap_hours, 0), 4) AS max_gap_hours,
       origin_visit_id, destination_visit_id
FROM keyed LEFT JOIN legs USING (mmsi, transmitter, after)
ORDER BY mmsi, transmitter, after, arrival
