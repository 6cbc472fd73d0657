"""How aislake tells apart the ships that report under one MMSI (docs/gold.md, "Transmitters").

One MMSI is not always one ship: Class B sets ship with a default MMSI, fishing fleets share
one, a spoofer borrows a real ship's and a ship's own test set reports beside it. Their reports
interleave, so every other step implies hundreds of knots. Global Fishing Watch's segmenter
(pipe-segment / gpsdio-segment, Apache-2.0) splits such a signal into segments, one per
plausible transmitter; aislake does the same, in three rules:

- **Reachability.** An MMSI's positions are taken in time order (ts, lat, lon); each joins
  the open segment it can reach at a plausible speed (the implied speed from that segment's
  last position, over at least ``min_span_seconds``, at most ``max_speed_kn``: the motion rules'
  values, aislake.ais.motion); where several can, the one whose ship it is nearest to where
  that ship would be by now (its last position moved on at its last SOG and COG: GFW's
  segmenter also scores a segment by the discrepancy from its predicted position). A position
  no segment can reach opens a new one.
  Segments stay open all day (GFW's ``max_hours`` is 24).
- **Noise.** A segment of fewer than ``min_positions`` positions is noise (a GPS glitch, a
  mistyped position), not a transmitter.
- **Concurrency.** The MMSI showed several transmitters when two of its segments that are not
  noise overlap in time. Otherwise (one ship, perhaps with a glitch or a jump the following
  positions confirm) it is one transmitter and every product treats it exactly as before: its
  tracks cut at the jump, its glitches flagged by silver as speed anomalies.

Only MMSIs that have a speed anomaly in silver are segmented (interleaved transmitters always
make some: a position between two of another ship is unreachable both ways), so the work is
proportional to the suspects, not the day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_NM = 3440.065  # as haversine_nm (aislake/duck/macros.sql)


@dataclass(frozen=True)
class TransmitterRules:
    """Parameters of the transmitter split (docs/gold.md, "Transmitters")."""

    max_speed_kn: float = 50.0  # the motion rules' (silver's jump limit); GFW uses 30 kn
    min_span_seconds: float = 10.0  # the motion rules' floor under an implied speed
    min_positions: int = 10  # a segment with fewer positions is noise


def _haversine_nm(phi1: float, lam1: float, phi2: float, lam2: float) -> float:
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_NM * math.asin(min(1.0, math.sqrt(h)))


def reachable_segments(
    seconds: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    sog: np.ndarray,
    cog: np.ndarray,
    rules: TransmitterRules,
) -> np.ndarray:
    """Each position's segment (0, 1, ... in order of first position) by reachability; the
    positions of one MMSI in time order, with their reported SOG and COG (NaN: not reported).
    Of the segments a position can reach, it joins the one whose ship it is nearest to where
    that ship would be now (its last position moved on by its last SOG along its COG): the
    segment it continues, not one that went quiet near its path."""
    n = len(seconds)
    labels = np.empty(n, dtype=np.int32)
    times = np.asarray(seconds, dtype=float).tolist()
    phis = np.radians(lat).tolist()
    lams = np.radians(lon).tolist()
    # Knots as nautical miles a second, 0 where not reported; COG in radians.
    speeds = (np.nan_to_num(np.asarray(sog, dtype=float), nan=0.0) / 3600.0).tolist()
    courses = np.radians(np.nan_to_num(np.asarray(cog, dtype=float), nan=0.0)).tolist()
    # Each open segment's last position: (seconds, lat, lon in radians, nm/s, course).
    last: list[tuple[float, float, float, float, float]] = []
    limit_nm_per_s = rules.max_speed_kn / 3600.0
    for i in range(n):
        t, p, la = times[i], phis[i], lams[i]
        best, best_miss = -1, math.inf
        for s, (t0, p0, la0, v0, c0) in enumerate(last):
            elapsed = t - t0
            if _haversine_nm(p0, la0, p, la) > limit_nm_per_s * max(
                elapsed, rules.min_span_seconds
            ):
                continue
            ahead = v0 * elapsed / EARTH_RADIUS_NM  # radians along the course
            p1 = p0 + ahead * math.cos(c0)
            la1 = la0 + ahead * math.sin(c0) / max(math.cos(p0), 1e-6)
            miss = _haversine_nm(p1, la1, p, la)
            if miss < best_miss:
                best, best_miss = s, miss
        here = (t, p, la, speeds[i], courses[i])
        if best < 0:
            best = len(last)
            last.append(here)
        else:
            last[best] = here
        labels[i] = best
    return labels


def transmitters(
    seconds: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    sog: np.ndarray,
    cog: np.ndarray,
    rules: TransmitterRules,
) -> np.ndarray:
    """Each position's transmitter, for the positions of one MMSI in time order: 1, 2, ... in
    order of first position where the MMSI showed several at once, 0 for a position of a noise
    segment among them; all 1 for an MMSI that showed one (see the module's rules)."""
    segments = reachable_segments(seconds, lat, lon, sog, cog, rules)
    counts = np.bincount(segments)
    real = np.flatnonzero(counts >= rules.min_positions)
    if len(real) < 2:
        return np.ones(len(seconds), dtype=np.int32)
    first = np.array([seconds[segments == s].min() for s in real])
    last = np.array([seconds[segments == s].max() for s in real])
    order = np.argsort(first, kind="stable")
    first, last = first[order], last[order]
    # Sorted by start: some segment overlaps another if one starts before an earlier one ended.
    if not np.any(first[1:] < np.maximum.accumulate(last)[:-1]):
        return np.ones(len(seconds), dtype=np.int32)
    number = np.zeros(len(counts), dtype=np.int32)
    number[real[order]] = np.arange(1, len(real) + 1, dtype=np.int32)
    labels: np.ndarray = number[segments]
    return labels
