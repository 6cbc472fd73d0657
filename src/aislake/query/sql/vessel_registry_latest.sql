-- vessel_registry_latest: the all-time registry, per MMSI the latest known non-NULL value of
-- each attribute across every day of vessel_registry, with the first and last time it was seen,
-- on how many days and its positions.
SELECT mmsi,
       arg_max(mobile_type, last_seen) FILTER (WHERE mobile_type IS NOT NULL) AS mobile_type,
       arg_max(name, last_seen) FILTER (WHERE name IS NOT NULL) AS name,
       arg_max(callsign, last_seen) FILTER (WHERE callsign IS NOT NULL) AS callsign,
       arg_max(imo, last_seen) FILTER (WHERE imo IS NOT NULL) AS imo,
       arg_max(ship_type, last_seen) FILTER (WHERE ship_type IS NOT NULL) AS ship_type,
       arg_max(length, last_seen) FILTER (WHERE length IS NOT NULL) AS length,
       arg_max(width, last_seen) FILTER (WHERE width IS NOT NULL) AS width,
       arg_max(draught, last_seen) FILTER (WHERE draught IS NOT NULL) AS draught,
       arg_max(destination, last_seen) FILTER (WHERE destination IS NOT NULL) AS destination,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen,
       count(*) AS days_seen, sum(positions) AS positions
FROM vessel_registry
GROUP BY mmsi
ORDER BY mmsi
