"""The static report each message takes its vessel's static fields from, against the rule
written out plainly."""

from __future__ import annotations

import numpy as np

from aislake.sources.nmea.statics import NONE, last_static


def _by_the_rule(mmsi: list[int], ts: list[int], line: list[int], kind: list[int]) -> list[int]:
    """For each message: among its vessel's static reports (types 5, 19, 24) timed at or
    before it, the one with the greatest (time, line)."""
    found = []
    for m, t in zip(mmsi, ts, strict=True):
        before = [
            (ts[j], line[j])
            for j in range(len(mmsi))
            if kind[j] in (5, 19, 24) and mmsi[j] == m and ts[j] <= t
        ]
        found.append(max(before)[1] if before else NONE)
    return found


def test_each_message_finds_its_vessels_latest_static_report_up_to_its_time() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(1, 300))
        mmsi = rng.integers(1, 6, n)
        ts = rng.integers(0, 40, n) * 1_000_000  # few distinct seconds: many ties
        line = rng.permutation(n) + 1
        kind = rng.choice([1, 3, 18, 5, 19, 24, 4], n)
        got = last_static(mmsi, ts, line, kind)
        assert got.tolist() == _by_the_rule(*(a.tolist() for a in (mmsi, ts, line, kind)))


def test_no_static_report_means_none() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert last_static(empty, empty, empty, empty).tolist() == []
    ones = np.ones(3, dtype=np.int64)
    assert last_static(ones, ones, np.arange(3), ones).tolist() == [NONE] * 3
