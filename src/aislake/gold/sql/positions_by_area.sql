-- positions_by_area: the day's vessel positions laid out by place, not by vessel: ordered along
-- a Hilbert curve over longitude/latitude (then mmsi, ts), so each row group of the file covers
-- a small area and a query for a box (a strait, a port) reads the few row groups whose
-- statistics on lat and lon meet it.
-- Every column of vessel_positions, as that product declares them.
SELECT *  -- noqa: AM04
FROM vessel_positions
ORDER BY
    st_hilbert(lon, lat, { 'min_x': -180, 'min_y': -90, 'max_x': 180, 'max_y': 90 }::BOX_2D),
    mmsi, transmitter, ts, lat, lon
