"""NMEA 0183 lines framed without a Python loop: where each line's tag blocks, sentence fields,
payload and checksum are, and what is wrong with it, as numpy arrays over the raw bytes.

A line is ``[\\tag block\\]...!<talker>VDM,<count>,<number>,<sequence id>,<channel>,<payload>,
<fill bits>*<checksum>[,<logger metadata>]``. Tag blocks (NMEA 4.0) give the receiver (``s:``),
the time (``c:``, Unix seconds, or milliseconds) and the group of a multi-sentence message
(``g:<n>-<of>-<id>``); several may precede a sentence (a receiver stamping a line that had one
prepends its own). The US Coast Guard's loggers write the receiver and time after the checksum
(``,r003669946,1325394060``): read the same way.

Everything is found with array operations over the buffer: the positions of every ``\\``,
``,`` and ``*``, searched from each line's start; the checksums from one prefix XOR of the
whole buffer. A buffer of 10 M lines is framed in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Why a line is not a message (or part of one); None: it is. In the order they are tested.
NOT_AIS = "not_ais"  # a comment, another NMEA sentence ($GPGGA...), noise
MALFORMED = "malformed_sentence"  # an AIS sentence whose fields are not where they must be
BAD_CHECKSUM = "bad_checksum"  # the sentence's or a tag block's checksum does not match
LINE_REASONS = (NOT_AIS, MALFORMED, BAD_CHECKSUM)

BACKSLASH, COMMA, STAR, BANG = ord("\\"), ord(","), ord("*"), ord("!")
MAX_TAG_BLOCKS = 3  # a source's block, a relay's, a receiver's stamp

_HEX = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i
_DIGIT = np.full(256, -1, dtype=np.int16)
for _i in range(10):
    _DIGIT[ord("0") + _i] = _i


@dataclass
class Lines:
    """The lines of a buffer: ``[start, end)`` each, line endings excluded."""

    start: Ints
    end: Ints

    def __len__(self) -> int:
        return len(self.start)


def split_lines(buf: npt.NDArray[np.uint8]) -> Lines:
    """Every line of ``buf`` (``\\n`` or ``\\r\\n``; a last line without one counts)."""
    nl = np.flatnonzero(buf == 10).astype(np.int64)
    start = np.concatenate(([0], nl + 1))
    end = np.concatenate((nl, [len(buf)]))
    if len(buf) == 0 or buf[-1] == 10:  # nothing after the last newline
        start, end = start[:-1], end[:-1]
    cr = (end > start) & (buf[np.maximum(end - 1, 0)] == 13)
    end = end - cr
    return Lines(start, end)


@dataclass
class Tags:
    """What the tag blocks and logger metadata of each line say (-1 / 0-length where absent)."""

    receiver_start: Ints
    receiver_end: Ints
    time_us: Ints  # Unix microseconds, -1 when no time
    group_n: Ints  # g:<n>-<of>-<id>: this sentence's place, the group's size and id
    group_of: Ints
    group_id: Ints


@dataclass
class Frames:
    """Each line framed: its reason (index into LINE_REASONS + 1; 0: a sentence), and for a
    sentence its fields."""

    lines: Lines
    reason: npt.NDArray[np.int8]
    sentence: Ints  # where ``!`` is
    count: Ints  # fragments in the message
    number: Ints  # this fragment's number
    seq: Ints  # sequential message id, -1 when empty
    channel: npt.NDArray[np.uint8]  # A/B/1/2 as a byte, 0 when empty
    payload_start: Ints
    payload_end: Ints
    fill: Ints
    tags: Tags

    def reasons(self) -> list[str | None]:
        return [None if r == 0 else LINE_REASONS[r - 1] for r in self.reason.tolist()]


FAR = 1 << 62  # a position past any line


def _positions(buf: npt.NDArray[np.uint8], byte: int) -> Ints:
    """Where ``byte`` is in ``buf``, sorted, with ``FAR`` at the end (for :func:`_next`)."""
    return _then_far(np.flatnonzero(buf == byte))


def _then_far(found: Ints) -> Ints:
    """Sorted positions with ``FAR`` after them: what :func:`_next` searches."""
    out = np.empty(len(found) + 1, dtype=np.int64)
    out[:-1], out[-1] = found, FAR
    return out


def _next(positions: Ints, after: Ints) -> Ints:
    """For each of ``after``, the first of ``positions`` (from :func:`_positions`) at or
    after it; ``FAR`` when there is none."""
    return positions[np.minimum(np.searchsorted(positions, after), len(positions) - 1)]


def gather(
    buf: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The pieces ``buf[start:start + length]`` one after the other, and where each starts (one
    more offset: the end).

    Each byte's place in ``buf`` is one step past the byte before it, but at a piece's first
    byte, where it jumps: one array of steps, summed in place. (An ``arange`` and a ``repeat``
    the size of the result made three arrays of it: 1.5 s for the 15 M-report day's 1.2 M
    fragments, 0.2 s so.)"""
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    place = np.ones(int(offsets[-1]), dtype=np.int32 if len(buf) < 1 << 31 else np.int64)
    pieces = np.flatnonzero(lengths > 0)
    if len(pieces):
        start, end = starts[pieces], starts[pieces] + lengths[pieces]
        place[offsets[pieces[1:]]] = start[1:] - end[:-1] + 1
        place[0] = start[0]
        np.cumsum(place, out=place)
    return buf[place], offsets


