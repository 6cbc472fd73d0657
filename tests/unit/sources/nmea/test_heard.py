"""Reports heard again: copies of one payload within a minute are one report, kept as its
first hearing with the count of receivers that heard it."""

import numpy as np

from aislake.sources.nmea.heard import _reports, heard_again

S = 1_000_000  # microseconds


def arrays(*rows: tuple[int, int, int, int]) -> list[np.ndarray]:
    """(key, seconds, receiver rank, line) rows as heard_again's four arrays."""
    key, ts, receiver, line = zip(*rows, strict=True)
    return [
        np.array(key, dtype=np.int64),
        np.array(ts, dtype=np.int64) * S,
        np.array(receiver, dtype=np.int64),
        np.array(line, dtype=np.int64),
    ]


def test_copies_within_a_minute_are_one_report_heard_by_each_receiver() -> None:
    kept, by = heard_again(
        *arrays(
            (7, 100, 1, 1),  # report 7 heard by receiver 1...
            (9, 100, 0, 2),  # a payload heard once
            (7, 99, 0, 3),  # ... and by receiver 0 a second earlier: its first hearing
            (7, 130, 1, 4),  # receiver 1 logs it again: still two receivers
            (7, 200, 0, 5),  # 70 s after the copy before: a new report
            (5, 10, -1, 6),  # no receiver named: heard once
        )
    )
    assert kept.tolist() == [3, 2, 3, 3, 5, 6]
    assert by.tolist() == [2, 1, 2, 2, 1, 1]


def test_either_way_to_the_reports_gives_what_sorting_every_message_gives() -> None:
    """Days of few copies (heard once: not sorted) and of many (all sorted)."""
    rng = np.random.default_rng(21)
    n = 50_000
    for share_copied in (0.0, 0.05, 0.15, 0.3, 0.9):
        key = rng.integers(-(2**62), 2**62, n)
        copied = rng.random(n) < share_copied
        key[copied] = key[rng.integers(0, n, int(copied.sum()))]
        ts = rng.integers(0, 86_400, n) * S
        receiver = rng.integers(-1, 4, n)
        line = rng.permutation(n) + 1
        kept, by = heard_again(key, ts, receiver, line)
        expected_kept, expected_by = _reports(key, ts, receiver, line)
        assert np.array_equal(kept, expected_kept) and np.array_equal(by, expected_by)
        assert (kept != line).any() == (share_copied > 0)
