-- Silver's write step, one slice: the classified rows of `part_rows` joined by position to
-- their neighbours `part_neighbours`, the valid ones and one copy of each, as silver's columns
-- (aislake.ais.schema, in its order; not-available sentinels -> NULL). The casts are safe: the
-- rules rejected every row whose value would not fit. $max_speed_kn: a position whose implied
-- speeds in and out both exceed it is a speed anomaly; $source: the source's name. `repaired`:
-- the field a repair moved (NULL for rows of lines that needed none).
SELECT
    ts,
    CAST(mmsi AS INTEGER) AS mmsi,
    lat,
    lon,
    CASE WHEN sog >= 102.3 THEN NULL ELSE sog END AS sog,
    CASE WHEN cog >= 360 THEN NULL ELSE cog END AS cog,
    CAST(CASE WHEN heading = 511 THEN NULL ELSE heading END AS SMALLINT) AS heading,
    CASE WHEN rot = -128 THEN NULL ELSE rot END AS rot,
    nav_status,
    mobile_type,
    mmsi_station_kind(mmsi) AS station_kind,
    CAST(imo AS INTEGER) AS imo,
    callsign,
    name,
    ship_type,
    cargo_type,
    width,
    length,
    draught,
    destination,
    try_strptime(eta, '%d/%m/%Y %H:%M:%S') AS eta,
    pos_fix_device,
    data_source_type,
    CAST(size_a AS SMALLINT) AS size_a,
    CAST(size_b AS SMALLINT) AS size_b,
    CAST(size_c AS SMALLINT) AS size_c,
    CAST(size_d AS SMALLINT) AS size_d,
    speed_in AS implied_speed_kn,
    coalesce(speed_in > $max_speed_kn AND speed_out > $max_speed_kn, FALSE) AS speed_anomaly,
    repaired,
    receiver,
    receivers,
    CAST($source AS VARCHAR) AS source
FROM part_rows POSITIONAL JOIN part_neighbours
WHERE reason IS NULL AND NOT dup
