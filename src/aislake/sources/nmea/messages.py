"""The position and static AIS messages decoded as columns: a vectorised path for every
message of a type the lake uses (1, 2, 3, 4, 5, 9, 18, 19, 21, 24, 27) long enough to hold the
fields read, and pyais (the reference implementation) for those that are not.

Values are pyais's: degrees rounded to 6 decimals, speeds and courses in knots and degrees,
rate of turn in degrees per minute (``None`` where pyais gives a no-information marker), text
up to its first '@' and stripped. The not-available markers stay (lat 91, lon 181, speed
102.3, course 360, heading 511): silver's rules treat them as for every source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from aislake.sources.nmea.payload import (
    Ints,
    Matrix,
    bits,
    lat_lon,
    sixbit_matrix,
    text,
)

# Why a complete message is not decoded (None: it is).
UNDECODABLE = "undecodable_payload"  # empty, a character outside the armour, or pyais refuses it
UNSUPPORTED = "unsupported_type"  # a message that carries no position or vessel data

REASONS = (UNDECODABLE, UNSUPPORTED)

POSITION_TYPES = (1, 2, 3, 4, 9, 18, 19, 21, 27)
STATIC_TYPES = (5, 19, 21, 24)
SUPPORTED = (1, 2, 3, 4, 5, 9, 18, 19, 21, 24, 27)
# Bits a message of the type must hold for the vectorised path: its last numeric field read
# (text fields past the end read as pyais reads them: padded with zero bits).
NEEDED_BITS = {
    1: 143,
    2: 143,
    3: 143,
    4: 138,
    5: 302,
    9: 134,
    18: 139,
    19: 305,
    21: 259,
    24: 40,
    27: 94,
}
PART_B_BITS = 162
# Characters read of each type (type 5's destination ends at bit 422, type 21's name
# extension at 360).
WIDTH = {1: 24, 2: 24, 3: 24, 4: 23, 5: 71, 9: 23, 18: 24, 19: 51, 21: 60, 24: 28, 27: 16}

# Each decoded column and its numpy type (text columns are lists of str | None).
NUMERIC = {
    "msg_type": np.int16,
    "mmsi": np.int64,
    "nav_status": np.int16,
    "rot": np.float64,
    "sog": np.float64,
    "cog": np.float64,
    "heading": np.int16,
    "lat": np.float64,
    "lon": np.float64,
    "imo": np.int64,
    "ship_type": np.int16,
    "to_bow": np.int16,
    "to_stern": np.int16,
    "to_port": np.int16,
    "to_starboard": np.int16,
    "epfd": np.int16,
    "eta_month": np.int16,
    "eta_day": np.int16,
    "eta_hour": np.int16,
    "eta_minute": np.int16,
    "draught": np.float64,
    "part": np.int16,  # type 24: 0 part A, 1 part B
}
TEXT = ("callsign", "name", "destination")


@dataclass
class Decoded:
    """Decoded messages as columns (absent values masked) and why some were not decoded."""

    n: int
    values: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    valid: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)
    texts: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict)
    has_text: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)
    # Why each message is not decoded: 0 it is, else an index into REASONS + 1.
    reason_code: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    key: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # payload hash
    fast: int = 0  # messages the vectorised path decoded
    fallback: int = 0  # messages pyais decoded

    @classmethod
    def empty(cls, n: int) -> Decoded:
        d = cls(n)
        for name, kind in NUMERIC.items():
            d.values[name] = np.zeros(n, dtype=kind)
            d.valid[name] = np.zeros(n, dtype=np.bool_)
        for name in TEXT:
            d.texts[name] = np.full(n, None, dtype=object)
            d.has_text[name] = np.zeros(n, dtype=np.bool_)
        d.reason_code = np.zeros(n, dtype=np.int8)
        return d

    @property
    def reason(self) -> list[str | None]:
        return [None if c == 0 else REASONS[c - 1] for c in self.reason_code.tolist()]

    def put(self, name: str, rows: Ints, values: npt.NDArray[Any], valid: Any = True) -> None:
        self.values[name][rows] = values
        self.valid[name][rows] = valid

    def put_text(self, name: str, rows: Ints, values: list[str]) -> None:
        self.texts[name][rows] = values
        self.has_text[name][rows] = True


def _turn(raw: Ints) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Rate of turn in degrees a minute as pyais gives it; not valid for its markers
    (+-127: turning, no indicator; -128: no information)."""
    rot = np.copysign(np.round((raw / 4.733) ** 2), raw)
    return np.where(raw == 0, 0.0, rot), np.abs(raw) < 127


