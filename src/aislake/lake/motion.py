"""How aislake measures a vessel's motion: steps, implied speed, track cuts and distance.

One definition, used by silver (``implied_speed_kn``, ``speed_anomaly``) and by every gold
product that cuts tracks or sums distances (``docs/silver.md``, "Motion"):

- A **step** joins a vessel's consecutive positions, ordered by (ts, lat, lon).
- Its **implied speed** is the great-circle distance over the time between the positions, but
  never over less than ``min_span_seconds``. DMA stamps a report with the second a shore station
  received it, so one vessel often has two positions in the same second (several receivers, one
  moment) or a position repeated a few seconds late; over a 1-second floor tens of metres of GPS
  noise imply 100 kn. Over 10 s, 257 m are needed to exceed 50 kn: receiver noise stays noise,
  a real jump (spoofed or mistyped position, two ships on one MMSI: kilometres) still exceeds it.
  This is how GFW's gpsdio-segment tolerates noise (positions within its noise distance match
  whatever the time) and why MovingPandas' speed filters work on a minimum time delta.
- A position whose step in *and* step out both exceed ``max_speed_kn`` is a **speed anomaly**
  (one bad position between two that agree); a jump that the following positions confirm is not
  an anomaly but a **cut**: tracks start a new segment there, and after a gap longer than
  ``max_gap_minutes``.
- **Distance** along a segment is summed over the segment's positions resampled to the first
  position of each ``resample_seconds`` (and the segment's last position), counting a step only
  while the vessel moves (its reported SOG, or the step's own speed where SOG is not reported, at
  least ``moving_sog_kn``). Summing every raw step would add the zig-zag between receivers (a few
  per cent on a ferry crossing) and the GPS jitter of a moored ship (miles a day); one position a
  minute is what NOAA publishes and what density products resample to. A leg counts when the
  vessel moves at either end of it (the last minute before a berth counts too).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MotionRules:
    """Parameters of the motion rules (docs/silver.md, "Motion")."""

    max_speed_kn: float = 50.0
    min_span_seconds: float = 10.0
    max_gap_minutes: float = 30.0
    resample_seconds: float = 60.0
    moving_sog_kn: float = 0.5


def haversine_nm(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """SQL: great-circle distance in nautical miles (mean Earth radius 3440.065 nm)."""
    return (
        f"(2 * 3440.065 * asin(sqrt(pow(sin(radians({lat2} - {lat1}) / 2), 2) + "
        f"cos(radians({lat1})) * cos(radians({lat2})) * "
        f"pow(sin(radians({lon2} - {lon1}) / 2), 2))))"
    )


def implied_speed_sql(distance_nm: str, seconds: str, rules: MotionRules) -> str:
    """SQL: knots implied by ``distance_nm`` covered in ``seconds`` (at least the minimum span)."""
    return f"(({distance_nm}) * 3600 / greatest({seconds}, {float(rules.min_span_seconds)}))"


def segments_sql(positions: str, rules: MotionRules) -> str:
    """SQL of ``positions`` (a relation with mmsi, ts, lat, lon, anything else) with each row's
    step from its predecessor and its segment: ``step_nm``, ``step_s``, ``cut`` (the row starts
    a segment), ``segment`` (1, 2, ... per vessel). What products that need no distance read."""
    gap = float(rules.max_gap_minutes) * 60
    order = "ORDER BY ts, lat, lon"
    step = haversine_nm("p_lat", "p_lon", "lat", "lon")
    return f"""(
    WITH steps AS (
        SELECT *, lag(ts) OVER w AS p_ts, lag(lat) OVER w AS p_lat, lag(lon) OVER w AS p_lon
        FROM {positions} WINDOW w AS (PARTITION BY mmsi {order})
    ), marked AS (
        SELECT * EXCLUDE (p_ts, p_lat, p_lon), {step} AS step_nm, epoch(ts - p_ts) AS step_s,
               (p_ts IS NULL OR epoch(ts - p_ts) > {gap}
                OR {implied_speed_sql(step, "epoch(ts - p_ts)", rules)} > {rules.max_speed_kn})
                   AS cut
        FROM steps
    )
    SELECT *, sum(cut::INTEGER) OVER (PARTITION BY mmsi {order} ROWS UNBOUNDED PRECEDING)
                  AS segment
    FROM marked
    )"""


def segmented_sql(positions: str, rules: MotionRules) -> str:
    """SQL of ``positions`` (a relation with mmsi, ts, lat, lon, sog, anything else) as
    :func:`segments_sql` gives it, with the resampled distance leg that ends at each row:

    ``leg_nm`` (distance from the previous resampled position of the segment, counted only
    while moving at either end; NULL on rows that are not resampled positions).
    """
    span = float(rules.resample_seconds)
    order = "ORDER BY ts, lat, lon"
    leg = haversine_nm("a_lat", "a_lon", "lat", "lon")
    moved = implied_speed_sql(leg, "epoch(ts - a_ts)", rules)
    return f"""(
    WITH segmented AS (
        SELECT * FROM {segments_sql(positions, rules)}
    ), anchored AS (
        SELECT *, (row_number() OVER (PARTITION BY mmsi, segment, floor(epoch(ts) / {span})
                                      {order}) = 1
                   OR row_number() OVER (PARTITION BY mmsi, segment
                                         ORDER BY ts DESC, lat DESC, lon DESC) = 1) AS anchor
        FROM segmented
    ), legs AS (
        SELECT *, lag(CASE WHEN anchor THEN ts END IGNORE NULLS) OVER s AS a_ts,
                  lag(CASE WHEN anchor THEN lat END IGNORE NULLS) OVER s AS a_lat,
                  lag(CASE WHEN anchor THEN lon END IGNORE NULLS) OVER s AS a_lon,
                  lag(CASE WHEN anchor THEN coalesce(sog, -1) END IGNORE NULLS) OVER s AS a_sog
        FROM anchored WINDOW s AS (PARTITION BY mmsi, segment {order})
    )
    SELECT * EXCLUDE (anchor, a_ts, a_lat, a_lon, a_sog),
           CASE WHEN NOT anchor OR a_ts IS NULL THEN NULL
                WHEN greatest(coalesce(sog, {moved}), nullif(a_sog, -1))
                     >= {rules.moving_sog_kn} THEN {leg}
                ELSE 0 END AS leg_nm
    FROM legs
    )"""
