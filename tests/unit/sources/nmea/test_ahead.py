"""Work done ahead of the decoder's thread: blocks framed on threads of their own, handed
over in their order, a bounded number ahead, errors raised in their turn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aislake.simulate.nmeafile import write_nmea_day
from aislake.sources.nmea.ahead import mapped_ahead
from aislake.sources.nmea.decode import blocks, frame_block
from conftest import SMALL_FLEET

DAY = dt.date(2024, 1, 15)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_blocks_framed_on_threads_come_in_their_order_as_framed_one_by_one(
    tmp_path: Path, threads: int
) -> None:
    day = write_nmea_day(tmp_path, DAY, SMALL_FLEET, compression="")
    parts = list(blocks([day.path.read_bytes()], 64 << 10))
    assert len(parts) > 10
    framed = list(mapped_ahead(frame_block, iter(parts), threads))
    alone = [frame_block(b) for b in parts]
    assert [f.lines.to_pylist() for f in framed] == [f.lines.to_pylist() for f in alone]
    for f, a in zip(framed, alone, strict=True):
        assert np.array_equal(f.single, a.single) and np.array_equal(f.multi, a.multi)
        assert np.array_equal(f.decoded.key, a.decoded.key)
        assert f.receivers.equals(a.receivers)


def test_blocks_are_framed_at_most_the_threads_ahead_and_a_failure_raised_in_its_turn() -> None:
    line = b"!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24\n"
    pulled: list[int] = []

    def given(n: int, bad: int = -1) -> Iterator[Any]:
        for i in range(n):
            pulled.append(i)
            yield None if i == bad else line * 10  # None: frame_block raises (not bytes)

    framed = mapped_ahead(frame_block, given(20), threads=2)
    first = next(framed)
    assert len(first.lines) == 10
    assert len(pulled) <= 1 + 2  # the one given and two framed ahead
    assert len(list(framed)) == 19
    pulled.clear()
    failing = mapped_ahead(frame_block, given(20, bad=3), threads=2)
    assert len([next(failing) for _ in range(3)]) == 3
    with pytest.raises(TypeError):
        next(failing)
    assert len(pulled) <= 3 + 1 + 2  # nothing read after the failure's turn but what was ahead
