-- The events in view: loitering, encounters and close-quarters situations of the days asked
-- for, each at its place (mean position, or where the two ships were closest), with what its
-- popup says; the longest or closest first.
WITH events AS (
    SELECT
        'loitering' AS kind,
        l.loitering_id AS event_id,
        l.mmsi::VARCHAR AS vessels,
        l.lat,
        l.lon,
        l.start_ts AS event_ts,
        l.duration_hours AS hours,
        NULL::DOUBLE AS cpa_nm,
        l.median_sog AS sog,
        0 AS rank_key
    FROM loitering AS l
    UNION ALL
    SELECT
        'encounter' AS kind,
        e.encounter_id AS event_id,
        e.mmsi_a::VARCHAR || ' & ' || e.mmsi_b::VARCHAR AS vessels,
        e.lat,
        e.lon,
        e.start_ts AS event_ts,
        e.duration_hours AS hours,
        NULL::DOUBLE AS cpa_nm,
        greatest(e.median_sog_a, e.median_sog_b) AS sog,
        0 AS rank_key
    FROM encounters AS e
    UNION ALL
    SELECT
        'close_quarters' AS kind,
        c.situation_id AS event_id,
        c.mmsi_a::VARCHAR || ' & ' || c.mmsi_b::VARCHAR AS vessels,
        c.lat,
        c.lon,
        c.cpa_ts AS event_ts,
        NULL::DOUBLE AS hours,
        c.cpa_nm,
        greatest(c.sog_a, c.sog_b) AS sog,
        1 AS rank_key
    FROM close_quarters AS c
)

SELECT
    kind,
    event_id,
    vessels,
    lat,
    lon,
    hours,
    cpa_nm,
    sog,
    strftime(event_ts, '%Y-%m-%d %H:%M') AS event_time
FROM events
WHERE lon BETWEEN $lon0 AND $lon1 AND lat BETWEEN $lat0 AND $lat1
ORDER BY rank_key ASC, coalesce(hours, 0) DESC, coalesce(cpa_nm, 0) ASC, event_id ASC
LIMIT $max_rows