def _commas_within(buf: npt.NDArray[np.uint8], a: Ints, b: Ints) -> Ints:
    """:func:`_positions` of the commas in the ranges ``buf[a:b]`` only (in order, not
    overlapping): the few tag blocks read field by field, without a pass over the block (the
    block's commas took 12 ms of every 8 MB block)."""
    text, offsets = gather(buf, a, np.maximum(b - a, 0))
    inside = np.flatnonzero(text == COMMA)
    piece = np.searchsorted(offsets, inside, side="right") - 1
    return _then_far(a[piece] + (inside - offsets[piece]))


def _digits(buf: npt.NDArray[np.uint8], start: Ints, end: Ints, width: int) -> tuple[Ints, Bools]:
    """The unsigned integers written in ``buf[start:end]`` (up to ``width`` digits), and
    whether each is one (non-empty, digits only, not longer than ``width``)."""
    n = end - start
    ok = (n > 0) & (n <= width)
    value = np.zeros(len(start), dtype=np.int64)
    if not len(start):
        return value, ok
    limit = len(buf) - 1
    for k in range(width):
        inside = ok & (k < n)
        d = _DIGIT[buf[np.minimum(start + k, limit)]].astype(np.int64)
        ok &= ~inside | (d >= 0)
        value = np.where(inside, value * 10 + d, value)
    return value, ok


def checksum(body: bytes) -> bytes:
    """The NMEA checksum of ``body`` (what lies between ``!``/``\\`` and ``*``), as two hex
    digits: for the one line a receiver stamps or a simulator writes."""
    check = 0
    for c in body:
        check ^= c
    return b"%02X" % check


def _xor(buf: npt.NDArray[np.uint8], a: Ints, b: Ints) -> npt.NDArray[np.int16]:
    """XOR of ``buf[a:b]`` for each range; the ranges in order, not overlapping (one pass
    over the buffer, ``reduceat``); an empty range gives 0."""
    if not len(a):
        return np.zeros(0, dtype=np.int16)
    b = np.maximum(a, b)
    cuts = np.empty(2 * len(a), dtype=np.int64)
    cuts[0::2], cuts[1::2] = a, b
    cuts = np.minimum(cuts, len(buf) - 1)
    sums = np.bitwise_xor.reduceat(buf, cuts)[0::2].astype(np.int16)
    return np.where(b > a, sums, 0).astype(np.int16)


def _hex2(buf: npt.NDArray[np.uint8], at: Ints) -> npt.NDArray[np.int16]:
    """The two hex digits at ``at`` as a number; -1 when they are not hex digits."""
    limit = len(buf) - 1
    hi = _HEX[buf[np.minimum(at, limit)]]
    lo = _HEX[buf[np.minimum(at + 1, limit)]]
    return np.where((hi >= 0) & (lo >= 0), hi * 16 + lo, -1).astype(np.int16)


