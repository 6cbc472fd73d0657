"""A day of raw NMEA text decoded into messages, every line accounted for.

The text is read in blocks of whole lines; each block is framed (``sentences``) and its
single-sentence messages decoded (``messages``) as arrays. Multi-sentence lines are kept
aside and joined at the end of the day (``fragments``), so a message split across blocks is
joined too. Out come two Parquet files:

- messages: one row per decoded message (its first line's number, how many lines it took,
  its raw text, receiver, time, payload and decoded fields);
- rejects: one row per line, or per message, that is not a message, with its reason:
  ``not_ais``, ``malformed_sentence``, ``bad_checksum``, ``orphan_fragment``,
  ``undecodable_payload``, ``unsupported_type``, ``no_time``.

Blank lines are counted apart. The count is exact: lines = blank + the lines of every
message + the lines of every reject (:class:`DayDecode` proves it, or raises).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aislake.sources.nmea.ahead import mapped_ahead
from aislake.sources.nmea.fragments import Fragment, array_keys, assemble, pair_fragments
from aislake.sources.nmea.heard import heard_again
from aislake.sources.nmea.memory import memory_reused, return_freed_memory
from aislake.sources.nmea.messages import (
    NUMERIC,
    TEXT,
    UNDECODABLE,
    UNSUPPORTED,
    Decoded,
    decode_payloads,
)
from aislake.sources.nmea.sentences import LINE_REASONS, Frames, frame, gather
from aislake.sources.nmea.statics import NONE as NO_STATIC
from aislake.sources.nmea.statics import STATIC_TYPES, last_static

ORPHAN = "orphan_fragment"  # part of a multi-sentence message whose other parts never came
NO_TIME = "no_time"  # no tag block, logger or receiver gave the message a time
BLOCK_BYTES = 8 << 20
# Blocks framed at once, each on a thread of its own, while the day's thread numbers the
# lines and writes the one before (``aislake.sources.nmea.ahead``). numpy frees the GIL for most
# of the framing: two threads frame 8 MB blocks 1.6x as fast as one (docs/benchmarks.md).
FRAMING_THREADS = 2
WRITES_QUEUED = 4  # tables waiting for the writer's thread, at most

UNTIMED_POLICIES = ("reject", "day")
# Why a message is not a row: the payload's reasons, then no time.
MESSAGE_REASONS = (UNDECODABLE, UNSUPPORTED, NO_TIME)
# Every reason the decoder gives (tests/unit/sources/nmea proves each).
NMEA_REJECT_REASONS = (*LINE_REASONS, ORPHAN, UNDECODABLE, UNSUPPORTED, NO_TIME)

MESSAGE_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("lines", pa.int8()),
        ("raw_line", pa.large_string()),
        ("receiver", pa.string()),
        ("ts", pa.timestamp("us")),
        ("payload_key", pa.int64()),  # a hash of the payload: the same report heard again
        *[(name, pa.from_numpy_dtype(np.dtype(kind))) for name, kind in NUMERIC.items()],
        *[(name, pa.dictionary(pa.int32(), pa.string())) for name in TEXT],
    ]
)
REJECT_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("lines", pa.int8()),
        ("reason", pa.string()),
        ("raw_line", pa.large_string()),
    ]
)


class LinesUnaccountedError(RuntimeError):
    """The decoder's messages, rejects and blank lines do not add up to the lines read."""


@dataclass
class DayDecode:
    """What a day's decoding found (the counts silver reconciles with)."""

    lines: int = 0  # every line of the text, blank ones included
    blank_lines: int = 0
    messages: int = 0  # rows of the messages file
    message_lines: int = 0  # the lines those messages took (fragments joined)
    rejects: int = 0  # rows of the rejects file
    reject_lines: int = 0  # the lines those rejects hold
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    fast: int = 0  # messages the vectorised path decoded
    fallback: int = 0  # messages pyais decoded
    stamped_from_day: int = 0  # messages given a time by the untimed policy 'day'
    heard_again: int = 0  # messages that are a later hearing of a report (silver: duplicate)

    @property
    def fragments_joined(self) -> int:
        """Lines that were a later part of a joined message."""
        return self.message_lines - self.messages

    @property
    def records(self) -> int:
        """Messages and rejects: what silver's rows and rejects must add up to."""
        return self.messages + self.rejects

    def check(self) -> None:
        accounted = self.blank_lines + self.message_lines + self.reject_lines
        if accounted != self.lines:
            raise LinesUnaccountedError(
                f"{self.lines:,} lines read, but {self.message_lines:,} in messages, "
                f"{self.reject_lines:,} rejected and {self.blank_lines:,} blank"
            )


