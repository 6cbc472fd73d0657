-- The tracks in view: vessel_tracks' segments of the days asked for that meet the box, cut to
-- it and simplified to the zoom's pixel ($tolerance, degrees), with the vessel's name and type
-- from vessel_registry; the longest first, at most $max_rows.
WITH segments AS (
    SELECT
        t.dt,
        t.mmsi,
        t.segment,
        t.start_ts,
        t.end_ts,
        t.distance_nm,
        st_geomfromtext(t.geometry_wkt) AS geom
    FROM vessel_tracks AS t
),

box AS (SELECT st_makeenvelope($lon0, $lat0, $lon1, $lat1) AS envelope),

seen AS (
    SELECT
        s.*,
        st_intersection(s.geom, b.envelope) AS clipped
    FROM segments AS s, box AS b
    WHERE st_intersects(s.geom, b.envelope)
)

SELECT
    s.mmsi,
    s.segment,
    s.distance_nm,
    r.name,
    strftime(s.dt, '%Y-%m-%d') AS day,
    epoch(s.start_ts) AS start_s,
    epoch(s.end_ts) AS end_s,
    coalesce(r.ship_type, 'Undefined') AS ship_type,
    st_asgeojson(st_simplifypreservetopology(s.clipped, $tolerance)) AS geometry
FROM seen AS s
LEFT JOIN vessel_registry AS r ON s.dt = r.dt AND s.mmsi = r.mmsi
WHERE NOT st_isempty(s.clipped)
ORDER BY s.distance_nm DESC, s.mmsi ASC, s.dt ASC, s.segment ASC
LIMIT $max_rows