def frame(buf: npt.NDArray[np.uint8], lines: Lines | None = None) -> Frames:
    """Frame every line of ``buf`` (bytes as uint8): blank lines included (their reason is
    ``not_ais``; callers count them apart)."""
    lines = lines or split_lines(buf)
    n = len(lines)
    ls, le = lines.start, lines.end
    limit = max(len(buf) - 1, 0)
    at = np.minimum  # clamp an index into the buffer (the result is masked where it matters)
    slashes = _positions(buf, BACKSLASH)
    stars = _positions(buf, STAR)
    reason = np.zeros(n, dtype=np.int8)
    bad_tag = np.zeros(n, dtype=np.bool_)

    # Tag blocks: from the line's start, as long as a block opens.
    p = ls.copy()
    tags = Tags(
        receiver_start=np.zeros(n, dtype=np.int64),
        receiver_end=np.zeros(n, dtype=np.int64),
        time_us=np.full(n, -1, dtype=np.int64),
        group_n=np.full(n, -1, dtype=np.int64),
        group_of=np.full(n, -1, dtype=np.int64),
        group_id=np.full(n, -1, dtype=np.int64),
    )
    for _ in range(MAX_TAG_BLOCKS):
        opens = (p < le) & (buf[at(p, limit)] == BACKSLASH) if len(buf) else p < 0
        if not opens.any():
            break
        idx = np.flatnonzero(opens)
        b0 = p[idx] + 1
        b1 = _next(slashes, b0)
        closed = b1 < le[idx]
        star = _next(stars, b0)
        has_star = star < b1
        check = _hex2(buf, star + 1)
        good = closed & has_star & (star + 3 == b1) & (_xor(buf, b0, np.minimum(star, b1)) == check)
        bad_tag[idx[~good]] = True
        _read_tag_fields(buf, idx[good], b0[good], star[good], tags)
        p[idx] = np.where(closed, b1 + 1, le[idx])

    # The sentence: !xxVDM or !xxVDO, then six commas before the star.
    is_bang = (p < le) & (buf[at(p, limit)] == BANG) if len(buf) else p < 0
    formatter_ok = is_bang & (p + 7 <= le)
    for k, ch in ((3, "V"), (4, "D"), (6, ",")):
        formatter_ok &= buf[at(p + k, limit)] == ord(ch)
    formatter_ok &= (buf[at(p + 5, limit)] == ord("M")) | (buf[at(p + 5, limit)] == ord("O"))
    reason[~formatter_ok] = 1  # not_ais
    # The fields sit at fixed places but for the sequence id and channel (empty or one
    # character each): no search but for the star.
    seq_empty = buf[at(p + 11, limit)] == COMMA
    c3 = np.where(seq_empty, p + 11, p + 12)
    channel_empty = buf[at(c3 + 1, limit)] == COMMA
    c4 = np.where(channel_empty, c3 + 1, c3 + 2)
    star = _next(stars, c4 + 1)
    c5 = star - 2  # ",<fill>*": one fill-bit digit
    shape = formatter_ok & (star + 3 <= le) & (c5 > c4)
    for comma in (p + 8, p + 10, c3, c4, c5):
        shape &= buf[at(comma, limit)] == COMMA
    count = _DIGIT[buf[at(p + 7, limit)]].astype(np.int64)
    number = _DIGIT[buf[at(p + 9, limit)]].astype(np.int64)
    seq = np.where(seq_empty, -1, _DIGIT[buf[at(p + 11, limit)]]).astype(np.int64)
    fill = _DIGIT[buf[at(c5 + 1, limit)]].astype(np.int64)
    shape &= (count >= 1) & (number >= 1) & (number <= count) & (fill >= 0) & (fill <= 5)
    shape &= seq_empty | (seq >= 0)
    after = star + 3  # what follows the checksum: the end, or a logger's metadata
    shape &= (after == le) | (buf[at(after, limit)] == COMMA)
    reason[formatter_ok & ~shape] = 2  # malformed
    check = _hex2(buf, star + 1)
    sums = shape & (_xor(buf, np.minimum(p + 1, le), np.minimum(star, le)) == check)
    reason[shape & (~sums | bad_tag)] = 3  # bad checksum
    channel = np.where(channel_empty, 0, buf[at(c3 + 1, limit)]).astype(np.uint8)

    ok = reason == 0
    logged = np.flatnonzero(ok & (after < le))
    if len(logged):
        _read_logger_metadata(buf, _positions(buf, COMMA), logged, after, le, tags)
    return Frames(
        lines=lines,
        reason=reason,
        sentence=p,
        count=np.where(ok, count, 0),
        number=np.where(ok, number, 0),
        seq=np.where(ok, seq, -1),
        channel=np.where(ok, channel, 0).astype(np.uint8),
        payload_start=np.where(ok, c4 + 1, 0),
        payload_end=np.where(ok, c5, 0),
        fill=np.where(ok, fill, 0),
        tags=tags,
    )


