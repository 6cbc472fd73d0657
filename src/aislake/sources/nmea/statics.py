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
import pyarrow as pa
import pyarrow.compute as pc

Ints = npt.NDArray[np.int64]

STATIC_TYPES = (5, 19, 24)
NONE = -1  # no static report of the vessel at or before the message


def vessel_codes(mmsi: Ints) -> npt.NDArray[np.unsignedinteger[Any]]:
    """A number per distinct MMSI (in the order first seen), as small an integer as holds
    them: a day's few thousand vessels fit 16 bits, which numpy's stable sort orders by radix."""
    codes: npt.NDArray[np.int32] = pc.dictionary_encode(pa.array(mmsi)).indices.to_numpy()
    small = len(codes) == 0 or int(codes.max()) <= np.iinfo(np.uint16).max
    return codes.astype(np.uint16 if small else np.uint32)


def last_static(
    mmsi: Ints,
    ts_us: Ints,
    line: Ints,
    msg_type: npt.NDArray[np.integer[Any]],
    reports: Ints | None = None,
) -> Ints:
    """For each message, the line of its vessel's latest static report at or before its time
    (itself included); ``NONE`` where there is none. The static reports are the messages of
    ``STATIC_TYPES``, or those of them given (``reports``, indices: the first hearings)."""
    n = len(mmsi)
    if reports is None:
        reports = np.flatnonzero(np.isin(msg_type, STATIC_TYPES))
    found = np.full(n, NONE, dtype=np.int64)
    if n == 0 or len(reports) == 0:
        return found
    # Every message as a query, and each static report once more as an event placed before the
    # queries of its time: ordered by vessel and time, events first. The events go in by line
    # and the sorts are stable, so the last of a vessel's events of one time is its greatest
    # line. Time and the kind share one key where they fit. By time first: the messages come
    # nearly in time order, which a stable sort runs through; then by vessel, whose few
    # thousand codes a stable sort takes in two radix passes (at 15 M messages a lexsort by
    # MMSI and time took 1.2-1.4 s, these 0.7 s). Each array is let go once used.
    events = reports[np.argsort(line[reports], kind="stable")]
    if len(ts_us) and int(ts_us.min()) > -(1 << 61) and int(ts_us.max()) < 1 << 61:
        order = np.argsort(np.concatenate((ts_us * 2 + 1, ts_us[events] * 2)), kind="stable")
    else:  # a time too large to double (a tag block's nonsense): the kind is a key of its own
        kind = np.concatenate((np.ones(n, dtype=np.int8), np.zeros(len(events), dtype=np.int8)))
        order = np.lexsort((kind, np.concatenate((ts_us, ts_us[events]))))
        del kind
    vessel = vessel_codes(np.concatenate((mmsi, mmsi[events])))
    order = order[np.argsort(vessel[order], kind="stable")]
    is_event = order >= n
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
    found[target] = np.where(same, line[events[np.maximum(at - n, 0)]], NONE)
    return found