def heard_path(messages: Path) -> Path:
    """The file :func:`decode_day` writes beside ``messages``: who heard each message."""
    return messages.with_name(messages.stem + ".heard.parquet")


def blocks(chunks: Iterable[bytes], size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The text of ``chunks`` in blocks of about ``size`` bytes, each ending at a line's end
    (a chunk larger than ``size``, a whole file read at once, is cut into several; a line
    longer than ``size`` is a block of its own)."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held < size:
            continue
        data = b"".join(pending)
        start = 0
        while len(data) - start >= size:
            cut = data.rfind(b"\n", start, start + size) + 1
            if not cut:  # one line longer than a block: up to its end
                cut = data.find(b"\n", start + size) + 1
                if not cut:
                    break
            yield data[start:cut]
            start = cut
        pending, held = [data[start:]], len(data) - start
    tail = b"".join(pending)
    if tail:
        yield tail


def _lines_array(text: npt.NDArray[np.uint8], start: npt.NDArray[np.int64]) -> pa.Array:
    """Every line of the block as a string, its line ending still on it (no copy: the block
    is the array's data); :func:`_take_lines` picks and trims the ones wanted."""
    offsets = np.concatenate((start, [len(text)])).astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(start), pa.py_buffer(offsets), pa.py_buffer(text))


def _take_lines(lines: pa.Array, idx: npt.NDArray[np.int64]) -> pa.Array:
    return lines.take(pa.array(idx))  # line endings are trimmed in SQL, where they are read


def _fields(
    text: npt.NDArray[np.uint8], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> pa.Array:
    """Fields (a receiver's name) ``text[a:b]`` as strings, NULL where empty (built from
    buffers: a block's text is far below 2 GB, so its offsets are int32)."""
    buf, offsets = gather(text, a, b - a)
    empty = b <= a
    nulls = int(empty.sum())
    return pa.StringArray.from_buffers(
        len(a),
        pa.py_buffer(offsets.astype(np.int32)),
        pa.py_buffer(buf),
        pa.py_buffer(np.packbits(~empty, bitorder="little")) if nulls else None,
        nulls,
    )


def _ascii(block: bytes) -> npt.NDArray[np.uint8]:
    """The block's bytes with anything outside ASCII as '?': raw text stored as UTF-8."""
    buf = np.frombuffer(block, dtype=np.uint8)
    if (buf > 127).any():
        buf = np.where(buf > 127, ord("?"), buf).astype(np.uint8)
    return buf


@dataclass(frozen=True)
class FramedBlock:
    """The work on a block that needs nothing of the blocks before it (:func:`frame_block`,
    on threads ahead of the day's: :func:`decode_day`); :meth:`DayDecoder.block` numbers,
    times and writes its lines."""

    frames: Frames
    text: npt.NDArray[np.uint8]  # the block as ASCII
    lines: pa.Array  # every line, as a string (:func:`_lines_array`)
    single: npt.NDArray[np.int64]  # the single-sentence messages' lines...
    decoded: Decoded  # ...decoded
    receivers: pa.Array  # ...and who heard each
    multi: npt.NDArray[np.int64]  # the lines of multi-sentence messages


def frame_block(block: bytes) -> FramedBlock:
    """``block`` (whole lines) framed, and its single-sentence messages decoded."""
    fr = frame(np.frombuffer(block, dtype=np.uint8))
    text = _ascii(block)
    ok = fr.reason == 0
    single = np.flatnonzero(ok & (fr.count == 1))
    start, end = fr.payload_start[single], fr.payload_end[single]
    return FramedBlock(
        frames=fr,
        text=text,
        lines=_lines_array(text, fr.lines.start),
        single=single,
        decoded=decode_payloads(text, start, end - start, fr.fill[single]),
        receivers=_fields(text, fr.tags.receiver_start[single], fr.tags.receiver_end[single]),
        multi=np.flatnonzero(ok & (fr.count > 1)),
    )


class _Writer:
    """The Parquet files, the first two written a table at a time by a thread of their own
    (pyarrow encodes and compresses without the GIL: the next block is decoded meanwhile),
    in the order the tables are given."""

    def __init__(self, messages: Path, rejects: Path, heard: Path) -> None:
        self.heard = heard
        # Local and read once: fast codecs, and no dictionary for columns of unique values.
        self.messages = pq.ParquetWriter(
            messages,
            MESSAGE_SCHEMA,
            compression="lz4",
            use_dictionary=["receiver", *TEXT],
            write_statistics=False,
        )
        self.rejects = pq.ParquetWriter(
            rejects, REJECT_SCHEMA, compression="lz4", use_dictionary=["reason"]
        )
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="nmea-writer")
        self._pending: deque[Future[None]] = deque()

    def write(self, file: pq.ParquetWriter, table: pa.Table) -> None:
        """Queue ``table`` for ``file``; waits while ``WRITES_QUEUED`` tables are (a bound on
        the memory they hold), and raises a write's error at the first call after it."""
        self._pending.append(self._thread.submit(file.write_table, table))
        while self._pending and (len(self._pending) > WRITES_QUEUED or self._pending[0].done()):
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._thread.shutdown(cancel_futures=True)
            self.messages.close()
            self.rejects.close()


