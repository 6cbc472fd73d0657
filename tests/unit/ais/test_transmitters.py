"""The transmitter split (aislake.ais.transmitters) on crafted MMSIs: two ships interleaved
under one MMSI, a lone ship with a GPS glitch, a lone ship whose jump the following positions
confirm."""

from __future__ import annotations

import numpy as np

from aislake.ais.transmitters import TransmitterRules, reachable_segments, transmitters

RULES = TransmitterRules()


def _steaming(t: np.ndarray, lat0: float, lon0: float, kn: float) -> tuple[np.ndarray, ...]:
    """Northbound at ``kn`` knots from (lat0, lon0), at times ``t`` (seconds)."""
    return lat0 + kn * t / 3600 / 60, np.full(len(t), lon0), np.full(len(t), kn), np.zeros(len(t))


def test_two_ships_interleaved_under_one_mmsi_are_two_transmitters() -> None:
    ta, tb = np.arange(0, 7200, 10.0), np.arange(5, 3600, 30.0)
    a = _steaming(ta, 55.0, 11.0, 12.0)
    b = _steaming(tb, 56.5, 15.0, 8.0)  # far away, for the first hour only
    t = np.concatenate([ta, tb])
    cols = [np.concatenate([x, y]) for x, y in zip(a, b, strict=True)]
    order = np.argsort(t, kind="stable")
    labels = transmitters(t[order], *(c[order] for c in cols), RULES)
    who = np.concatenate([np.full(len(ta), 1), np.full(len(tb), 2)])[order]
    assert (labels == who).all()


def test_a_lone_ship_with_a_glitch_stays_one_transmitter() -> None:
    t = np.arange(0, 7200, 10.0)
    lat, lon, sog, cog = _steaming(t, 55.0, 11.0, 12.0)
    lat[300] += 0.3  # 18 nm off, once
    labels = transmitters(t, lat, lon, sog, cog, RULES)
    assert (labels == 1).all()


def test_a_jump_the_next_positions_confirm_is_still_one_ship() -> None:
    t = np.arange(0, 7200, 10.0)
    lat, lon, sog, cog = _steaming(t, 55.0, 11.0, 12.0)
    lat[360:] += 0.5  # from then on 30 nm further: sequential, never at once
    labels = transmitters(t, lat, lon, sog, cog, RULES)
    assert (labels == 1).all()


def test_a_short_burst_under_the_mmsi_is_noise_among_two_ships() -> None:
    ta, tb = np.arange(0, 7200, 10.0), np.arange(5, 3600, 30.0)
    a, b = _steaming(ta, 55.0, 11.0, 12.0), _steaming(tb, 56.5, 15.0, 8.0)
    tc = np.array([1001.0, 1011.0, 1021.0])  # three reports from a third place
    c = _steaming(tc, 54.0, 9.0, 5.0)
    t = np.concatenate([ta, tb, tc])
    cols = [np.concatenate(xs) for xs in zip(a, b, c, strict=True)]
    order = np.argsort(t, kind="stable")
    labels = transmitters(t[order], *(x[order] for x in cols), RULES)
    who = np.concatenate([np.full(len(ta), 1), np.full(len(tb), 2), np.zeros(3)])[order]
    assert (labels == who).all()


def test_the_vectorised_runs_choose_as_the_loop_does_position_by_position() -> None:
    """Random MMSIs (one to three ships, glitches, repeated positions, jumps, ties of two ships
    at one place): the split with numpy runs gives exactly the loop's segments."""
    rng = np.random.default_rng(23)
    for case in range(60):
        parts = []
        for ship in range(int(rng.integers(1, 4))):
            n = int(rng.integers(20, 400))
            t = np.sort(rng.uniform(0, 86400, n)).round()
            kn = rng.uniform(0, 20)
            lat, lon, sog, cog = _steaming(t, 55 + rng.uniform(-0.5, 0.5), 11 + ship * 0.01, kn)
            cog = cog + rng.uniform(0, 360)
            sog = np.where(rng.random(n) < 0.1, np.nan, sog)
            glitch = rng.random(n) < 0.03
            lat = np.where(glitch, lat + rng.normal(0, 0.3, n), lat)
            if case % 5 == 0:
                lat[n // 2 :] += 0.4  # a jump the following positions confirm
            parts.append((t, lat, lon, sog, cog))
        t, lat, lon, sog, cog = (np.concatenate(c) for c in zip(*parts, strict=True))
        if case % 7 == 0:  # positions reported twice, and two ships at one place
            t, lat, lon, sog, cog = (np.concatenate([c, c[::5]]) for c in (t, lat, lon, sog, cog))
        order = np.lexsort((lon, lat, t))
        cols = [c[order] for c in (t, lat, lon, sog, cog)]
        fast = reachable_segments(*cols, RULES)
        loop = reachable_segments(*cols, RULES, runs=False)
        assert (fast == loop).all(), case


def test_a_position_as_near_to_two_ships_joins_the_one_listed_first() -> None:
    """Two ships 7 nm apart (the second reporting 40 times, long enough for a run), then a
    position exactly between them an hour later: the loop gives it to the first segment (a tie
    keeps the first), and so do the runs, though the positions before it were the second's."""
    t = np.array([0.0, *range(1, 41), 3600.0])
    lon = np.array([-0.1, *[0.1] * 40, 0.0])
    lat, nan = np.full(len(t), 55.0), np.full(len(t), np.nan)
    expected = [0, *[1] * 40, 0]
    assert reachable_segments(t, lat, lon, nan, nan, RULES, runs=False).tolist() == expected
    assert reachable_segments(t, lat, lon, nan, nan, RULES).tolist() == expected
