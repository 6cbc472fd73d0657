-- Vessels of the days asked for whose name contains $text or whose MMSI starts with it, with
-- the extent of their tracks (to fly to); names that start with it first.
WITH found AS (
    SELECT
        r.mmsi,
        arg_max(r.name, r.dt) AS name,
        arg_max(r.ship_type, r.dt) AS ship_type
    FROM vessel_registry AS r
    WHERE
        r.name ILIKE '%' || $text || '%'
        OR r.mmsi::VARCHAR LIKE $text || '%'
    GROUP BY r.mmsi
),

extents AS (
    SELECT
        t.mmsi,
        st_extent_agg(st_geomfromtext(t.geometry_wkt)) AS extent
    FROM vessel_tracks AS t
    WHERE t.mmsi IN (SELECT f.mmsi FROM found AS f)
    GROUP BY t.mmsi
)

SELECT
    f.mmsi,
    f.name,
    coalesce(f.ship_type, 'Undefined') AS ship_type,
    st_xmin(e.extent) AS lon0,
    st_ymin(e.extent) AS lat0,
    st_xmax(e.extent) AS lon1,
    st_ymax(e.extent) AS lat1
FROM found AS f
LEFT JOIN extents AS e ON f.mmsi = e.mmsi
ORDER BY NOT coalesce(f.name ILIKE $text || '%', FALSE), f.name, f.mmsi
LIMIT $max_rows
