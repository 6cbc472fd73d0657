-- Silver's read step: each typed row of `day_rows` (every DMA raw field, the source's own
-- columns, and `tie`: what orders rows equal in every field) with its reason (NULL: the row is
-- in silver; the cleaning rules of docs/silver.md, in the order of REJECT_REASONS) and `h`, a
-- hash of its other fields: which copy of an exact duplicate is kept must not depend on the
-- file's order or on threads. In silver's order: valid rows first, by (mmsi, ts, lat, lon, h).
-- $day_start, $day_end: the day's bounds (timestamps).
SELECT
    * EXCLUDE (tie),  -- noqa: AM04
    CASE
        WHEN ts IS NULL THEN 'bad_timestamp'
        WHEN ts < $day_start OR ts >= $day_end THEN 'ts_outside_day'
        WHEN mmsi_station_kind(mmsi) IS NULL THEN 'invalid_mmsi'
        WHEN (lat = 91 AND lon = 181) OR (lat IS NULL AND lon IS NULL) THEN 'no_position'
        WHEN lat IS NULL OR lon IS NULL OR lat = 91 THEN 'invalid_position'
        WHEN abs(lat) > 90 OR abs(lon) > 180 THEN 'position_out_of_range'
        -- A row DuckDB parsed although an unquoted comma shifted its fields (possible where
        -- the fields that moved are all text): the ETA is not a DMA timestamp, or the data
        -- source type is a number or a date. Two LIKE tests on short strings: free on a clean
        -- day.
        WHEN (eta IS NOT NULL AND eta NOT LIKE '__/__/____ __:__:__')
            OR data_source_type[1:1] BETWEEN '0' AND '9' THEN 'shifted_fields'
        WHEN sog < 0 OR sog > 102.3 OR cog < 0 OR cog > 360
            OR NOT (heading BETWEEN 0 AND 359 OR heading = 511)
            OR rot < -720 OR rot > 720 OR imo NOT BETWEEN 0 AND 999999999
            OR least(width, length, draught, size_a, size_b, size_c, size_d) < 0
            OR greatest(size_a, size_b, size_c, size_d) > 1022
            THEN 'value_out_of_range'
    END AS reason,
    hash(
        mobile_type, nav_status, rot, sog, cog, heading, imo, callsign, name, ship_type,
        cargo_type, width, length, pos_fix_device, draught, destination, eta, data_source_type,
        size_a, size_b, size_c, size_d
    ) AS h
FROM day_rows
ORDER BY reason NULLS FIRST, mmsi, ts, lat, lon, h, tie
