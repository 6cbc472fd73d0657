-- Silver's rejects: every row of the day that is not in silver, with its reason. Rows that
-- parsed are rendered back as text in the source's forms (the timestamp in $ts_format, numbers
-- in canonical form: 55.5, not 55.500000); lines that did not parse, and lines the sanitizer
-- took aside, keep their raw text. A repaired line is in silver or here once, as repaired.
-- Inputs: `classified_rows` and `repaired_rows` (the sorted files, with each row's number),
-- `neighbours`, and the build's `reject_errors` (DuckDB's), `lines_aside`, `repaired_ids` and
-- `raw_lines` (a decoder's raw text by line, for rows the sort did not carry it with);
-- each branch's `line` a BIGINT (DuckDB's reject_errors number lines UBIGINT: a union with a
-- BIGINT would make the column a DOUBLE);
-- $rows_read: the main file's rows (the repaired rows' ids follow); $source: the source.
WITH main_neighbours AS (
    SELECT * FROM neighbours WHERE rid < $rows_read
),

repaired_neighbours AS (
    SELECT * FROM neighbours WHERE rid >= $rows_read
),

parsed AS (
    SELECT *  -- noqa: AM07
    FROM classified_rows
    POSITIONAL JOIN main_neighbours
    WHERE (reason IS NOT NULL OR dup)
        AND (reason IS DISTINCT FROM 'shifted_fields' OR file_row_number NOT IN
            (SELECT src_rid FROM repaired_ids WHERE src_rid IS NOT NULL))
    UNION ALL BY NAME
    SELECT *
    FROM repaired_rows
    POSITIONAL JOIN repaired_neighbours
    WHERE reason IS NOT NULL OR dup
),

-- The raw text of rows that parsed, where the source keeps it beside the rows (a decoded
-- source's messages): only the refused rows are joined to it.
parsed_text AS (
    SELECT p.* REPLACE (coalesce(p.raw_line, t.raw_line) AS raw_line)
    FROM parsed AS p
    LEFT JOIN raw_lines AS t ON p.line = t.line
),

-- A line DuckDB refused: its reason from what DuckDB reports (the line's shape, else the field
-- that failed).
refused AS (
    SELECT
        CAST(line AS BIGINT) AS line,
        any_value(csv_line) AS raw_line,
        CASE min(CASE
                WHEN error_type <> 'CAST' THEN 0
                WHEN column_name = 'ts' THEN 1
                WHEN column_name = 'mmsi' THEN 2
                WHEN column_name IN ('lat', 'lon') THEN 3
                ELSE 4
            END)
            WHEN 0 THEN 'malformed_csv'
            WHEN 1 THEN 'bad_timestamp'
            WHEN 2 THEN 'invalid_mmsi'
            WHEN 3 THEN 'invalid_position'
            ELSE 'unparseable_field'
        END AS reason
    FROM reject_errors
    WHERE line NOT IN (SELECT src_line FROM repaired_ids WHERE src_line IS NOT NULL)
    GROUP BY line
)

-- By name: the lines that did not parse have no fields (NULL).
SELECT  -- noqa: AM07
    coalesce(reason, 'duplicate') AS reason,
    CAST(line AS BIGINT) AS line,
    raw_line,
    strftime(ts, $ts_format) AS ts,
    CAST(mobile_type AS VARCHAR) AS mobile_type,
    CAST(mmsi AS VARCHAR) AS mmsi,
    CAST(lat AS VARCHAR) AS lat,
    CAST(lon AS VARCHAR) AS lon,
    CAST(nav_status AS VARCHAR) AS nav_status,
    CAST(rot AS VARCHAR) AS rot,
    CAST(sog AS VARCHAR) AS sog,
    CAST(cog AS VARCHAR) AS cog,
    CAST(heading AS VARCHAR) AS heading,
    CAST(imo AS VARCHAR) AS imo,
    CAST(callsign AS VARCHAR) AS callsign,
    CAST(name AS VARCHAR) AS name,
    CAST(ship_type AS VARCHAR) AS ship_type,
    CAST(cargo_type AS VARCHAR) AS cargo_type,
    CAST(width AS VARCHAR) AS width,
    CAST(length AS VARCHAR) AS length,
    CAST(pos_fix_device AS VARCHAR) AS pos_fix_device,
    CAST(draught AS VARCHAR) AS draught,
    CAST(destination AS VARCHAR) AS destination,
    CAST(eta AS VARCHAR) AS eta,
    CAST(data_source_type AS VARCHAR) AS data_source_type,
    CAST(size_a AS VARCHAR) AS size_a,
    CAST(size_b AS VARCHAR) AS size_b,
    CAST(size_c AS VARCHAR) AS size_c,
    CAST(size_d AS VARCHAR) AS size_d,
    CAST($source AS VARCHAR) AS source
FROM parsed_text
UNION ALL BY NAME
SELECT reason, line, raw_line, CAST($source AS VARCHAR) AS source FROM refused
UNION ALL BY NAME
SELECT reason, line, raw_line, CAST($source AS VARCHAR) AS source FROM lines_aside
