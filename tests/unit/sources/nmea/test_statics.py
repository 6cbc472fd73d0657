"""The static report each message takes its vessel's static fields from, against the rule
written out plainly."""

from __future__ import annotations

import numpy as np

from aislake.sources.nmea.statics import NONE, last_static, vessel_codes


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


def test_only_the_reports_given_count_when_they_are_given() -> None:
    # The decoder gives the static reports that are first hearings: a copy heard by another
    # receiver is no report of its own.
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(1, 200))
        mmsi = rng.integers(1, 4, n)
        ts = rng.integers(0, 30, n) * 1_000_000
        line = rng.permutation(n) + 1
        kind = rng.choice([1, 5, 19, 24], n)
        given = np.flatnonzero(np.isin(kind, (5, 19, 24)) & (rng.random(n) < 0.5))
        only = np.where(np.isin(np.arange(n), given), kind, 1)  # the others as positions
        got = last_static(mmsi, ts, line, kind, reports=given)
        assert got.tolist() == _by_the_rule(*(a.tolist() for a in (mmsi, ts, line, only)))


def test_a_time_too_large_to_double_orders_as_any_other() -> None:
    # A tag block may give any number of seconds; the sort's shared key must not overflow.
    mmsi = np.array([1, 1, 1, 1])
    ts = np.array([5, (1 << 62) + 7, 5, 1 << 62])
    line = np.array([1, 2, 3, 4])
    kind = np.array([5, 1, 1, 24])
    assert last_static(mmsi, ts, line, kind).tolist() == _by_the_rule(
        mmsi.tolist(), ts.tolist(), line.tolist(), kind.tolist()
    )
    assert last_static(mmsi, ts, line, kind).tolist() == [1, 4, 1, 4]
    # The most negative int64 has no absolute value (and doubled, is 0): it must not pass for
    # a time just after a static report at 0.
    far_back = np.array([0, np.iinfo(np.int64).min])
    assert last_static(mmsi[:2], far_back, line[:2], np.array([5, 1])).tolist() == [1, NONE]


def test_a_day_of_more_vessels_than_16_bits_number() -> None:
    # Each of 70,000 vessels: a static report at second 10, a position before it and one after.
    v = 70_000
    mmsi = np.tile(np.arange(200_000_000, 200_000_000 + v), 3)
    ts = np.repeat(np.array([5, 10, 20]) * 1_000_000, v)
    line = np.arange(3 * v) + 1
    kind = np.repeat(np.array([1, 5, 1]), v)
    assert vessel_codes(mmsi).dtype == np.uint32
    assert vessel_codes(mmsi[:10]).dtype == np.uint16
    got = last_static(mmsi, ts, line, kind)
    assert (got[:v] == NONE).all()
    assert got[v:].tolist() == line[v : 2 * v].tolist() * 2