SHORT_SOURCE = 24  # a receiver's name the fast path reads (longer ones: the general path)


def _read_tag_fields(
    buf: npt.NDArray[np.uint8],
    idx: Ints,
    b0: Ints,
    star: Ints,
    tags: Tags,
) -> None:
    """``s:``, ``c:`` and ``g:`` of the tag blocks ``[b0, star)`` of lines ``idx`` into
    ``tags`` (a field set by an earlier block of the line is kept: the outer block is the
    newer stamp, the inner one the source's own).

    The usual blocks, ``s:<source>,c:<10 digits>`` and ``c:<10 digits>``, are read at fixed
    places from the star back; any other goes field by field."""
    if not len(idx):
        return
    limit = len(buf) - 1
    n = star - b0
    c_at = star - 12  # "c:" of ten digits just before the star
    time_last = (n >= 12) & (buf[np.clip(c_at, 0, limit)] == ord("c"))
    time_last &= buf[np.clip(c_at + 1, 0, limit)] == ord(":")
    only_time = time_last & (n == 12)
    source = time_last & (n > 14) & (n <= 15 + SHORT_SOURCE)
    source &= buf[np.minimum(b0, limit)] == ord("s")
    source &= (buf[np.minimum(b0 + 1, limit)] == ord(":")) & (buf[c_at - 1] == COMMA)
    if source.any():  # no other field between s: and c:
        rows = np.flatnonzero(source)
        # A window may reach past the block only for a tag block at its very end: the block is
        # copied with room after it then, not for every block (5 ms of 8 MB each).
        room = buf
        if int(b0[rows].max()) + 2 + SHORT_SOURCE > len(buf):
            room = np.concatenate((buf, np.zeros(SHORT_SOURCE, dtype=np.uint8)))
        window = np.lib.stride_tricks.sliding_window_view(room, SHORT_SOURCE)[b0[rows] + 2]
        inside = np.arange(SHORT_SOURCE)[None, :] < (c_at[rows] - 1 - b0[rows] - 2)[:, None]
        source[rows[((window == COMMA) & inside).any(axis=1)]] = False
    fast = only_time | source
    if fast.any():
        rows = np.flatnonzero(source)
        lines = idx[rows]
        fresh = tags.receiver_end[lines] == 0
        tags.receiver_start[lines[fresh]] = b0[rows][fresh] + 2
        tags.receiver_end[lines[fresh]] = c_at[rows][fresh] - 1
        rows = np.flatnonzero(fast)
        _read_time(buf, idx[rows], c_at[rows] + 2, star[rows], tags)
    general = ~fast
    if not general.any():
        return
    idx, b0, star = idx[general], b0[general], star[general]
    comma_at = _commas_within(buf, b0, star)
    pos = b0.copy()
    live = np.ones(len(idx), dtype=np.bool_)
    while live.any():
        end = np.minimum(_next(comma_at, pos), star)
        key = buf[np.minimum(pos, limit)]
        colon = (end - pos >= 2) & (buf[np.minimum(pos + 1, limit)] == ord(":")) & live
        v0 = pos + 2
        for letter, what in ((ord("s"), "s"), (ord("c"), "c"), (ord("g"), "g")):
            sel = colon & (key == letter)
            if not sel.any():
                continue
            lines, a, b = idx[sel], v0[sel], end[sel]
            if what == "s":
                fresh = tags.receiver_end[lines] == 0
                tags.receiver_start[lines[fresh]] = a[fresh]
                tags.receiver_end[lines[fresh]] = b[fresh]
            elif what == "c":
                _read_time(buf, lines, a, b, tags)
            else:
                _read_group(buf, lines, a, b, tags)
        live &= end < star
        pos = end + 1


