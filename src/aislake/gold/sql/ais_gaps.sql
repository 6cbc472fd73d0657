-- ais_gaps: "going dark": a vessel under way whose reports stop for $gap_min_hours hours or more,
-- with its last position before the silence and its first after, across midnight and across
-- days (the runs of every day are read in one order). Under way: its last report before the
-- gap gave a SOG of $under_way_sog kn or more, or it reappeared $gap_min_move_nm nm or more away.
-- A vessel still silent at the lake's last report has no gap yet: it is found once it reports.
WITH gaps AS (
    SELECT *, hop_hours AS hours, hop_nm AS nm FROM linked_runs(vessel_runs) WHERE p_end IS NOT NULL
)
SELECT format('{}-{}', vessel_key(mmsi, transmitter), strftime(p_end, '%Y%m%dT%H%M%S'))
           AS gap_id, mmsi, transmitter,
       p_end AS gap_start, start_ts AS gap_end, round(hours, 4) AS duration_hours,
       p_lat AS start_lat, p_lon AS start_lon, p_sog AS start_sog,
       start_lat AS end_lat, start_lon AS end_lon, start_sog AS end_sog,
       round(nm, 3) AS distance_nm, round(nm / hours, 2) AS implied_speed_kn,
       p_port AS start_port, port AS end_port
FROM gaps
WHERE hours >= $gap_min_hours AND (coalesce(p_sog, 0) >= $under_way_sog OR nm >= $gap_min_move_nm)
ORDER BY mmsi, transmitter, gap_start
