-- traffic_density_monthly: the month's daily density summed per cell and ship type (EMODnet
-- publishes hours per km2 per month). Vessels cannot be summed across days (the same ship is
-- counted each day it is seen), so the month counts vessel-days.
SELECT $day AS month, cell_x, cell_y, cell_code, lat, lon, ship_type,
       round(sum(hours), 6) AS hours, round(sum(hours_per_km2), 6) AS hours_per_km2,
       sum(vessels)::BIGINT AS vessel_days, sum(messages)::BIGINT AS messages,
       count(DISTINCT dt)::INTEGER AS days
FROM traffic_density
GROUP BY ALL
ORDER BY cell_y, cell_x, ship_type
