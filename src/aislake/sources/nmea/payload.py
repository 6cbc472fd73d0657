"""AIS payloads decoded as arrays: the 6-bit armour undone for many messages at once, and any
bit field read from all of them with a few shifts (ITU-R M.1371; field positions as in
gpsd's AIVDM/AIVDO protocol decoding).

A message's payload characters become 6-bit values in one row of a matrix; a field of ``n``
bits at bit ``s`` spans characters ``s // 6`` to ``(s + n - 1) // 6``, which are combined
into one integer and shifted: a column operation per character, for every message at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

# Armour: '0'-'W' -> 0-39, '`'-'w' -> 40-63; anything else cannot be a payload character.
INVALID = 255
ARMOUR = np.full(256, INVALID, dtype=np.uint8)
for _c in range(48, 88):
    ARMOUR[_c] = _c - 48
for _c in range(96, 120):
    ARMOUR[_c] = _c - 56
# 6-bit ASCII: 0-31 -> '@'-'_', 32-63 -> ' '-'?'.
SIXBIT_ASCII = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)


def sixbit_matrix(
    buf: npt.NDArray[np.uint8], start: Ints, length: Ints, fill: Ints, width: int
) -> tuple[Matrix, npt.NDArray[np.bool_]]:
    """The first ``width`` payload characters of each message (``buf[start:start+length]``) as
    6-bit values, its ``fill`` bits and everything past its end zero (as pyais reads a
    payload), and whether those characters are all valid."""
    cols = np.arange(width, dtype=np.int64)
    if len(buf) >= width and (length >= width).all():  # the usual case: all this long
        windows = np.lib.stride_tricks.sliding_window_view(buf, width)
        armour = ARMOUR[windows[start]]
        valid = (armour != INVALID).all(axis=1)
        values = armour
    else:
        inside = cols[None, :] < length[:, None]
        idx = np.where(inside, start[:, None] + cols[None, :], 0)
        raw = buf[idx] if len(buf) else np.zeros(idx.shape, dtype=np.uint8)
        armour = ARMOUR[raw]
        values = np.where(inside, armour, 0).astype(np.uint8)
        valid = ~(inside & (armour == INVALID)).any(axis=1)
    last = length - 1
    rows = np.flatnonzero((last >= 0) & (last < width) & (fill > 0))
    if len(rows):
        keep = ((0x3F << fill[rows]) & 0x3F).astype(np.uint8)
        values[rows, last[rows]] &= keep
    return values, valid


def bits(m: Matrix, start: int, n: int, signed: bool = False) -> Ints:
    """The field of ``n`` bits at bit ``start`` of every row of ``m``."""
    c0, c1 = start // 6, (start + n - 1) // 6
    acc = np.zeros(len(m), dtype=np.uint64)
    for c in range(c0, c1 + 1):
        acc = (acc << np.uint64(6)) | m[:, c].astype(np.uint64)
    spare = (c1 - c0 + 1) * 6 - (start - c0 * 6) - n
    value = ((acc >> np.uint64(spare)) & np.uint64((1 << n) - 1)).astype(np.int64)
    if signed:
        value = np.where(value >= 1 << (n - 1), value - (1 << n), value)
    return value


def text(m: Matrix, start: int, chars: int) -> list[str]:
    """A 6-bit ASCII text field of ``chars`` characters at bit ``start``, as pyais reads it: up
    to the first '@', then stripped of spaces at both ends."""
    codes = np.stack([SIXBIT_ASCII[bits(m, start + 6 * k, 6)] for k in range(chars)], axis=1)
    at = codes == ord("@")
    first_at = np.where(at.any(axis=1), at.argmax(axis=1), chars)
    codes[np.arange(chars)[None, :] >= first_at[:, None]] = 0
    raw = np.ascontiguousarray(codes).view(f"S{chars}").ravel()
    # Few distinct texts (a vessel repeats its name): decode each once.
    cache: dict[bytes, str] = {}
    return [cache.get(v) or cache.setdefault(v, v.decode("ascii").strip()) for v in raw.tolist()]


def lat_lon(raw: Ints, per_degree: int) -> npt.NDArray[np.float64]:
    """A coordinate in 1/``per_degree`` degrees as degrees rounded to 6 decimals exactly as
    pyais rounds them (integer arithmetic: no float rounding differences)."""
    scale = {600_000: 10, 600: 10_000, 60_000: 100}[per_degree]
    return ((scale * raw + 3) // 6) / 1e6
