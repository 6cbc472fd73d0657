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

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class MotionRules:
    """Parameters of the motion rules (docs/silver.md, "Motion")."""

    max_speed_kn: float = 50.0
    min_span_seconds: float = 10.0
    max_gap_minutes: float = 30.0
    resample_seconds: float = 60.0
    moving_sog_kn: float = 0.5

    def sql_params(self) -> dict[str, float]:
        """The rules as the named parameters of SQL that calls ``segmented(...)``."""
        return {k: float(v) for k, v in asdict(self).items()}


def haversine_nm(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """SQL: great-circle distance in nautical miles: the macro of the same name
    (``aislake/duck/macros.sql``, mean Earth radius 3440.065 nm) every connection has."""
    return f"haversine_nm({lat1}, {lon1}, {lat2}, {lon2})"


def implied_speed_sql(distance_nm: str, seconds: str, rules: MotionRules) -> str:
    """SQL: knots implied by ``distance_nm`` covered in ``seconds`` (at least the minimum span):
    the macro ``implied_speed_kn`` of ``motion.sql``."""
    return f"implied_speed_kn({distance_nm}, {seconds}, {float(rules.min_span_seconds)})"


# The motion rules as DuckDB macros (implied_speed_kn, is_cut, and the table macro segmented:
# steps, segments and resampled legs), created on every connection (aislake.duck.engine).
MOTION_MACROS = Path(__file__).with_name("motion.sql")
