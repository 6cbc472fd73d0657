-- The motion rules (aislake.ais.motion, docs/silver.md "Motion") as DuckDB macros, created on
-- every connection aislake opens after duck/macros.sql: silver's implied speeds and gold's
-- segments are these definitions, with the rules' values passed in (MotionRules).

-- Knots implied by covering distance_nm in seconds, never over less than min_span_s.
CREATE OR REPLACE MACRO implied_speed_kn(distance_nm, seconds, min_span_s) AS (
    (distance_nm) * 3600 / greatest(seconds, min_span_s)
);

-- A step that starts a new segment: longer than max_gap_s, or faster than max_speed_kn.
CREATE OR REPLACE MACRO is_cut(step_nm, seconds, max_gap_s, min_span_s, max_speed_kn) AS (
    seconds > max_gap_s OR implied_speed_kn(step_nm, seconds, min_span_s) > max_speed_kn
);

-- The rows of the relation named `positions` (mmsi, transmitter, ts, lat, lon, sog, anything
-- else) with each row's step from its predecessor, its segment and the resampled distance leg
-- that ends at it: step_nm, step_s (NULL on a transmitter's first row), cut (the row starts a
-- segment), segment (1, 2, ... per transmitter), leg_nm (distance from the previous resampled
-- position of the segment, counted only while moving at either end; NULL on rows that are not
-- resampled positions).
--
-- Two sorts of the positions, in one window order: the first pass looks one row back and one
-- ahead (the step in; whether this row starts a segment, or the next one does, so this one ends
-- it; whether it is the first of its resample_s), the second sums the cuts into segments and
-- finds each resampled position's predecessor. A segment begins with a cut, which is always a
-- resampled position, so the nearest resampled position before a row that is not a cut lies in
-- the row's own segment.
CREATE OR REPLACE MACRO segmented(
    positions, max_speed_kn, min_span_s, max_gap_minutes, resample_s, moving_sog_kn
) AS TABLE
WITH near AS (
    SELECT *, lag(ts) OVER w AS p_ts, lag(lat) OVER w AS p_lat, lag(lon) OVER w AS p_lon,
           lead(ts) OVER w AS n_ts, lead(lat) OVER w AS n_lat, lead(lon) OVER w AS n_lon
    FROM query_table(positions) WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon)
), marked AS (
    SELECT * EXCLUDE (p_ts, p_lat, p_lon, n_ts, n_lat, n_lon),
           haversine_nm(p_lat, p_lon, lat, lon) AS step_nm,
           epoch(ts - p_ts) AS step_s,
           (p_ts IS NULL OR is_cut(haversine_nm(p_lat, p_lon, lat, lon), epoch(ts - p_ts),
                                   max_gap_minutes * 60, min_span_s, max_speed_kn)) AS cut,
           -- The first position of its span, or the last of its segment (the next starts one).
           (floor(epoch(ts) / resample_s) IS DISTINCT FROM floor(epoch(p_ts) / resample_s)
            OR n_ts IS NULL
            OR is_cut(haversine_nm(lat, lon, n_lat, n_lon), epoch(n_ts - ts),
                      max_gap_minutes * 60, min_span_s, max_speed_kn)) AS span_edge
    FROM near
), legs AS (
    SELECT *, sum(cut::INTEGER) OVER (w ROWS UNBOUNDED PRECEDING) AS segment,
           CASE WHEN NOT cut THEN lag(CASE WHEN anchor THEN ts END IGNORE NULLS) OVER w END
               AS a_ts,
           CASE WHEN NOT cut THEN lag(CASE WHEN anchor THEN lat END IGNORE NULLS) OVER w END
               AS a_lat,
           CASE WHEN NOT cut THEN lag(CASE WHEN anchor THEN lon END IGNORE NULLS) OVER w END
               AS a_lon,
           CASE WHEN NOT cut
                THEN lag(CASE WHEN anchor THEN coalesce(sog, -1) END IGNORE NULLS) OVER w END
               AS a_sog
    FROM (SELECT * EXCLUDE (span_edge), cut OR span_edge AS anchor FROM marked)
    WINDOW w AS (PARTITION BY mmsi, transmitter ORDER BY ts, lat, lon)
)
SELECT * EXCLUDE (anchor, a_ts, a_lat, a_lon, a_sog),  -- noqa: AM04
       CASE WHEN NOT anchor OR a_ts IS NULL THEN NULL
            WHEN greatest(coalesce(sog, implied_speed_kn(haversine_nm(a_lat, a_lon, lat, lon),
                                                         epoch(ts - a_ts), min_span_s)),
                          nullif(a_sog, -1)) >= moving_sog_kn
                THEN haversine_nm(a_lat, a_lon, lat, lon)
            ELSE 0 END AS leg_nm
FROM legs;
