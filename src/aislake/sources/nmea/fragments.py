"""Multi-sentence messages put back together: fragments joined by their tag-block group
(``g:``) where they have one, else by receiver, channel, sequence id and fragment count;
fragments interleave across channels and receivers, and may arrive out of order.

A message is complete when all its fragments arrived within ``WINDOW_LINES`` lines (and
``WINDOW_SECONDS`` of each other where they carry a time); a fragment that never completes a
message, or whose place is taken by a new message reusing the key, is an orphan.

Two-sentence messages (type 5, nearly all of them) are paired as arrays
(:func:`pair_fragments`): sorted by key and line, each fragment with the next of its key when
they are parts 1 and 2 (in either order) within the window, left to right. Messages of more
sentences go through :func:`assemble`, one Python step a fragment; both give the same pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

WINDOW_LINES = 1000
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Fragment:
    line: int  # its index in the day's lines
    key: tuple[object, ...]
    number: int
    count: int
    payload: bytes
    fill: int
    time_us: int  # -1: none
    receiver: bytes
    index: int = -1  # its place in the decoder's arrays


@dataclass
class Assembled:
    """Messages made of fragments (each: its fragments in order) and orphaned fragments."""

    messages: list[list[Fragment]] = field(default_factory=list)
    orphans: list[Fragment] = field(default_factory=list)


def fragment_key(
    group_id: int, group_of: int, receiver: bytes, channel: int, seq: int, count: int
) -> tuple[object, ...]:
    """What ties a message's fragments: its tag-block group, else where it was heard."""
    if group_id >= 0:
        return ("g", group_id, group_of)  # a group's later sentences may not repeat s:
    return ("s", receiver, channel, seq, count)


def _close(pending: dict[int, Fragment], out: Assembled) -> None:
    out.orphans.extend(pending.values())


def assemble(fragments: list[Fragment]) -> Assembled:
    """Join ``fragments`` (in line order) into messages; the rest are orphans."""
    out = Assembled()
    pending: dict[tuple[object, ...], dict[int, Fragment]] = {}
    for f in fragments:
        waiting = pending.get(f.key)
        if waiting is not None:
            first = min(waiting.values(), key=lambda x: x.line)
            stale = f.line - first.line > WINDOW_LINES or (
                f.time_us >= 0
                and first.time_us >= 0
                and abs(f.time_us - first.time_us) > WINDOW_SECONDS * 1_000_000
            )
            if stale or f.number in waiting or first.count != f.count:
                _close(waiting, out)  # a new message reuses the key: the old one never completed
                waiting = None
        if waiting is None:
            waiting = pending[f.key] = {}
        waiting[f.number] = f
        if len(waiting) == f.count:
            out.messages.append([waiting[k] for k in sorted(waiting)])
            del pending[f.key]
    for waiting in pending.values():
        _close(waiting, out)
    out.orphans.sort(key=lambda x: x.line)
    return out


Ints = npt.NDArray[np.int64]


def array_keys(
    group_id: Ints, group_of: Ints, receiver: Ints, channel: Ints, seq: Ints, count: Ints
) -> Ints:
    """:func:`fragment_key` as one integer a fragment (``receiver``: a code per receiver)."""
    grouped = (1 << 62) | (group_id * 16 + group_of)
    heard = (1 << 61) | ((((receiver + 1) * 256 + channel) * 11 + (seq + 1)) * 10 + count)
    return np.where(group_id >= 0, grouped, heard).astype(np.int64)


def pair_fragments(
    key: Ints, line: Ints, number: Ints, count: Ints, time_us: Ints
) -> tuple[Ints, Ints]:
    """The two-sentence messages among the fragments (``count`` 2): indices of each pair's
    parts 1 and 2. A fragment of a two-sentence message in no pair is an orphan."""
    order = np.lexsort((line, key))
    k, ln, num, cnt, t = key[order], line[order], number[order], count[order], time_us[order]
    if len(order) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a, b = slice(None, -1), slice(1, None)
    in_order = (num[a] == 1) & (num[b] == 2)
    cand = (
        (k[a] == k[b])
        & (cnt[a] == 2)
        & (cnt[b] == 2)
        & (in_order | ((num[a] == 2) & (num[b] == 1)))
        & (ln[b] - ln[a] <= WINDOW_LINES)
        & ~((t[a] >= 0) & (t[b] >= 0) & (np.abs(t[b] - t[a]) > WINDOW_SECONDS * 1_000_000))
    )
    # Left to right: in a run of overlapping candidates, every other one.
    idx = np.arange(len(cand))
    starts = cand & ~np.concatenate(([False], cand[:-1]))
    run_start = np.maximum.accumulate(np.where(starts, idx, 0))
    chosen = np.flatnonzero(cand & ((idx - run_start) % 2 == 0))
    first = np.where(in_order[chosen], order[chosen], order[chosen + 1])
    second = np.where(in_order[chosen], order[chosen + 1], order[chosen])
    return first, second
