"""Multi-sentence messages put back together: fragments joined by their tag-block group
(``g:``) where they have one, else by receiver, channel, sequence id and fragment count;
fragments interleave across channels and receivers, and may arrive out of order.

A message is complete when all its fragments arrived within ``WINDOW_LINES`` lines (and
``WINDOW_SECONDS`` of each other where they carry a time); a fragment that never completes a
message, or whose place is taken by a new message reusing the key, is an orphan. Only the
multi-sentence lines pass through here (a few percent of a feed), one Python step each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
