"""Which static report each message takes its vessel's static fields from, as arrays.

DMA's files carry a vessel's static data (name, type, dimensions, destination...) on every
position row: the last the vessel reported at or before the row's time. A raw NMEA day has
them in separate messages (types 5, 19, 24). Each message here gets the line of its vessel's
latest static report at or before its time (the greatest (time, line) of the reports whose time
is not after the message's); silver joins that report's fields, each its last known value up
to it (``aislake.sources.nmea.reader``), by that line: an equality join against the day's few
static reports, where an as-of join sorted every wide row of the day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]

STATIC_TYPES = (5, 19, 24)
NONE = -1  # no static report of the vessel at or before the message


def last_static(
    mmsi: Ints, ts_us: Ints, line: Ints, msg_type: npt.NDArray[np.integer[Any]]
) -> Ints:
    """For each message, the line of its vessel's latest static report (a message of
    ``STATIC_TYPES``, itself included) at or before its time; ``NONE`` where there is none."""
    n = len(mmsi)
    static = np.flatnonzero(np.isin(msg_type, STATIC_TYPES))
    found = np.full(n, NONE, dtype=np.int64)
    if n == 0 or len(static) == 0:
        return found
    # Every message as a query, and each static report once more as an event placed before the
    # queries of its time: ordered by vessel, time, events first, line. (Each array is let go
    # once used: at 15 M messages every one is 120 MB.)
    vessel = np.concatenate((mmsi, mmsi[static]))
    time = np.concatenate((ts_us, ts_us[static]))
    query = np.concatenate((np.ones(n, dtype=np.int8), np.zeros(len(static), dtype=np.int8)))
    lines = np.concatenate((line, line[static]))
    order = np.lexsort((lines, query, time, vessel))
    del time
    is_event = query[order] == 0
    del query
    # The latest event up to each place in that order, then kept where it is the same vessel's.
    last = np.arange(len(order))
    last[~is_event] = -1
    np.maximum.accumulate(last, out=last)
    asked = ~is_event
    del is_event
    seen = (last >= 0)[asked]
    np.maximum(last, 0, out=last)
    at, target = order[last][asked], order[asked]  # each query's latest event, and the query
    del last, order
    same = seen & (vessel[at] == vessel[target])
    del vessel, seen
    found[target] = np.where(same, lines[at], NONE)
    return found
