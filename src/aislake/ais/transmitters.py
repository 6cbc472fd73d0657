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


# The vectorised runs: the first block's length, the longest, and how many positions go one at
# a time after a run that ended at once.
_FIRST_BLOCK, _MAX_BLOCK, _SCALAR_AFTER_SHORT_RUN = 16, 8192, 32
_MAX_CELLS = 1 << 18  # a block's positions times the open segments (8 MB an array)


def _haversine_nm_v(
    phi1: np.ndarray, lam1: np.ndarray, phi2: np.ndarray, lam2: np.ndarray
) -> np.ndarray:
    """:func:`_haversine_nm` over arrays (the same operations in the same order)."""
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    result: np.ndarray = 2 * EARTH_RADIUS_NM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


@dataclass
class _Track:
    """One MMSI's positions as the split reads them: seconds, lat and lon in radians, SOG in
    nm a second (0: not reported), COG in radians (0: not reported)."""

    t: np.ndarray
    phi: np.ndarray
    lam: np.ndarray
    v: np.ndarray
    c: np.ndarray

    def reach_and_miss(
        self, last: np.ndarray, at: np.ndarray, rules: TransmitterRules
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each pair (``last[k]``, ``at[k]``): whether position ``at[k]`` can be reached from
        a segment whose last position is ``last[k]``, and how far it lies from where that
        segment's ship would be by then (the scalar loop's tests, over arrays)."""
        t0, p0, la0 = self.t[last], self.phi[last], self.lam[last]
        t, p, la = self.t[at], self.phi[at], self.lam[at]
        elapsed = t - t0
        limit = rules.max_speed_kn / 3600.0 * np.maximum(elapsed, rules.min_span_seconds)
        reach = _haversine_nm_v(p0, la0, p, la) <= limit
        ahead = self.v[last] * elapsed / EARTH_RADIUS_NM
        p1 = p0 + ahead * np.cos(self.c[last])
        la1 = la0 + ahead * np.sin(self.c[last]) / np.maximum(np.cos(p0), 1e-6)
        return reach, _haversine_nm_v(p1, la1, p, la)


def _same_segment_run(
    track: _Track, last: list[int], segment: int, start: int, stop: int, rules: TransmitterRules
) -> int:
    """How many positions from ``start`` (before ``stop``) the scalar loop would put, one after
    the other, into ``segment`` (the segment of ``start - 1``): while every position joins it,
    its last position is the one before and the other segments' last positions stay, so each
    position's choice can be tested at once. Ties go to the segment listed first, as in the
    loop."""
    at = np.arange(start, stop)
    reach, miss = track.reach_and_miss(at - 1, at, rules)
    holds = reach & np.isfinite(miss)  # NaN: left to the loop
    others = [s for s in range(len(last)) if s != segment]
    if others:
        # Every other segment against every position at once: (segments, positions).
        shape = (len(others), len(at))
        ends = np.array([last[s] for s in others])[:, None]
        reach_o, miss_o = track.reach_and_miss(
            np.broadcast_to(ends, shape), np.broadcast_to(at, shape), rules
        )
        listed_first = np.array(others)[:, None] < segment
        beaten = reach_o & np.where(listed_first, miss_o <= miss, miss_o < miss)
        holds &= ~beaten.any(axis=0)
    failed = np.flatnonzero(~holds)
    return int(failed[0]) if len(failed) else len(at)


def reachable_segments(
    seconds: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    sog: np.ndarray,
    cog: np.ndarray,
    rules: TransmitterRules,
    runs: bool = True,
) -> np.ndarray:
    """Each position's segment (0, 1, ... in order of first position) by reachability; the
    positions of one MMSI in time order, with their reported SOG and COG (NaN: not reported).
    Of the segments a position can reach, it joins the one whose ship it is nearest to where
    that ship would be now (its last position moved on by its last SOG along its COG): the
    segment it continues, not one that went quiet near its path.

    The rule is sequential (each choice moves a segment's last position), but a ship's
    positions mostly continue the segment of the one before: such runs are found with numpy
    (:func:`_same_segment_run`, in blocks that double while they hold) and only the positions
    that start another segment, or switch between them, go through the scalar loop
    (``runs=False``: every position through it, as the tests compare)."""
    n = len(seconds)
    labels = np.empty(n, dtype=np.int32)
    track = _Track(
        np.asarray(seconds, dtype=float),
        np.radians(np.asarray(lat, dtype=float)),
        np.radians(np.asarray(lon, dtype=float)),
        np.nan_to_num(np.asarray(sog, dtype=float), nan=0.0) / 3600.0,
        np.radians(np.nan_to_num(np.asarray(cog, dtype=float), nan=0.0)),
    )
    times, phis, lams = track.t.tolist(), track.phi.tolist(), track.lam.tolist()
    speeds, courses = track.v.tolist(), track.c.tolist()
    last: list[int] = []  # each open segment's last position
    limit_nm_per_s = rules.max_speed_kn / 3600.0
    block, scalar_left, i = _FIRST_BLOCK, 0, 0
    while i < n:
        if runs and i > 0 and scalar_left == 0:
            segment = int(labels[i - 1])
            stop = min(n, i + max(_FIRST_BLOCK, min(block, _MAX_CELLS // len(last))))
            run = _same_segment_run(track, last, segment, i, stop, rules)
            labels[i : i + run] = segment
            if run:
                last[segment] = i + run - 1
            i += run
            if i == stop:
                block = min(2 * block, _MAX_BLOCK)
                continue
            block = _FIRST_BLOCK
            # Switching at once again (ships interleaved): a few positions one at a time.
            scalar_left = _SCALAR_AFTER_SHORT_RUN if run < _FIRST_BLOCK // 4 else 0
        t, p, la = times[i], phis[i], lams[i]
        best, best_miss = -1, math.inf
        for s, q in enumerate(last):
            t0, p0, la0, v0, c0 = times[q], phis[q], lams[q], speeds[q], courses[q]
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
        if best < 0:
            best = len(last)
            last.append(i)
        else:
            last[best] = i
        labels[i] = best
        i += 1
        scalar_left = max(0, scalar_left - 1)
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
