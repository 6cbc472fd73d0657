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
    """SQL: great-circle distance in nautical miles: the macro of the same name
    (``aislake/duck/macros.sql``, mean Earth radius 3440.065 nm) every connection has."""
    return f"haversine_nm({lat1}, {lon1}, {lat2}, {lon2})"


def implied_speed_sql(distance_nm: str, seconds: str, rules: MotionRules) -> str:
    """SQL: knots implied by ``distance_nm`` covered in ``seconds`` (at least the minimum span)."""
    return f"(({distance_nm}) * 3600 / greatest({seconds}, {float(rules.min_span_seconds)}))"


def segmented_sql(positions: str, rules: MotionRules) -> str:
    """SQL of ``positions`` (a relation with mmsi, ts, lat, lon, sog, anything else) with each
    row's step from its predecessor, its segment and the resampled distance leg that ends at it:

    ``step_nm``, ``step_s`` (NULL on a vessel's first row), ``cut`` (the row starts a segment),
    ``segment`` (1, 2, ... per vessel), ``leg_nm`` (distance from the previous resampled
    position of the segment, counted only while moving at either end; NULL on rows that are not
    resampled positions).

    Two sorts of the positions, in one window order: the first pass looks one row back and one
    ahead (the step in; whether this row starts a segment, or the next one does, so this one
    ends it; whether it is the first of its ``resample_seconds``), the second sums the cuts into
    segments and finds each resampled position's predecessor. A segment begins with a cut, which
    is always a resampled position, so the nearest resampled position before a row that is not
    a cut lies in the row's own segment.
    """
    gap = float(rules.max_gap_minutes) * 60
    span = float(rules.resample_seconds)
    window = "PARTITION BY mmsi ORDER BY ts, lat, lon"

    def cut(step_nm: str, seconds: str) -> str:
        return (
            f"({seconds} > {gap} OR {implied_speed_sql(step_nm, seconds, rules)} "
            f"> {rules.max_speed_kn})"
        )

    step = haversine_nm("p_lat", "p_lon", "lat", "lon")
    # The next row's step in, as that row computes it: the same expression, one row later.
    next_step = haversine_nm("lat", "lon", "n_lat", "n_lon")
    leg = haversine_nm("a_lat", "a_lon", "lat", "lon")
    moved = implied_speed_sql(leg, "epoch(ts - a_ts)", rules)

    def anchored(value: str) -> str:
        return (
            f"CASE WHEN NOT cut THEN lag(CASE WHEN anchor THEN {value} END IGNORE NULLS) OVER w END"
        )

    return f"""(
    WITH near AS (
        SELECT *, lag(ts) OVER w AS p_ts, lag(lat) OVER w AS p_lat, lag(lon) OVER w AS p_lon,
               lead(ts) OVER w AS n_ts, lead(lat) OVER w AS n_lat, lead(lon) OVER w AS n_lon
        FROM {positions} WINDOW w AS ({window})
    ), marked AS (
        SELECT * EXCLUDE (p_ts, p_lat, p_lon, n_ts, n_lat, n_lon), {step} AS step_nm,
               epoch(ts - p_ts) AS step_s,
               (p_ts IS NULL OR {cut(step, "epoch(ts - p_ts)")}) AS cut,
               -- The first position of its span, or the last of its segment (the next starts one).
               (floor(epoch(ts) / {span}) IS DISTINCT FROM floor(epoch(p_ts) / {span})
                OR n_ts IS NULL OR {cut(next_step, "epoch(n_ts - ts)")}) AS span_edge
        FROM near
    ), legs AS (
        SELECT *, sum(cut::INTEGER) OVER (w ROWS UNBOUNDED PRECEDING) AS segment,
               {anchored("ts")} AS a_ts, {anchored("lat")} AS a_lat, {anchored("lon")} AS a_lon,
               {anchored("coalesce(sog, -1)")} AS a_sog
        FROM (SELECT * EXCLUDE (span_edge), cut OR span_edge AS anchor FROM marked)
        WINDOW w AS ({window})
    )
    SELECT * EXCLUDE (anchor, a_ts, a_lat, a_lon, a_sog),
           CASE WHEN NOT anchor OR a_ts IS NULL THEN NULL
                WHEN greatest(coalesce(sog, {moved}), nullif(a_sog, -1))
                     >= {rules.moving_sog_kn} THEN {leg}
                ELSE 0 END AS leg_nm
    FROM legs
    )"""
