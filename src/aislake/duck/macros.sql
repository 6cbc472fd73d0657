-- The expressions the lake's SQL shares, as DuckDB macros: created on every connection aislake
-- opens (aislake.duck.engine.open_duckdb), so silver, gold and a query over the lake write
-- `haversine_nm(...)` instead of pasting the formula. A macro is expanded where it is used:
-- the plan, and every result, is the formula's own.

-- Great-circle distance in nautical miles (mean Earth radius 3440.065 nm).
CREATE OR REPLACE MACRO haversine_nm(lat1, lon1, lat2, lon2) AS (
    2 * 3440.065 * asin(sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2)
    ))
);

-- The mean of x whatever order DuckDB's threads add the values in: a sum of doubles depends on
-- it in its last bits, so the values are summed as decimals of 9 places, exactly.
CREATE OR REPLACE MACRO exact_mean(x) AS avg((x)::DECIMAL(18, 9));