def _decoded_columns(d: Decoded, keep: npt.NDArray[np.bool_]) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    every = bool(keep.all())  # the usual block: no message of it rejected
    for name in NUMERIC:
        values = d.values[name] if every else d.values[name][keep]
        valid = d.valid[name] if every else d.valid[name][keep]
        # A field no message of the block has (a static one, in a block of positions) or every
        # message has: no mask to build.
        if not valid.any():
            cols[name] = pa.nulls(len(valid), pa.from_numpy_dtype(values.dtype))
        else:
            cols[name] = pa.array(values, mask=None if valid.all() else ~valid)
    for name in TEXT:
        # Text is in few rows (static reports) and repeats: a dictionary column, built from
        # those rows only.
        rows = np.flatnonzero(d.has_text[name][keep])
        codes = np.full(int(keep.sum()), -1, dtype=np.int32)
        words: dict[str, int] = {}
        values = d.texts[name][np.flatnonzero(keep)[rows]].tolist()
        codes[rows] = [words.setdefault(v, len(words)) for v in values]
        cols[name] = pa.DictionaryArray.from_arrays(
            pa.array(codes, mask=codes < 0), pa.array(list(words), type=pa.string())
        )
    return cols


class DayDecoder:
    """Decodes a day's text block by block (:func:`decode_day` drives it)."""

    def __init__(self, writer: _Writer, day: dt.date, untimed: str) -> None:
        if untimed not in UNTIMED_POLICIES:
            raise ValueError(f"untimed lines: expected one of {UNTIMED_POLICIES}, got {untimed!r}")
        self.writer = writer
        self.stamp_from_day = untimed == "day"
        self.day_start_us = int(
            dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp() * 1_000_000
        )
        self.last_time_us = -1  # the last time a line gave (carried forward under 'day')
        self.line_base = 0
        self.parts = _Fragments()
        self.heard = _Hearings()
        self.result = DayDecode()

    def _times(
        self, tags_time: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Each line's time; under 'day', a line without one takes the last time before it in
        the file (else the day's start). Also: which lines were stamped so."""
        if not self.stamp_from_day:
            return tags_time, np.zeros(len(tags_time), dtype=np.bool_)
        has = tags_time >= 0
        idx = np.where(has, np.arange(len(tags_time)), -1)
        np.maximum.accumulate(idx, out=idx)
        carried = np.where(idx >= 0, tags_time[np.maximum(idx, 0)], self.last_time_us)
        carried = np.where(carried >= 0, carried, self.day_start_us)
        if has.any():
            self.last_time_us = int(tags_time[np.flatnonzero(has)[-1]])
        return np.where(has, tags_time, carried), ~has

    def block(self, b: FramedBlock) -> None:
        """Account for every line of ``b``, the blocks before it already given."""
        fr = b.frames
        n = len(fr.lines)
        blank = fr.lines.start == fr.lines.end
        line_no = self.line_base + np.arange(n, dtype=np.int64) + 1
        times, stamped = self._times(fr.tags.time_us)
        r = self.result
        r.lines += n
        r.blank_lines += int(blank.sum())
        # Lines that are not a sentence.
        bad = (fr.reason > 0) & ~blank
        if bad.any():
            reasons = np.array(LINE_REASONS)[fr.reason[bad] - 1]
            self._reject(line_no[bad], reasons.tolist(), _take_lines(b.lines, np.flatnonzero(bad)))
        single, d = b.single, b.decoded
        r.fast += d.fast
        r.fallback += d.fallback
        self._emit(
            d,
            line=line_no[single],
            lines=np.ones(len(single), dtype=np.int8),
            raw_lines=lambda idx: _take_lines(b.lines, single[idx]),
            receivers=b.receivers,
            times=times[single],
            stamped=stamped[single],
        )
        if len(b.multi):
            self._keep_fragments(fr, b.text, b.multi, line_no, times)
        self.line_base += n

    def _keep_fragments(
        self,
        fr: Frames,
        text: npt.NDArray[np.uint8],
        rows: npt.NDArray[np.int64],
        line_no: npt.NDArray[np.int64],
        times: npt.NDArray[np.int64],
    ) -> None:
        """Keep the block's multi-sentence lines for :meth:`finish` (a few percent of lines)."""
        ls, le = fr.lines.start[rows], fr.lines.end[rows]
        codes = receiver_codes(
            _fields(text, fr.tags.receiver_start[rows], fr.tags.receiver_end[rows]),
            self.parts.codes,
        )
        number = fr.number[rows]
        own_time = fr.tags.time_us[rows] >= 0
        p = self.parts
        p.line.append(line_no[rows])
        p.key.append(
            array_keys(
                fr.tags.group_id[rows],
                fr.tags.group_of[rows],
                codes,
                fr.channel[rows].astype(np.int64),
                fr.seq[rows],
                fr.count[rows],
            )
        )
        p.number.append(number)
        p.count.append(fr.count[rows])
        p.fill.append(fr.fill[rows])
        # A later part's time only where it has its own (a group's may not).
        p.time_us.append(np.where(own_time | (number == 1), times[rows], -1))
        p.receiver.append(codes)
        p.add_text(text, ls, le, fr.payload_start[rows], fr.payload_end[rows])

    def _emit(
        self,
        d: Decoded,
        line: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int8],
        raw_lines: Callable[[npt.NDArray[np.int64]], pa.Array],
        receivers: pa.Array,
        times: npt.NDArray[np.int64],
        stamped: npt.NDArray[np.bool_],
    ) -> None:
        """Write the decoded messages, and reject those that are not (or have no time)."""
        r = self.result
        code = d.reason_code.copy()
        code[(code == 0) & (times < 0)] = len(MESSAGE_REASONS)
        keep = code == 0
        if (~keep).any():
            out = np.flatnonzero(~keep)
            reasons = [MESSAGE_REASONS[c - 1] for c in code[out].tolist()]
            self._reject(line[out], reasons, raw_lines(out), lines[out])
        if not keep.any():
            return
        kept = np.flatnonzero(keep)
        table = pa.table(
            {
                "line": pa.array(line[keep]),
                "lines": pa.array(lines[keep], type=pa.int8()),
                "raw_line": raw_lines(kept),
                "receiver": receivers.take(pa.array(kept)),
                "ts": pa.array(times[keep], type=pa.timestamp("us")),
                "payload_key": pa.array(d.key[keep]),
                **_decoded_columns(d, keep),
            },
            schema=MESSAGE_SCHEMA,
        )
        self.writer.write(self.writer.messages, table)
        self.heard.add(table)
        r.messages += len(kept)
        r.message_lines += int(lines[keep].sum())
        r.stamped_from_day += int(stamped[keep].sum())

    def _reject(
        self,
        line: npt.NDArray[np.int64],
        reasons: list[str],
        raw: pa.Array,
        lines: npt.NDArray[np.int8] | None = None,
    ) -> None:
        lines = np.ones(len(line), dtype=np.int8) if lines is None else lines
        self.writer.write(
            self.writer.rejects,
            pa.table(
                {
                    "line": pa.array(line),
                    "lines": pa.array(lines, type=pa.int8()),
                    "reason": pa.array(reasons, type=pa.string()),
                    "raw_line": raw.cast(pa.large_string()),
                },
                schema=REJECT_SCHEMA,
            ),
        )
        r = self.result
        r.rejects += len(line)
        r.reject_lines += int(lines.sum())
        for reason in reasons:
            r.rejects_by_reason[reason] = r.rejects_by_reason.get(reason, 0) + 1

    def finish(self) -> DayDecode:
        """Join the multi-sentence messages, decode them, reject the orphans; then find the
        reports heard again. Each step's arrays are let go before the next needs its own."""
        return_freed_memory()  # what the blocks left
        self._join_fragments()
        return_freed_memory()  # what the fragments left
        self.result.check()
        self.result.heard_again = self.heard.write(self.writer.heard)
        return self.result

    def _join_fragments(self) -> None:
        p = self.parts.done()
        parts, starts, orphans = p.messages()
        if len(orphans):
            self._reject(p.lines[orphans], [ORPHAN] * len(orphans), p.texts(orphans))
        if len(starts):
            n_parts = np.diff(np.append(starts, len(parts)))
            last = parts[starts + n_parts - 1]
            buf, offsets = gather(p.text, p.payload_start[parts], p.payload_length[parts])
            bounds = offsets[np.append(starts, len(parts))]  # each message's payload, joined
            d = decode_payloads(buf, bounds[:-1], np.diff(bounds), p.fills[last])
            # Each message's raw text: its lines in line order, joined by a newline.
            message = np.repeat(np.arange(len(starts)), n_parts)
            by_line = parts[np.lexsort((p.lines[parts], message))]
            part_times, received = p.times[parts], p.receiver[parts]
            times = _first_where(part_times, part_times >= 0, starts, -1)
            heard_by = _first_where(received, received >= 0, starts, -1)
            raw = p.texts(by_line, starts)
            names = pa.array([*p.names, None], pa.string())
            self._emit(
                d,
                line=p.lines[by_line[starts]],
                lines=n_parts.astype(np.int8),
                raw_lines=lambda idx: raw.take(pa.array(idx)),
                receivers=names.take(pa.array(np.where(heard_by < 0, len(p.names), heard_by))),
                times=times,
                stamped=np.zeros(len(starts), dtype=np.bool_),
            )
            self.result.fast += d.fast
            self.result.fallback += d.fallback


def _first_where(
    values: npt.NDArray[np.int64],
    where: npt.NDArray[np.bool_],
    starts: npt.NDArray[np.int64],
    none: int,
) -> npt.NDArray[np.int64]:
    """Per group of ``values`` (groups start at ``starts``), the first value ``where`` holds;
    ``none`` in a group where it never does."""
    position = np.where(where, np.arange(len(values)), len(values))
    first = np.minimum.reduceat(position, starts)
    found = first < len(values)
    return np.where(found, values[np.minimum(first, len(values) - 1)], none)


def _joined(blocks: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """The blocks' arrays as one; the list is emptied (the blocks are let go)."""
    joined = np.concatenate(blocks)
    blocks.clear()
    return joined


def receiver_codes(
    receivers: pa.Array | pa.ChunkedArray, ids: dict[str, int]
) -> npt.NDArray[np.int64]:
    """A number per receiver, the same in every block (``ids``: name -> number, in the order
    the day first heard them, grown here); -1 for no receiver."""
    encoded = pc.dictionary_encode(receivers)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    names = encoded.dictionary.to_pylist()
    local = np.array([ids.setdefault(x, len(ids)) for x in names] + [-1], dtype=np.int64)
    codes: npt.NDArray[np.int64] = local[encoded.indices.fill_null(len(names)).to_numpy()]
    return codes


@dataclass
class _Hearings:
    """What finding the reports heard again needs of each message written, in write order."""

    keys: list[npt.NDArray[np.int64]] = field(default_factory=list)
    times: list[npt.NDArray[np.int64]] = field(default_factory=list)
    lines: list[npt.NDArray[np.int64]] = field(default_factory=list)
    receivers: list[npt.NDArray[np.int64]] = field(default_factory=list)
    mmsi: list[npt.NDArray[np.int64]] = field(default_factory=list)
    types: list[npt.NDArray[np.int16]] = field(default_factory=list)  # as decoded: 2 bytes
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, table: pa.Table) -> None:
        self.keys.append(table["payload_key"].to_numpy())
        self.times.append(table["ts"].cast(pa.int64()).to_numpy())
        self.lines.append(table["line"].to_numpy())
        self.mmsi.append(table["mmsi"].fill_null(-1).to_numpy())
        self.types.append(table["msg_type"].fill_null(-1).to_numpy())
        self.receivers.append(receiver_codes(table["receiver"], self.ids))

    def write(self, path: Path) -> int:
        """``path``: each report's first hearing (its line), how many receivers heard it and
        the line of its vessel's static report it takes its static fields from
        (``static_line``: :func:`~aislake.sources.nmea.statics.last_static`, the reports being
        the static reports' first hearings; null for none). Returns how many messages were
        another hearing of a report (not in ``path``)."""
        if not self.keys:
            empty = {
                "line": pa.array([], pa.int64()),
                "receivers": pa.array([], pa.int16()),
                "static_line": pa.array([], pa.int64()),
            }
            pq.write_table(pa.table(empty), path)
            return 0
        rank = np.zeros(len(self.ids) + 1, dtype=np.int64)
        for r, name in enumerate(sorted(self.ids)):
            rank[self.ids[name]] = r
        rank[-1] = -1
        # Each array is joined once and its blocks let go: at 15 M messages every array is
        # 116 MB, and holding them twice took the day to 3.8 GB.
        receiver = rank[_joined(self.receivers)]
        lines, times, keys = _joined(self.lines), _joined(self.times), _joined(self.keys)
        types = _joined(self.types)
        # The static reports silver keeps: their first hearings, found among them alone (a
        # payload's copies are all of its type). Then the reports heard again, on a thread, while
        # each message finds its static report: both are sorts, which numpy runs without the
        # GIL (at 15 M messages 1.1 s and 1.2 s alone, 1.6-1.8 s the two at once).
        statics = np.flatnonzero(np.isin(types, STATIC_TYPES))
        kept, _ = heard_again(keys[statics], times[statics], receiver[statics], lines[statics])
        reports = statics[kept == lines[statics]]
        del statics, kept
        with ThreadPoolExecutor(1, thread_name_prefix="nmea-heard") as pool:
            heard = pool.submit(heard_again, keys, times, receiver, lines)
            static_line = last_static(_joined(self.mmsi), times, lines, types, reports)
            del times, types, reports
            kept, by = heard.result()
        del keys, receiver
        first = kept == lines  # each report's first hearing: the row silver keeps
        del kept
        receivers = by[first].astype(np.int16)
        del by
        lines, static = lines[first], static_line[first]
        copies = len(first) - len(lines)
        del static_line, first
        table = pa.table(
            {
                "line": lines,
                "receivers": receivers,
                "static_line": pa.array(static, mask=static == NO_STATIC),
            }
        )
        pq.write_table(table, path, compression="lz4")
        return copies


@dataclass
class _Fragments:
    """The day's multi-sentence lines, kept block by block as arrays: their text one line
    after the other (``text``), where each starts in it and where its payload is."""

    line: list[npt.NDArray[np.int64]] = field(default_factory=list)
    key: list[npt.NDArray[np.int64]] = field(default_factory=list)
    number: list[npt.NDArray[np.int64]] = field(default_factory=list)
    count: list[npt.NDArray[np.int64]] = field(default_factory=list)
    fill: list[npt.NDArray[np.int64]] = field(default_factory=list)
    time_us: list[npt.NDArray[np.int64]] = field(default_factory=list)
    receiver: list[npt.NDArray[np.int64]] = field(default_factory=list)
    text: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    text_start: list[npt.NDArray[np.int64]] = field(default_factory=list)
    payload_start: list[npt.NDArray[np.int64]] = field(default_factory=list)
    payload_length: list[npt.NDArray[np.int64]] = field(default_factory=list)
    text_bytes: int = 0
    codes: dict[str, int] = field(default_factory=dict)  # :func:`receiver_codes`

    def add_text(
        self,
        text: npt.NDArray[np.uint8],
        ls: npt.NDArray[np.int64],
        le: npt.NDArray[np.int64],
        payload_start: npt.NDArray[np.int64],
        payload_end: npt.NDArray[np.int64],
    ) -> None:
        kept, offsets = gather(text, ls, le - ls)
        self.text.append(kept)
        self.text_start.append(self.text_bytes + offsets[:-1])
        self.payload_start.append(self.text_bytes + offsets[:-1] + payload_start - ls)
        self.payload_length.append(payload_end - payload_start)
        self.text_bytes += len(kept)

    def done(self) -> _AllFragments:
        """The day's fragments, each kind of array joined; the blocks' arrays are let go."""

        def cat(parts: list[npt.NDArray[Any]], dtype: type = np.int64) -> npt.NDArray[Any]:
            return _joined(parts) if parts else np.zeros(0, dtype=dtype)

        return _AllFragments(
            cat(self.line),
            cat(self.key),
            cat(self.number),
            cat(self.count),
            cat(self.fill),
            cat(self.time_us),
            cat(self.receiver),
            list(self.codes),
            cat(self.text, np.uint8),
            np.append(cat(self.text_start), self.text_bytes),
            cat(self.payload_start),
            cat(self.payload_length),
        )


@dataclass
class _AllFragments:
    lines: npt.NDArray[np.int64]
    keys: npt.NDArray[np.int64]
    numbers: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    fills: npt.NDArray[np.int64]
    times: npt.NDArray[np.int64]
    receiver: npt.NDArray[np.int64]  # a code: names[code]; -1: no receiver
    names: list[str]  # receiver codes' names
    text: npt.NDArray[np.uint8]
    text_start: npt.NDArray[np.int64]  # one more: the end
    payload_start: npt.NDArray[np.int64]
    payload_length: npt.NDArray[np.int64]

    def texts(
        self, fragments: npt.NDArray[np.int64], starts: npt.NDArray[np.int64] | None = None
    ) -> pa.Array:
        """The raw text of each of ``fragments``; with ``starts``, of each group of them (a
        group from each start to the next), its lines joined by a newline."""
        lines = pa.LargeStringArray.from_buffers(
            len(self.text_start) - 1, pa.py_buffer(self.text_start), pa.py_buffer(self.text)
        ).take(pa.array(fragments))
        if starts is None:
            return lines
        bounds = pa.array(np.append(starts, len(fragments)), type=pa.int64())
        newline = pa.scalar("\n", pa.large_string())
        return pc.binary_join(pa.LargeListArray.from_arrays(bounds, lines), newline)

    def messages(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Each message's fragments (indices, in part order, one message after the other),
        where each message starts among them, and the orphans' indices."""
        two = np.flatnonzero(self.counts == 2)
        first, second = pair_fragments(
            self.keys[two], self.lines[two], self.numbers[two], self.counts[two], self.times[two]
        )
        parts = [np.column_stack((two[first], two[second])).ravel()]
        starts = [np.arange(0, 2 * len(first), 2, dtype=np.int64)]
        paired = np.zeros(len(self.lines), dtype=np.bool_)
        paired[two[first]] = paired[two[second]] = True
        orphans = two[~paired[two]]
        more = np.flatnonzero(self.counts > 2)
        if len(more):  # three sentences or more: rare, one step a fragment
            done = assemble(
                [
                    Fragment(
                        line=int(self.lines[i]),
                        key=(int(self.keys[i]),),
                        number=int(self.numbers[i]),
                        count=int(self.counts[i]),
                        payload=b"",
                        fill=int(self.fills[i]),
                        time_us=int(self.times[i]),
                        receiver=b"",
                        index=i,
                    )
                    for i in more.tolist()
                ]
            )
            at = 2 * len(first)
            for m in done.messages:
                parts.append(np.array([f.index for f in m], dtype=np.int64))
                starts.append(np.array([at], dtype=np.int64))
                at += len(m)
            orphans = np.concatenate((orphans, [f.index for f in done.orphans])).astype(np.int64)
        return np.concatenate(parts), np.concatenate(starts), np.sort(orphans)


def decode_day(
    chunks: Iterable[bytes],
    day: dt.date,
    messages: Path,
    rejects: Path,
    untimed: str = "reject",
    block_bytes: int = BLOCK_BYTES,
) -> DayDecode:
    """Decode the NMEA text ``chunks`` of ``day`` into the Parquet files ``messages`` and
    ``rejects``, and ``<messages>.heard.parquet``: the line of each report's first hearing
    (the message silver keeps) and how many receivers heard it (``heard``).
    ``untimed``: 'reject' a message no tag block or logger timed (``no_time``), or 'day': give
    it the last time before it in the file, else the day's start."""
    with memory_reused():
        writer = _Writer(messages, rejects, heard_path(messages))
        try:
            decoder = DayDecoder(writer, day, untimed)
            day_blocks = blocks(chunks, block_bytes)
            for framed in mapped_ahead(frame_block, day_blocks, FRAMING_THREADS, "nmea-framing"):
                decoder.block(framed)
            return decoder.finish()
        finally:
            writer.close()
