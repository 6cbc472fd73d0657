"""The same report heard by several receivers: copies of one payload (the same transmission)
within ``HEARD_AGAIN_SECONDS`` of each other are one report, as arrays.

A payload carries its UTC second, so within a minute the same payload is the same
transmission, heard by another receiver or logged twice. Copies chain: each within a minute
of the one before it. The report is kept as its first hearing (earliest time, then receiver
name, then line), with the count of distinct receivers that heard it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]

HEARD_AGAIN_SECONDS = 60


# Messages looked at to tell a day of few copies (one receiver) from a day of many.
SAMPLE = 200_000


def heard_again(key: Ints, ts_us: Ints, receiver: Ints, line: Ints) -> tuple[Ints, Ints]:
    """For each message (``key``: its payload's hash; ``receiver``: a rank in name order, -1
    for none): the line of its report's first hearing, and how many receivers heard the
    report (at least 1).

    On a day of few copies (a quarter or less of its first ``SAMPLE`` messages repeat a
    payload), a message whose payload no other message has is a report heard once (its own
    line, 1), and only the messages whose payload repeats are sorted by key, time, receiver
    and line. On a day of many, sorting them all is cheaper than finding which to sort."""
    if 4 * int(_same_as_next(np.sort(key[:SAMPLE])).sum()) > min(len(key), SAMPLE):
        return _reports(key, ts_us, receiver, line)
    order = np.argsort(key)
    same = np.flatnonzero(_same_as_next(key[order]))
    # In the messages' own order (by line, mostly): the sort below is then much cheaper.
    repeated = np.zeros(len(key), dtype=np.bool_)
    repeated[order[same]] = repeated[order[same + 1]] = True
    del order  # a day's worth of indices, let go before the answers take as much
    copies = np.flatnonzero(repeated)
    kept, by = line.copy(), np.ones(len(key), dtype=np.int64)
    if len(copies):
        kept[copies], by[copies] = _reports(
            key[copies], ts_us[copies], receiver[copies], line[copies]
        )
    return kept, by


def _same_as_next(ordered: Ints) -> npt.NDArray[np.bool_]:
    """For each but the last of sorted values: whether the next is the same."""
    same: npt.NDArray[np.bool_] = ordered[1:] == ordered[:-1]
    return same


def _reports(key: Ints, ts_us: Ints, receiver: Ints, line: Ints) -> tuple[Ints, Ints]:
    """:func:`heard_again` over any messages: copies ordered by key, time, receiver and line;
    a copy more than ``HEARD_AGAIN_SECONDS`` after the one before starts a new report."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # (Each day-sized array is let go once used: on a day of 30 M messages each is 240 MB.)
    order = np.lexsort((line, receiver, ts_us, key))
    new = np.ones(n, dtype=np.bool_)
    k = key[order]
    new[1:] = k[1:] != k[:-1]
    del k
    t = ts_us[order]
    new[1:] |= t[1:] - t[:-1] > HEARD_AGAIN_SECONDS * 1_000_000
    del t
    report = np.cumsum(new) - 1
    first_line = line[order][np.flatnonzero(new)]
    del new
    rx = receiver[order]
    width = int(rx.max()) + 2
    heard = rx >= 0
    pairs = np.sort(report[heard] * width + rx[heard])  # sorting beats np.unique's hashing
    del rx, heard
    distinct = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    del pairs
    counts = np.bincount(distinct // width, minlength=int(report[-1]) + 1)
    kept = np.empty(n, dtype=np.int64)
    kept[order] = first_line[report]
    by = np.empty(n, dtype=np.int64)
    by[order] = np.maximum(counts, 1)[report]
    return kept, by
