-- port_visits: Global Fishing Watch's port visits, stitched from every day's vessel runs
-- (linked_runs(vessel_runs)) so a visit across midnight (or across days) is one visit.
-- Consecutive runs of a vessel in the same port form a block; the visit starts at the block's
-- first entered run (approaching through the band between entry and exit distance is not a
-- visit yet) and lasts to the block's end. It needs evidence, as GFW's do: a stop of
-- $visit_stop_min_minutes minutes or more, or a silence of $port_gap_hours hours or more (a port
-- gap). Confidence as GFW grades it: 4 with the entry and the exit seen, 3 with one of them, 2
-- with neither.
WITH linked AS (
    SELECT *, p_stopped AND start_stopped AS hop_stopped,
           max(k) OVER (PARTITION BY mmsi, transmitter) AS vessel_last_k
    FROM linked_runs(vessel_runs)
), blocks AS (
    SELECT *, sum((port IS NULL OR p_port IS NULL OR port <> p_port)::INTEGER)
                  OVER (PARTITION BY mmsi, transmitter ORDER BY k
                        ROWS UNBOUNDED PRECEDING) AS block
    FROM linked
), inside AS (
    SELECT * FROM (
        SELECT *, bool_or(entered) OVER (PARTITION BY mmsi, transmitter, block ORDER BY k
                                         ROWS UNBOUNDED PRECEDING) AS entered_yet
        FROM blocks WHERE port IS NOT NULL)
    WHERE entered_yet
), visits AS (
    SELECT mmsi, transmitter, block, any_value(port) AS port, min(k) AS first_k, max(k) AS last_k,
           any_value(vessel_last_k) AS vessel_last_k,
           min(start_ts) AS arrival, max(end_ts) AS last_seen, sum(positions) AS positions,
           arg_min(start_lat, k) AS entry_lat, arg_min(start_lon, k) AS entry_lon,
           min(stop_ts) AS stop_ts, arg_min(stop_lat, stop_ts) AS stop_lat,
           arg_min(stop_lon, stop_ts) AS stop_lon,
           -- stopped within runs, and between two runs of the visit (across midnight) when
           -- stopped at both ends
           sum(stopped_hours) + coalesce(sum(hop_hours) FILTER (WHERE k > first_k_of_block
                                                                 AND hop_stopped), 0)
               AS stopped_hours,
           greatest(max(max_gap_hours),
                    coalesce(max(hop_hours) FILTER (WHERE k > first_k_of_block), 0))
               AS max_gap_hours
    FROM (SELECT *, min(k) OVER (PARTITION BY mmsi, transmitter, block) AS first_k_of_block
          FROM inside)
    GROUP BY mmsi, transmitter, block
)
SELECT format('{}-{}', vessel_key(mmsi, transmitter), strftime(arrival, '%Y%m%dT%H%M%S'))
           AS visit_id, mmsi, transmitter,
       port,
       arrival, CASE WHEN last_k < vessel_last_k THEN last_seen END AS departure, last_seen,
       round(epoch(last_seen - arrival) / 3600, 4) AS duration_hours,
       round(coalesce(stop_lat, entry_lat), 6) AS lat,
       round(coalesce(stop_lon, entry_lon), 6) AS lon,
       positions::BIGINT AS positions, round(stopped_hours, 4) AS stopped_hours,
       round(max_gap_hours, 4) AS max_gap_hours,
       first_k > 1 AS entry_observed, last_k < vessel_last_k AS exit_observed,
       (2 + (first_k > 1)::INTEGER + (last_k < vessel_last_k)::INTEGER)::TINYINT AS confidence
FROM visits
WHERE stopped_hours * 60 >= $visit_stop_min_minutes OR max_gap_hours >= $port_gap_hours
ORDER BY mmsi, transmitter, arrival