def _read_time(buf: npt.NDArray[np.uint8], lines: Ints, a: Ints, b: Ints, tags: Tags) -> None:
    """``c:`` as Unix seconds (10 digits or fewer) or milliseconds (13), with an optional
    fraction: microseconds into ``tags.time_us`` where it has none yet."""
    us = np.full(len(a), -1, dtype=np.int64)
    seconds = (b - a) == 10  # the usual form: whole seconds, 10 digits
    if seconds.any():
        windows = np.lib.stride_tricks.sliding_window_view(buf, 10)
        d = windows[a[seconds]] - np.uint8(ord("0"))  # wraps below '0': > 9 too
        digits = (d <= 9).all(axis=1)
        # Digit by digit into one column of int64 (a matrix product in float64 made a copy of
        # the digits eight times their size: 5 ms a block).
        value = np.zeros(len(d), dtype=np.int64)
        for k in range(10):
            value *= 10
            value += d[:, k]
        us[seconds] = np.where(digits, value * 1_000_000, -1)
    other = np.flatnonzero(~seconds)
    if len(other):
        us[other] = _time_any_form(buf, a[other], b[other])
    fresh = (us >= 0) & (tags.time_us[lines] < 0)
    tags.time_us[lines[fresh]] = us[fresh]


def _time_any_form(buf: npt.NDArray[np.uint8], a: Ints, b: Ints) -> Ints:
    """Microseconds of ``c:`` values in any form (-1: not a time)."""
    dot = a.copy()
    limit = len(buf) - 1
    for _k in range(14):  # the integer part ends at a '.' or the field's end
        more = (dot < b) & (buf[np.minimum(dot, limit)] != ord("."))
        dot = np.where(more, dot + 1, dot)
    whole, ok = _digits(buf, a, dot, 13)
    frac_end = np.minimum(b, dot + 7)
    frac, frac_ok = _digits(buf, dot + 1, frac_end, 6)
    has_frac = dot < b
    ok &= ~has_frac | frac_ok
    frac_us = frac * 10 ** np.clip(6 - (frac_end - dot - 1), 0, 6)
    millis = (dot - a) >= 12
    us = np.where(millis, whole * 1000, whole * 1_000_000 + np.where(has_frac, frac_us, 0))
    return np.where(ok, us, -1)


def _read_group(buf: npt.NDArray[np.uint8], lines: Ints, a: Ints, b: Ints, tags: Tags) -> None:
    """``g:<n>-<of>-<id>`` into ``tags``."""
    dash = ord("-")
    limit = len(buf) - 1
    parts = [a]
    for _ in range(2):
        q = parts[-1].copy()
        for _k in range(12):
            more = (q < b) & (buf[np.minimum(q, limit)] != dash)
            q = np.where(more, q + 1, q)
        parts.append(q + 1)
    n, ok1 = _digits(buf, parts[0], parts[1] - 1, 2)
    of, ok2 = _digits(buf, parts[1], parts[2] - 1, 2)
    gid, ok3 = _digits(buf, parts[2], b, 12)
    ok = ok1 & ok2 & ok3 & (n >= 1) & (n <= of)
    tags.group_n[lines[ok]] = n[ok]
    tags.group_of[lines[ok]] = of[ok]
    tags.group_id[lines[ok]] = gid[ok]


def _read_logger_metadata(
    buf: npt.NDArray[np.uint8], commas: Ints, idx: Ints, after: Ints, le: Ints, tags: Tags
) -> None:
    """The US Coast Guard's form: ``*hh,...,r<station>,<unix seconds>[,...]`` after the
    checksum: the station and the time, where the tag blocks gave none."""
    if not len(idx):
        return
    limit = len(buf) - 1
    real = commas[:-1]
    r_fields = np.append(real[(real < limit) & (buf[np.minimum(real + 1, limit)] == ord("r"))], FAR)
    r = _next(r_fields, after[idx])
    found = r < le[idx]
    idx, r = idx[found], r[found]
    if not len(idx):
        return
    station_end = np.minimum(_next(commas, r + 1), le[idx])
    t_end = np.minimum(_next(commas, station_end + 1), le[idx])
    fresh = tags.receiver_end[idx] == 0
    tags.receiver_start[idx[fresh]] = r[fresh] + 2
    tags.receiver_end[idx[fresh]] = station_end[fresh]
    has_time = station_end < le[idx]
    lines, a, b = idx[has_time], station_end[has_time] + 1, t_end[has_time]
    _read_time(buf, lines, a, b, tags)
