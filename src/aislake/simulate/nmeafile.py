"""The traffic simulator's day as raw NMEA, the way shore receivers log it.

Each simulated report becomes the message its transmitter sends (ITU-R M.1371): a Class A
position a type 1, its static report a type 5 in two sentences; a Class B position a type 18,
its static report a type 24 part A and part B; a base station a type 4; an aid to navigation
a type 21. Payloads are packed as arrays (no loop per message). Then what real feeds hold:

- **several receivers**: every report is heard by one to three of ``receivers`` (tag block
  ``s:``), each a second or two apart (``c:``), so the same payload comes several times;
- **checksum errors**: a share of lines with one payload character changed (the checksum
  left as sent);
- **lost fragments**: a share of type 5 messages whose second sentence never arrives;
- **noise**: a few lines that are not AIS (another talker's ``$GPGGA``, a comment).

Lines are sorted by receive time, as a logger writes them. :func:`write_nmea_day` writes
``YYYY-MM-DD.nmea[.gz|.zst]`` and returns what it put in (the truth the tests check).
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import zstandard

from aislake.ais.vocabulary import EPFD, NAV_STATUS, SHIP_TYPES
from aislake.simulate.traffic import REPORT_FIELDS, FleetSize, Truth, simulate_into
from aislake.sources.nmea.sentences import checksum

ARMOUR = np.array([v + 48 if v < 40 else v + 56 for v in range(64)], dtype=np.uint8)
RECEIVERS = ("rx-skagen", "rx-hirtshals", "rx-gedser")


@dataclass(frozen=True)
class NmeaQuirks:
    """How much of each real-feed quirk a simulated day holds."""

    receivers: tuple[str, ...] = RECEIVERS
    max_copies: int = 3  # a report is heard by 1..max_copies receivers
    bad_checksum_share: float = 0.002
    lost_fragment_share: float = 0.01
    noise_lines: int = 5


@dataclass
class NmeaDay:
    """A simulated NMEA day and what went into it."""

    path: Path
    truth: Truth
    lines: int = 0
    reports: int = 0  # reports simulated (each one message)
    position_reports: int = 0
    bad_checksums: int = 0
    lost_fragments: int = 0  # type 5 messages whose second part was dropped
    noise: int = 0
    by_type: dict[int, int] = field(default_factory=dict)


def _put(m: npt.NDArray[np.uint8], start: int, n: int, values: npt.NDArray[np.int64]) -> None:
    """Pack ``n``-bit ``values`` (two's complement when negative) at bit ``start`` of each row
    of the 6-bit matrix ``m``."""
    v = np.asarray(values, dtype=np.int64) & ((1 << n) - 1)
    for k in range(n):
        bit = ((v >> (n - 1 - k)) & 1).astype(np.uint8)
        pos = start + k
        m[:, pos // 6] |= bit << np.uint8(5 - pos % 6)


def _put_text(m: npt.NDArray[np.uint8], start: int, chars: int, texts: list[str]) -> None:
    """6-bit ASCII text, '@'-padded to ``chars``."""
    codes = np.zeros((len(texts), chars), dtype=np.int64)
    for i, t in enumerate(texts):
        raw = (t or "").upper().encode("ascii", "replace")[:chars]
        for j, c in enumerate(raw):
            c = c if 32 <= c < 96 else ord("?")
            codes[i, j] = c - 64 if c >= 64 else c
    for j in range(chars):
        _put(m, start + 6 * j, 6, codes[:, j])


def _codes(
    texts: npt.NDArray[np.object_], table: dict[int, str], missing: int
) -> npt.NDArray[np.int64]:
    back = {v: k for k, v in table.items()}
    return np.array([back.get(t, missing) if t is not None else missing for t in texts])


def _ship_codes(texts: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
    first = {text: a for a, b, text in SHIP_TYPES if a == b}
    ranges = {text: a for a, b, text in SHIP_TYPES}
    return np.array([first.get(t, ranges.get(t, 0)) if t else 0 for t in texts])


def _int(
    values: npt.NDArray[np.object_] | npt.NDArray[np.float64], default: int = 0
) -> npt.NDArray[np.int64]:
    arr = np.array(
        [default if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values],
        dtype=np.float64,
    )
    return np.round(arr).astype(np.int64)


def _latlon(values: npt.NDArray[np.float64], scale: int) -> npt.NDArray[np.int64]:
    return np.round(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)


def encode_reports(
    r: dict[str, npt.NDArray[Any]], day: dt.date
) -> tuple[list[tuple[bytes, int]], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The payloads (armoured, with their fill bits) and message types of the simulator's reports
    ``r``; a type 5 or 24 report gives two payloads (its parts), so each payload comes with
    the index of its report."""
    mobile = r["mobile_type"]
    static = np.asarray(r["lat"], dtype=np.float64) >= 91
    class_a = mobile == "Class A"
    class_b = mobile == "Class B"
    # (report, part, payload, type, fill bits)
    out_payloads: list[tuple[int, int, bytes, int, int]] = []

    def emit(
        rows: npt.NDArray[np.int64], m: npt.NDArray[np.uint8], kind: int, bits: int, part: int = 0
    ) -> None:
        chars = ARMOUR[m]
        fill = m.shape[1] * 6 - bits
        for i, row in zip(rows.tolist(), chars, strict=True):
            out_payloads.append((i, part, row.tobytes(), kind, fill))

    second = (np.asarray(r["t"], dtype=np.float64).astype(np.int64)) % 60
    nav = _codes(r["nav_status"], NAV_STATUS, 15)
    rows = np.flatnonzero(class_a & ~static)
    if len(rows):
        m = np.zeros((len(rows), 28), dtype=np.uint8)
        _put(m, 0, 6, np.full(len(rows), 1))
        _put(m, 8, 30, r["mmsi"][rows])
        _put(m, 38, 4, nav[rows])
        rot = np.asarray([np.nan if v is None else v for v in r["rot"][rows]], dtype=np.float64)
        rot_raw = np.where(
            np.isnan(rot),
            -128,
            np.clip(
                np.round(np.sign(rot) * 4.733 * np.sqrt(np.abs(np.nan_to_num(rot)))), -126, 126
            ),
        )
        _put(m, 42, 8, rot_raw.astype(np.int64))
        _put(m, 50, 10, _int(np.asarray(r["sog"], dtype=np.float64)[rows] * 10, 1023))
        _put(m, 61, 28, _latlon(r["lon"][rows], 600_000))
        _put(m, 89, 27, _latlon(r["lat"][rows], 600_000))
        _put(m, 116, 12, _int(np.asarray(r["cog"], dtype=np.float64)[rows] * 10, 3600))
        _put(m, 128, 9, _int(r["heading"][rows], 511))
        _put(m, 137, 6, second[rows])
        emit(rows, m, 1, 168)
    rows = np.flatnonzero(class_b & ~static)
    if len(rows):
        m = np.zeros((len(rows), 28), dtype=np.uint8)
        _put(m, 0, 6, np.full(len(rows), 18))
        _put(m, 8, 30, r["mmsi"][rows])
        _put(m, 46, 10, _int(np.asarray(r["sog"], dtype=np.float64)[rows] * 10, 1023))
        _put(m, 57, 28, _latlon(r["lon"][rows], 600_000))
        _put(m, 85, 27, _latlon(r["lat"][rows], 600_000))
        _put(m, 112, 12, _int(np.asarray(r["cog"], dtype=np.float64)[rows] * 10, 3600))
        _put(m, 124, 9, _int(r["heading"][rows], 511))
        _put(m, 133, 6, second[rows])
        emit(rows, m, 18, 168)
    rows = np.flatnonzero(mobile == "Base Station")
    if len(rows):
        m = np.zeros((len(rows), 28), dtype=np.uint8)
        t = np.asarray(r["t"], dtype=np.float64)[rows].astype(np.int64)
        _put(m, 0, 6, np.full(len(rows), 4))
        _put(m, 8, 30, r["mmsi"][rows])
        _put(m, 38, 14, np.full(len(rows), day.year))
        _put(m, 52, 4, np.full(len(rows), day.month))
        _put(m, 56, 5, np.full(len(rows), day.day))
        _put(m, 61, 5, t // 3600)
        _put(m, 66, 6, t // 60 % 60)
        _put(m, 72, 6, t % 60)
        _put(m, 79, 28, _latlon(r["lon"][rows], 600_000))
        _put(m, 107, 27, _latlon(r["lat"][rows], 600_000))
        _put(m, 134, 4, np.full(len(rows), 7))  # surveyed
        emit(rows, m, 4, 168)
    rows = np.flatnonzero(mobile == "AtoN")
    if len(rows):
        m = np.zeros((len(rows), 46), dtype=np.uint8)
        _put(m, 0, 6, np.full(len(rows), 21))
        _put(m, 8, 30, r["mmsi"][rows])
        _put_text(m, 43, 20, list(r["name"][rows]))
        _put(m, 164, 28, _latlon(r["lon"][rows], 600_000))
        _put(m, 192, 27, _latlon(r["lat"][rows], 600_000))
        _put(m, 249, 4, np.full(len(rows), 7))
        emit(rows, m, 21, 272)
    rows = np.flatnonzero(class_a & static)
    if len(rows):
        m = np.zeros((len(rows), 71), dtype=np.uint8)
        _put(m, 0, 6, np.full(len(rows), 5))
        _put(m, 8, 30, r["mmsi"][rows])
        _put(m, 40, 30, _int(r["imo"][rows]))
        _put_text(m, 70, 7, list(r["callsign"][rows]))
        _put_text(m, 112, 20, list(r["name"][rows]))
        _put(m, 232, 8, _ship_codes(r["ship_type"][rows]))
        for start, bits, col in (
            (240, 9, "size_a"),
            (249, 9, "size_b"),
            (258, 6, "size_c"),
            (264, 6, "size_d"),
        ):
            _put(m, start, bits, np.minimum(_int(r[col][rows]), (1 << bits) - 1))
        _put(m, 270, 4, _codes(r["pos_fix_device"][rows], EPFD, 1))
        eta = r["eta"][rows]
        valid = np.array(
            [e is not None and not (isinstance(e, float)) and str(e) != "NaT" for e in eta]
        )
        when = [pa.scalar(e).as_py() if v else None for e, v in zip(eta, valid, strict=True)]
        _put(m, 274, 4, np.array([w.month if w else 0 for w in when]))
        _put(m, 278, 5, np.array([w.day if w else 0 for w in when]))
        _put(m, 283, 5, np.array([w.hour if w else 24 for w in when]))
        _put(m, 288, 6, np.array([w.minute if w else 60 for w in when]))
        _put(
            m,
            294,
            8,
            np.minimum(
                _int(
                    np.asarray(
                        [0 if v is None else v for v in r["draught"][rows]], dtype=np.float64
                    )
                    * 10
                ),
                255,
            ),
        )
        _put_text(m, 302, 20, list(r["destination"][rows]))
        emit(rows, m, 5, 424)
    rows = np.flatnonzero(class_b & static)
    if len(rows):
        a = np.zeros((len(rows), 27), dtype=np.uint8)
        _put(a, 0, 6, np.full(len(rows), 24))
        _put(a, 8, 30, r["mmsi"][rows])
        _put_text(a, 40, 20, list(r["name"][rows]))
        emit(rows, a, 24, 160, 0)
        b = np.zeros((len(rows), 28), dtype=np.uint8)
        _put(b, 0, 6, np.full(len(rows), 24))
        _put(b, 8, 30, r["mmsi"][rows])
        _put(b, 38, 2, np.ones(len(rows), dtype=np.int64))
        _put(b, 40, 8, _ship_codes(r["ship_type"][rows]))
        _put_text(b, 90, 7, list(r["callsign"][rows]))
        for start, bits, col in (
            (132, 9, "size_a"),
            (141, 9, "size_b"),
            (150, 6, "size_c"),
            (156, 6, "size_d"),
        ):
            _put(b, start, bits, np.minimum(_int(r[col][rows]), (1 << bits) - 1))
        emit(rows, b, 24, 168, 1)
    out_payloads.sort()
    payloads = [(p, f) for _, _, p, _, f in out_payloads]
    report = np.array([i for i, *_ in out_payloads], dtype=np.int64)
    kinds = np.array([k for _, _, _, k, _ in out_payloads], dtype=np.int64)
    return payloads, report, kinds


def _xor(data: bytes) -> int:
    check = 0
    for c in data:
        check ^= c
    return check


def sentences(payload: bytes, fill: int, seq: int, channel: bytes) -> list[bytes]:
    """``payload`` as ``!AIVDM`` sentences (two when longer than one sentence holds)."""
    parts = [payload] if len(payload) <= 60 else [payload[:60], payload[60:]]
    out = []
    for k, part in enumerate(parts, 1):
        seq_text = b"%d" % seq if len(parts) > 1 else b""
        bits = b"%d" % (fill if k == len(parts) else 0)
        body = b"AIVDM,%d,%d,%s,%s,%s,%s" % (len(parts), k, seq_text, channel, part, bits)
        out.append(b"!" + body + b"*" + checksum(body))
    return out


def tag_block(receiver: str, seconds: int, group: tuple[int, int, int] | None = None) -> bytes:
    body = b"s:%s,c:%d" % (receiver.encode(), seconds)
    if group:
        body = b"g:%d-%d-%d," % group + body
    return b"\\" + body + b"*" + checksum(body) + b"\\"


def _copies(
    n: int, quirks: NmeaQuirks, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Which payload each copy is of, and which receiver heard it (distinct per payload)."""
    receivers = len(quirks.receivers)
    copies = np.minimum(rng.integers(1, quirks.max_copies + 1, n), receivers)
    order = np.argsort(rng.random((n, receivers)), axis=1)
    of = np.repeat(np.arange(n), copies)
    first = np.cumsum(copies) - copies
    nth = np.arange(len(of)) - np.repeat(first, copies)
    return of, order[of, nth]


class NmeaLines:
    """The sentences of a day's reports, batch by batch (:meth:`add`, one transmitter's
    reports at a time, as the simulator makes them): their receive time and text. The
    randomness is drawn as arrays; only the text is made line by line, checksums from the
    payloads' own XOR and small cached parts."""

    def __init__(self, day: dt.date, quirks: NmeaQuirks, seed: int, result: NmeaDay) -> None:
        self.day, self.quirks, self.result = day, quirks, result
        self.rng = np.random.default_rng([seed, day.toordinal(), 21])
        self.day0 = int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())
        self.names = [q.encode() for q in quirks.receivers]
        self.tag_xor = [_xor(b"s:" + q + b",c:") for q in self.names]
        self.seq = [0] * len(self.names)
        self.seconds_xor: dict[int, int] = {}
        self.group = 0
        self.times: list[float] = []
        self.lines: list[bytes] = []

    def add(self, r: dict[str, npt.NDArray[Any]]) -> None:
        quirks, result, rng = self.quirks, self.result, self.rng
        result.reports += len(r["t"])
        result.position_reports += int((np.asarray(r["lat"], dtype=np.float64) < 91).sum())
        payloads, report, kinds = encode_reports(r, self.day)
        if not payloads:
            return
        for kind, count in zip(*np.unique(kinds, return_counts=True), strict=True):
            result.by_type[int(kind)] = result.by_type.get(int(kind), 0) + int(count)
        t = np.asarray(r["t"], dtype=np.float64)
        lost = (kinds == 5) & (rng.random(len(payloads)) < quirks.lost_fragment_share)
        result.lost_fragments += int(lost.sum())
        of, rx = _copies(len(payloads), quirks, rng)
        when = t[report[of]] + rng.uniform(0, 2.0, len(of)) * (rx > 0)
        seconds = np.minimum(self.day0 + when.astype(np.int64), self.day0 + 86399)
        channels = np.where(rng.random(len(of)) < 0.5, ord("A"), ord("B"))
        bad = rng.random((len(of), 2)) < quirks.bad_checksum_share
        parts_xor = [(_xor(p[:60]), _xor(p[60:])) for p, _ in payloads]
        seq, names, tag_xor = self.seq, self.names, self.tag_xor
        for copy, (i, h, sec, ch) in enumerate(
            zip(of.tolist(), rx.tolist(), seconds.tolist(), channels.tolist(), strict=True)
        ):
            payload, fill = payloads[i]
            sx = self.seconds_xor.get(sec)
            if sx is None:
                sx = self.seconds_xor[sec] = _xor(b"%d" % sec)
            seq[h] = (seq[h] + 1) % 10
            tag_plain = b"s:" + names[h] + b",c:%d" % sec
            whole = len(payload) <= 60
            pieces = [payload] if whole else [payload[:60], payload[60:]]
            if not whole:
                self.group += 1
            for k, part in enumerate(pieces, 1):
                if k == 2 and lost[i]:
                    continue
                head = b"AIVDM,%d,%d,%s,%c," % (
                    len(pieces),
                    k,
                    b"" if whole else b"%d" % seq[h],
                    ch,
                )
                tail = b",%d" % (fill if k == len(pieces) else 0)
                check = _xor(head) ^ parts_xor[i][k - 1] ^ _xor(tail)
                if bad[copy, k - 1]:  # a character changed in the air, the checksum as sent
                    part = part[:3] + (b"0" if part[3:4] != b"0" else b"1") + part[4:]
                    result.bad_checksums += 1
                if whole:
                    tag = b"\\" + tag_plain + b"*%02X\\" % (tag_xor[h] ^ sx)
                else:
                    g = b"g:%d-%d-%d," % (k, len(pieces), self.group)
                    tag = b"\\" + g + tag_plain + b"*%02X\\" % (_xor(g) ^ tag_xor[h] ^ sx)
                self.lines.append(tag + b"!" + head + part + tail + b"*%02X" % check)
                self.times.append(when[copy])

    def noise(self) -> None:
        for k in range(self.quirks.noise_lines):
            self.result.noise += 1
            self.times.append(float(k * 3600))
            self.lines.append(
                b"$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D"
            )

    def text(self) -> bytes:
        """Every line in receive order, as a logger writes them."""
        order = np.argsort(np.array(self.times), kind="stable")
        lines = self.lines
        return b"\n".join([lines[i] for i in order.tolist()]) + b"\n"


def write_nmea_day(
    folder: Path,
    day: dt.date,
    fleet: FleetSize | None = None,
    seed: int = 0,
    quirks: NmeaQuirks | None = None,
    compression: str = "zst",
) -> NmeaDay:
    """Simulate ``day`` and write it as a receiver's log ``folder/YYYY-MM-DD.nmea`` (with
    ``.gz`` or ``.zst`` unless ``compression`` is '')."""
    quirks = quirks or NmeaQuirks()
    name = f"{day.isoformat()}.nmea" + (f".{compression}" if compression else "")
    result = NmeaDay(folder / name, Truth(day))
    sentences = NmeaLines(day, quirks, seed, result)

    def sink(batch: pa.RecordBatch) -> None:
        sentences.add({c: batch.column(c).to_numpy(zero_copy_only=False) for c in REPORT_FIELDS})

    result.truth = simulate_into(sink, day, fleet, seed)
    sentences.noise()
    text = sentences.text()
    result.lines = len(sentences.lines)
    folder.mkdir(parents=True, exist_ok=True)
    if compression == "zst":
        result.path.write_bytes(
            zstandard.ZstdCompressor(level=3, write_checksum=True).compress(text)
        )
    elif compression == "gz":
        result.path.write_bytes(gzip.compress(text, compresslevel=5))
    else:
        result.path.write_bytes(text)
    return result