def _class_a(d: Decoded, rows: Ints, m: Matrix) -> None:
    d.put("nav_status", rows, bits(m, 38, 4))
    rot, ok = _turn(bits(m, 42, 8, signed=True))
    d.put("rot", rows, rot, ok)
    d.put("sog", rows, bits(m, 50, 10) / 10)
    d.put("lon", rows, lat_lon(bits(m, 61, 28, signed=True), 600_000))
    d.put("lat", rows, lat_lon(bits(m, 89, 27, signed=True), 600_000))
    d.put("cog", rows, bits(m, 116, 12) / 10)
    d.put("heading", rows, bits(m, 128, 9))


def _base_station(d: Decoded, rows: Ints, m: Matrix) -> None:
    d.put("lon", rows, lat_lon(bits(m, 79, 28, signed=True), 600_000))
    d.put("lat", rows, lat_lon(bits(m, 107, 27, signed=True), 600_000))
    d.put("epfd", rows, bits(m, 134, 4))


def _static_voyage(d: Decoded, rows: Ints, m: Matrix) -> None:
    d.put("imo", rows, bits(m, 40, 30))
    d.put_text("callsign", rows, text(m, 70, 7))
    d.put_text("name", rows, text(m, 112, 20))
    d.put("ship_type", rows, bits(m, 232, 8))
    _dimensions(d, rows, m, 240)
    d.put("epfd", rows, bits(m, 270, 4))
    for name, start, n in (("eta_month", 274, 4), ("eta_day", 278, 5), ("eta_hour", 283, 5)):
        d.put(name, rows, bits(m, start, n))
    d.put("eta_minute", rows, bits(m, 288, 6))
    d.put("draught", rows, bits(m, 294, 8) / 10)
    d.put_text("destination", rows, text(m, 302, 20))


def _dimensions(d: Decoded, rows: Ints, m: Matrix, at: int) -> None:
    d.put("to_bow", rows, bits(m, at, 9))
    d.put("to_stern", rows, bits(m, at + 9, 9))
    d.put("to_port", rows, bits(m, at + 18, 6))
    d.put("to_starboard", rows, bits(m, at + 24, 6))


def _sar_aircraft(d: Decoded, rows: Ints, m: Matrix) -> None:
    d.put("sog", rows, bits(m, 50, 10).astype(np.float64))  # whole knots
    d.put("lon", rows, lat_lon(bits(m, 61, 28, signed=True), 600_000))
    d.put("lat", rows, lat_lon(bits(m, 89, 27, signed=True), 600_000))
    d.put("cog", rows, bits(m, 116, 12) / 10)


def _class_b(d: Decoded, rows: Ints, m: Matrix) -> None:
    d.put("sog", rows, bits(m, 46, 10) / 10)
    d.put("lon", rows, lat_lon(bits(m, 57, 28, signed=True), 600_000))
    d.put("lat", rows, lat_lon(bits(m, 85, 27, signed=True), 600_000))
    d.put("cog", rows, bits(m, 112, 12) / 10)
    d.put("heading", rows, bits(m, 124, 9))


def _class_b_extended(d: Decoded, rows: Ints, m: Matrix) -> None:
    _class_b(d, rows, m)
    d.put_text("name", rows, text(m, 143, 20))
    d.put("ship_type", rows, bits(m, 263, 8))
    _dimensions(d, rows, m, 271)
    d.put("epfd", rows, bits(m, 301, 4))


