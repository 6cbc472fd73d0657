-- One vessel over the days asked for (a track's popup): what vessel_registry says of it, the
-- distance its tracks sailed and its extent.
WITH registry AS (
    SELECT
        r.mmsi,
        arg_max(r.name, r.dt) AS name,
        arg_max(r.ship_type, r.dt) AS ship_type,
        arg_max(r.callsign, r.dt) AS callsign,
        arg_max(r.imo, r.dt) AS imo,
        arg_max(r.length, r.dt) AS length,
        arg_max(r.destination, r.dt) AS destination
    FROM vessel_registry AS r
    WHERE r.mmsi = $mmsi
    GROUP BY r.mmsi
),

sailed AS (
    SELECT
        $mmsi::INTEGER AS mmsi,
        sum(t.distance_nm) AS distance_nm,
        count(*) AS segments,
        st_extent_agg(st_geomfromtext(t.geometry_wkt)) AS extent
    FROM vessel_tracks AS t
    WHERE t.mmsi = $mmsi
)

SELECT
    r.name,
    r.callsign,
    r.imo,
    r.length,
    r.destination,
    s.distance_nm,
    s.segments,
    s.mmsi,
    coalesce(r.ship_type, 'Undefined') AS ship_type,
    st_xmin(s.extent) AS lon0,
    st_ymin(s.extent) AS lat0,
    st_xmax(s.extent) AS lon1,
    st_ymax(s.extent) AS lat1
FROM sailed AS s
LEFT JOIN registry AS r ON TRUE
WHERE s.segments > 0 OR r.mmsi IS NOT NULL
