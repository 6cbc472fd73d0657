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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aislake.sources.nmea.fragments import Fragment, assemble, fragment_key
from aislake.sources.nmea.messages import (
    NUMERIC,
    TEXT,
    UNDECODABLE,
    UNSUPPORTED,
    Decoded,
    decode_payloads,
)
from aislake.sources.nmea.sentences import LINE_REASONS, Frames, frame

ORPHAN = "orphan_fragment"  # part of a multi-sentence message whose other parts never came
NO_TIME = "no_time"  # no tag block, logger or receiver gave the message a time
BLOCK_BYTES = 64 << 20

UNTIMED_POLICIES = ("reject", "day")
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
        *[(name, pa.string()) for name in TEXT],
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


def blocks(chunks: Iterable[bytes], size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The text of ``chunks`` in blocks of about ``size`` bytes, each ending at a line's end."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held < size:
            continue
        data = b"".join(pending)
        cut = data.rfind(b"\n") + 1
        if cut:
            yield data[:cut]
            pending, held = [data[cut:]], len(data) - cut
        else:
            pending, held = [data], len(data)
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


def _short_strings(
    text: npt.NDArray[np.uint8], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], width: int = 32
) -> pa.Array:
    """Short fields (a receiver's name) ``text[a:b]`` as strings, NULL where empty; longer
    than ``width`` bytes: cut."""
    n = min(int((b - a).max()) if len(a) else 0, width)
    if n <= 0:
        return pa.nulls(len(a), type=pa.string())
    cols = np.arange(n, dtype=np.int64)
    inside = cols[None, :] < (b - a)[:, None]
    raw = np.where(inside, text[np.minimum(a[:, None] + cols[None, :], len(text) - 1)], 0)
    arr = pa.array(
        np.ascontiguousarray(raw.astype(np.uint8)).view(f"S{n}").ravel(), type=pa.binary()
    )
    strings = arr.cast(pa.string())
    return pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)


def _texts(values: list[bytes]) -> pa.Array:
    return pa.array([v.decode("ascii", "replace") for v in values], type=pa.large_string())


def _ascii(block: bytes) -> npt.NDArray[np.uint8]:
    """The block's bytes with anything outside ASCII as '?': raw text stored as UTF-8."""
    buf = np.frombuffer(block, dtype=np.uint8)
    if (buf > 127).any():
        buf = np.where(buf > 127, ord("?"), buf).astype(np.uint8)
    return buf


class _Writer:
    """The two Parquet files, written a table at a time."""

    def __init__(self, messages: Path, rejects: Path) -> None:
        self.messages = pq.ParquetWriter(messages, MESSAGE_SCHEMA, compression="lz4")
        self.rejects = pq.ParquetWriter(rejects, REJECT_SCHEMA, compression="lz4")

    def close(self) -> None:
        self.messages.close()
        self.rejects.close()