def _aid_to_navigation(d: Decoded, rows: Ints, m: Matrix, payload_bits: Ints) -> None:
    name = text(m, 43, 20)
    extension = text(m, 272, 14)
    # pyais's full name: the name, and its extension when the message holds one
    has_ext = payload_bits > 272
    d.put_text(
        "name",
        rows,
        [
            n + e if n and x else n
            for n, e, x in zip(name, extension, has_ext.tolist(), strict=True)
        ],
    )
    d.put("lon", rows, lat_lon(bits(m, 164, 28, signed=True), 600_000))
    d.put("lat", rows, lat_lon(bits(m, 192, 27, signed=True), 600_000))
    _dimensions(d, rows, m, 219)
    d.put("epfd", rows, bits(m, 249, 4))


def _static_data(d: Decoded, rows: Ints, m: Matrix, payload_bits: Ints) -> None:
    part = bits(m, 38, 2)
    d.put("part", rows, part)
    a = part == 0
    d.put_text("name", rows[a], text(m[a], 40, 20))
    b = (part == 1) & (payload_bits >= PART_B_BITS)
    rb, mb = rows[b], m[b]
    d.put("ship_type", rb, bits(mb, 40, 8))
    d.put_text("callsign", rb, text(mb, 90, 7))
    auxiliary = (d.values["mmsi"][rb] // 10_000_000) == 98  # 98XXXYYYY: a mother ship's MMSI
    for name, start, n in (("to_bow", 132, 9), ("to_stern", 141, 9), ("to_port", 150, 6)):
        d.put(name, rb, bits(mb, start, n), ~auxiliary)
    d.put("to_starboard", rb, bits(mb, 156, 6), ~auxiliary)


def _long_range(d: Decoded, rows: Ints, m: Matrix) -> None:
    d.put("nav_status", rows, bits(m, 40, 4))
    d.put("lon", rows, lat_lon(bits(m, 44, 18, signed=True), 600))
    d.put("lat", rows, lat_lon(bits(m, 62, 17, signed=True), 600))
    d.put("sog", rows, bits(m, 79, 6).astype(np.float64))
    d.put("cog", rows, bits(m, 85, 9).astype(np.float64))


_BY_TYPE: dict[int, Callable[..., None]] = {
    1: _class_a,
    2: _class_a,
    3: _class_a,
    4: _base_station,
    5: _static_voyage,
    9: _sar_aircraft,
    18: _class_b,
    19: _class_b_extended,
    21: _aid_to_navigation,
    24: _static_data,
    27: _long_range,
}
_WITH_BITS = {21, 24}


def decode_payloads(buf: npt.NDArray[np.uint8], start: Ints, length: Ints, fill: Ints) -> Decoded:
    """Decode the payloads ``buf[start:start+length]`` (``fill`` bits at the end of each).

    Payloads are read in groups of one length, each group one matrix of its characters (no
    padding to the longest): the same matrix proves the characters valid, gives the message's
    key for duplicates (``Decoded.key``) and is decoded by type."""
    n = len(start)
    d = Decoded.empty(n)
    d.key = np.zeros(n, dtype=np.int64)
    if not n:
        return d
    payload_bits = length * 6 - fill
    valid = np.zeros(n, dtype=np.bool_)
    msg_type = np.zeros(n, dtype=np.int64)
    fast = np.zeros(n, dtype=np.bool_)
    for width in np.unique(length).tolist():
        rows = np.flatnonzero(length == width)
        if width == 0:
            continue
        m, ok = sixbit_matrix(buf, start[rows], length[rows], fill[rows], width)
        valid[rows] = ok
        d.key[rows] = payload_key(m, fill[rows])
        types = bits(m, 0, 6) if width >= 1 else np.zeros(len(rows), dtype=np.int64)
        msg_type[rows] = types
        if width >= 7:
            d.put("mmsi", rows, bits(m, 8, 30), ok & (payload_bits[rows] >= 38))
        for t in np.unique(types[ok]).tolist():
            decode = _BY_TYPE.get(t)
            if decode is None:
                continue
            sel = ok & (types == t) & (payload_bits[rows] >= max(NEEDED_BITS[t], 38))
            if not sel.any():
                continue
            mt = m[sel]
            if width < WIDTH[t]:
                mt = np.pad(mt, ((0, 0), (0, WIDTH[t] - width)))
            fast[rows[sel]] = True
            if t in _WITH_BITS:
                decode(d, rows[sel], mt, payload_bits[rows[sel]])
            else:
                decode(d, rows[sel], mt)
    d.put("msg_type", np.arange(n), msg_type, valid)
    supported = np.isin(msg_type, SUPPORTED) & valid
    d.reason_code[~valid] = 1
    d.reason_code[valid & ~supported] = 2
    d.fast = int(fast.sum())
    slow = np.flatnonzero(supported & ~fast)
    for r in slow.tolist():
        payload = bytes(buf[start[r] : start[r] + length[r]])
        _decode_with_pyais(d, r, payload, int(fill[r]))
    d.fallback = len(slow)
    return d


def payload_key(m: Matrix, fill: Ints) -> Ints:
    """A 64-bit hash of each payload (its 6-bit values, length and fill bits): equal for the
    same transmission heard by several receivers."""
    h = np.full(len(m), 1469598103934665603, dtype=np.uint64)
    prime = np.uint64(1099511628211)
    with np.errstate(over="ignore"):
        for c in range(m.shape[1]):
            h = (h ^ m[:, c].astype(np.uint64)) * prime
        h = (h ^ (fill.astype(np.uint64) + np.uint64(m.shape[1] << 3))) * prime
    return h.view(np.int64)


# pyais's names for the columns whose names differ.
_PYAIS_NAMES = {
    "nav_status": "status",
    "rot": "turn",
    "sog": "speed",
    "cog": "course",
    "name": "shipname",
    "part": "partno",
    "eta_month": "month",
    "eta_day": "day",
    "eta_hour": "hour",
    "eta_minute": "minute",
}


def _decode_with_pyais(d: Decoded, r: int, payload: bytes, fill: int) -> None:
    """Message ``r`` decoded by pyais (short messages the vectorised path does not cover)."""
    try:
        fields = pyais_fields(payload, fill)
    except Exception:  # pyais raises many kinds on a bad payload
        d.reason_code[r] = 1
        return
    for name in NUMERIC:
        value = fields.get(_PYAIS_NAMES.get(name, name))
        if value is None or (name.startswith("eta_") and fields.get("msg_type") != 5):
            continue  # type 4's month, day, hour, minute are the station's clock, not an ETA
        if name == "rot" and abs(float(value)) >= 127:
            continue  # pyais's no-information markers
        if name.startswith("to_") and fields.get("mothership_mmsi") is not None:
            continue
        d.values[name][r] = value
        d.valid[name][r] = True
    for name in TEXT:
        value = fields.get(_PYAIS_NAMES.get(name, name))
        if fields.get("msg_type") == 21 and name == "name":
            value = fields.get("full_name")
        if isinstance(value, str):
            d.texts[name][r] = value
            d.has_text[name][r] = True


def pyais_fields(payload: bytes, fill: int) -> dict[str, Any]:
    """pyais's decoding of one message's payload, as a dict (``full_name`` for type 21)."""
    from pyais.messages import NMEAMessage

    sentence = b"AIVDM,1,1,,A," + payload + b"," + str(fill).encode()
    check = 0
    for c in sentence:
        check ^= c
    message = NMEAMessage(b"!" + sentence + b"*%02X" % check)
    decoded = message.decode()
    fields = decoded.asdict()
    if fields.get("msg_type") == 21:
        fields["full_name"] = decoded.full_name  # type: ignore[union-attr]
    return fields
