-- The macros that need DuckDB's spatial extension: created when a step loads it
-- (aislake.duck.engine.load_spatial).

-- The point (lon, lat) in EPSG:3035 (ETRS89 Lambert azimuthal equal-area), in metres.
CREATE OR REPLACE MACRO laea(lon, lat) AS
ST_TRANSFORM(ST_POINT(lon, lat), 'EPSG:4326', 'EPSG:3035', always_xy := TRUE);
