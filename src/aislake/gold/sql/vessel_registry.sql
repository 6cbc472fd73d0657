-- vessel_registry: one row per ship seen on the day with its static data resolved from the
-- day's reports: position rows (vessel_rows(silver)) and static-only reports (DMA's lat 91 /
-- lon 181 rows, kept in the rejects as `no_position`). Name, call sign, IMO, ship type, length
-- and width: the most reported value (ties: the latest, then the largest); length and width
-- fall back to the antenna offsets A+B and C+D. Draught and destination change during a
-- voyage: the latest reported value. $null_texts: the texts DMA writes for "none". How many
-- ships the MMSI showed at once: vessel_positions' transmitters (aislake.ais.transmitters); where
-- several, each one's most reported name (ties: the latest, then the largest), in their order.
WITH statics AS (
    SELECT TRY_CAST(mmsi AS INTEGER) AS mmsi, try_strptime(ts, '%d/%m/%Y %H:%M:%S') AS ts,
           text_value(mobile_type, $null_texts) AS mobile_type,
           text_value(name, $null_texts) AS name,
           text_value(callsign, $null_texts) AS callsign, TRY_CAST(imo AS INTEGER) AS imo,
           text_value(ship_type, $null_texts) AS ship_type,
           TRY_CAST(length AS DOUBLE) AS length, TRY_CAST(width AS DOUBLE) AS width,
           TRY_CAST(draught AS DOUBLE) AS draught,
           text_value(destination, $null_texts) AS destination,
           TRY_CAST(size_a AS DOUBLE) AS size_a, TRY_CAST(size_b AS DOUBLE) AS size_b,
           TRY_CAST(size_c AS DOUBLE) AS size_c, TRY_CAST(size_d AS DOUBLE) AS size_d,
           FALSE AS is_position
    FROM rejects
    WHERE reason = 'no_position' AND is_ship_class(mobile_type)
      AND is_vessel_kind(mmsi_station_kind(TRY_CAST(mmsi AS INTEGER)))
), reports AS (
    SELECT mmsi, ts, mobile_type, name, callsign, imo, ship_type,
           coalesce(length, nullif(size_a + size_b, 0)) AS length,
           coalesce(width, nullif(size_c + size_d, 0)) AS width, draught, destination,
           is_position
    FROM (
        SELECT mmsi, ts, mobile_type, name, callsign, imo, ship_type, length, width, draught,
               destination, size_a, size_b, size_c, size_d, TRUE AS is_position
        FROM vessel_rows(silver)
        UNION ALL BY NAME
        SELECT * FROM statics
    ) WHERE mmsi IS NOT NULL AND ts IS NOT NULL
), seen AS (
    SELECT mmsi,
           min(ts) FILTER (WHERE is_position) AS first_seen,
           max(ts) FILTER (WHERE is_position) AS last_seen,
           count(*) FILTER (WHERE is_position) AS positions,
           count(*) FILTER (WHERE NOT is_position) AS static_reports,
           arg_max(draught, ts) FILTER (WHERE draught IS NOT NULL) AS draught,
           arg_max(destination, ts) FILTER (WHERE destination IS NOT NULL) AS destination
    FROM reports GROUP BY mmsi
), shown AS (
    SELECT mmsi, max(transmitter) AS transmitters FROM vessel_positions GROUP BY mmsi
), named AS (  -- each ship of an MMSI that showed several, with its most reported name
    SELECT mmsi, transmitter, arg_max(name, (name IS NOT NULL, n, last_ts, name)) AS name
    FROM (
        SELECT p.mmsi, p.transmitter, r.name, count(*) AS n, max(p.ts) AS last_ts
        FROM vessel_positions AS p
        INNER JOIN vessel_rows(silver) AS r USING (mmsi, ts, lat, lon)
        WHERE p.mmsi IN (SELECT s.mmsi FROM shown AS s WHERE s.transmitters > 1)
        GROUP BY ALL
    )
    GROUP BY ALL
), names AS (
    SELECT mmsi, list(name ORDER BY transmitter) AS transmitter_names FROM named GROUP BY mmsi
)
SELECT $day AS dt, mmsi, mobile_type_mode.v AS mobile_type, name_mode.v AS name,
       callsign_mode.v AS callsign, imo_mode.v AS imo, ship_type_mode.v AS ship_type,
       length_mode.v AS length, width_mode.v AS width, draught, destination,
       mmsi_station_kind(mmsi) AS station_kind, mmsi_mid(mmsi) AS mid,
       first_seen, last_seen, positions, static_reports,
       shown.transmitters::SMALLINT AS transmitters,
       coalesce(shown.transmitters > 1, FALSE) AS shared_mmsi, names.transmitter_names
FROM seen
LEFT JOIN shown USING (mmsi)
LEFT JOIN names USING (mmsi)
LEFT JOIN most_reported(reports, 'mobile_type') AS mobile_type_mode USING (mmsi)
LEFT JOIN most_reported(reports, 'name') AS name_mode USING (mmsi)
LEFT JOIN most_reported(reports, 'callsign') AS callsign_mode USING (mmsi)
LEFT JOIN most_reported(reports, 'imo') AS imo_mode USING (mmsi)
LEFT JOIN most_reported(reports, 'ship_type') AS ship_type_mode USING (mmsi)
LEFT JOIN most_reported(reports, 'length') AS length_mode USING (mmsi)
LEFT JOIN most_reported(reports, 'width') AS width_mode USING (mmsi)
ORDER BY mmsi
