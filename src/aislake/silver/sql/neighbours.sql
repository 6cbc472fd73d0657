-- Silver's neighbours step: each row's neighbours in its vessel's sorted run, found on the
-- narrow keys of the sorted files `classified_rows` and `repaired_rows` (a window over the wide
-- rows would sort them all again), in row-id order (rid: the main file's row number, then
-- $rows_read + the repaired file's), to be joined to the wide rows by position.
-- p = the previous row, n1..n3 = the next ones. An exact duplicate equals its predecessor; the
-- next *different* position skips up to two copies of this one (triplicates are rare). Speeds
-- (in knots, never over less than $min_span_s seconds) are computed for valid rows only: a
-- rejected row may hold a position no function takes (an infinite latitude: DuckDB's `cos`
-- refuses it and would fail the day).
WITH silver_keys AS (
    SELECT file_row_number AS rid, reason, mmsi, ts, lat, lon, h FROM classified_rows
    UNION ALL
    SELECT $rows_read + file_row_number, reason, mmsi, ts, lat, lon, h FROM repaired_rows
),

near AS (
    SELECT
        rid, reason, ts, lat, lon, struct_pack(ts, lat, lon) AS here,
        lag(struct_pack(ts, lat, lon)) OVER w AS p,
        lead(struct_pack(ts, lat, lon)) OVER w AS n1,
        lead(struct_pack(ts, lat, lon), 2) OVER w AS n2,
        lead(struct_pack(ts, lat, lon), 3) OVER w AS n3
    FROM silver_keys
    -- The files' own order, across both (the main file alone: rid order).
    WINDOW w AS (PARTITION BY reason, mmsi ORDER BY ts, lat, lon, h, rid)
),

nexts AS (
    SELECT
        *,
        CASE WHEN (n1 IS DISTINCT FROM here) THEN n1
            WHEN (n2 IS DISTINCT FROM here) THEN n2
            ELSE n3
        END AS nx
    FROM near
)

SELECT
    rid,
    coalesce(p = here, FALSE) AS dup,
    CASE WHEN reason IS NULL
            THEN implied_speed_kn(
                haversine_nm(p['lat'], p['lon'], lat, lon), epoch(ts - p['ts']), $min_span_s
            )
    END AS speed_in,
    CASE WHEN reason IS NULL
            THEN implied_speed_kn(
                haversine_nm(lat, lon, nx['lat'], nx['lon']), epoch(nx['ts'] - ts), $min_span_s
            )
    END AS speed_out
FROM nexts
ORDER BY rid