def _decoded_columns(d: Decoded, keep: npt.NDArray[np.bool_]) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    for name in NUMERIC:
        cols[name] = pa.array(d.values[name][keep], mask=~d.valid[name][keep])
    for name in TEXT:
        cols[name] = pa.array(d.texts[name][keep], type=pa.string())
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
        self.fragments: list[Fragment] = []
        self.raw_fragments: dict[int, bytes] = {}
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

    def block(self, block: bytes) -> None:
        raw = np.frombuffer(block, dtype=np.uint8)
        fr = frame(raw)
        text = _ascii(block)
        n = len(fr.lines)
        ls, le = fr.lines.start, fr.lines.end
        blank = ls == le
        line_no = self.line_base + np.arange(n, dtype=np.int64) + 1
        times, stamped = self._times(fr.tags.time_us)
        all_lines = _lines_array(text, ls)
        r = self.result
        r.lines += n
        r.blank_lines += int(blank.sum())
        # Lines that are not a sentence.
        bad = (fr.reason > 0) & ~blank
        if bad.any():
            reasons = np.array(LINE_REASONS)[fr.reason[bad] - 1]
            self._reject(
                line_no[bad], reasons.tolist(), _take_lines(all_lines, np.flatnonzero(bad))
            )
        ok = fr.reason == 0
        single = np.flatnonzero(ok & (fr.count == 1))
        self._singles(fr, text, all_lines, single, line_no, times, stamped)
        for i in np.flatnonzero(ok & (fr.count > 1)).tolist():
            receiver = bytes(text[fr.tags.receiver_start[i] : fr.tags.receiver_end[i]])
            number = int(fr.number[i])
            self.fragments.append(
                Fragment(
                    line=int(line_no[i]),
                    key=fragment_key(
                        int(fr.tags.group_id[i]),
                        int(fr.tags.group_of[i]),
                        receiver,
                        int(fr.channel[i]),
                        int(fr.seq[i]),
                        int(fr.count[i]),
                    ),
                    number=number,
                    count=int(fr.count[i]),
                    payload=bytes(raw[fr.payload_start[i] : fr.payload_end[i]]),
                    fill=int(fr.fill[i]),
                    time_us=int(times[i]) if fr.tags.time_us[i] >= 0 or number == 1 else -1,
                    receiver=receiver,
                )
            )
            self.raw_fragments[int(line_no[i])] = bytes(text[ls[i] : le[i]])
        self.line_base += n

    def _singles(
        self,
        fr: Frames,
        text: npt.NDArray[np.uint8],
        all_lines: pa.Array,
        rows: npt.NDArray[np.int64],
        line_no: npt.NDArray[np.int64],
        times: npt.NDArray[np.int64],
        stamped: npt.NDArray[np.bool_],
    ) -> None:
        start, end = fr.payload_start[rows], fr.payload_end[rows]
        d = decode_payloads(text, start, end - start, fr.fill[rows])
        self.result.fast += d.fast
        self.result.fallback += d.fallback
        self._emit(
            d,
            line=line_no[rows],
            lines=np.ones(len(rows), dtype=np.int8),
            raw_lines=lambda idx: _take_lines(all_lines, rows[idx]),
            receivers=_short_strings(
                text, fr.tags.receiver_start[rows], fr.tags.receiver_end[rows]
            ),
            times=times[rows],
            stamped=stamped[rows],
        )

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
        reason = np.array([x or "" for x in d.reason], dtype=object)
        reason[(reason == "") & (times < 0)] = NO_TIME
        keep = reason == ""
        if (~keep).any():
            out = np.flatnonzero(~keep)
            self._reject(line[out], reason[out].tolist(), raw_lines(out), lines[out])
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
        self.writer.messages.write_table(table)
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
        self.writer.rejects.write_table(
            pa.table(
                {
                    "line": pa.array(line),
                    "lines": pa.array(lines, type=pa.int8()),
                    "reason": pa.array(reasons, type=pa.string()),
                    "raw_line": raw.cast(pa.large_string()),
                },
                schema=REJECT_SCHEMA,
            )
        )
        r = self.result
        r.rejects += len(line)
        r.reject_lines += int(lines.sum())
        for reason in reasons:
            r.rejects_by_reason[reason] = r.rejects_by_reason.get(reason, 0) + 1

    def finish(self) -> DayDecode:
        """Join the multi-sentence messages, decode them, reject the orphans."""
        done = assemble(self.fragments)
        if done.orphans:
            self._reject(
                np.array([f.line for f in done.orphans], dtype=np.int64),
                [ORPHAN] * len(done.orphans),
                _texts([self.raw_fragments[f.line] for f in done.orphans]),
            )
        if done.messages:
            payloads = [b"".join(f.payload for f in m) for m in done.messages]
            buf = np.frombuffer(b"".join(payloads), dtype=np.uint8)
            length = np.array([len(p) for p in payloads], dtype=np.int64)
            start = np.concatenate(([0], np.cumsum(length)[:-1])).astype(np.int64)
            fill = np.array([m[-1].fill for m in done.messages], dtype=np.int64)
            d = decode_payloads(buf, start, length, fill)
            firsts = [min(m, key=lambda f: f.line) for m in done.messages]
            timed = [next((f.time_us for f in m if f.time_us >= 0), -1) for m in done.messages]
            raw = _texts(
                [
                    b"\n".join(self.raw_fragments[f.line] for f in sorted(m, key=lambda x: x.line))
                    for m in done.messages
                ]
            )
            heard_by = [next((f.receiver for f in m if f.receiver), b"") for m in done.messages]
            self._emit(
                d,
                line=np.array([f.line for f in firsts], dtype=np.int64),
                lines=np.array([len(m) for m in done.messages], dtype=np.int8),
                raw_lines=lambda idx: raw.take(pa.array(idx)),
                receivers=pa.array(
                    [r.decode("ascii", "replace") or None for r in heard_by], type=pa.string()
                ),
                times=np.array(timed, dtype=np.int64),
                stamped=np.zeros(len(done.messages), dtype=np.bool_),
            )
            self.result.fast += d.fast
            self.result.fallback += d.fallback
        self.result.check()
        return self.result


def decode_day(
    chunks: Iterable[bytes],
    day: dt.date,
    messages: Path,
    rejects: Path,
    untimed: str = "reject",
    block_bytes: int = BLOCK_BYTES,
) -> DayDecode:
    """Decode the NMEA text ``chunks`` of ``day`` into the Parquet files ``messages`` and
    ``rejects``. ``untimed``: 'reject' a message no tag block or logger timed (``no_time``),
    or 'day': give it the last time before it in the file, else the day's start."""
    writer = _Writer(messages, rejects)
    try:
        decoder = DayDecoder(writer, day, untimed)
        for block in blocks(chunks, block_bytes):
            decoder.block(block)
        return decoder.finish()
    finally:
        writer.close()
