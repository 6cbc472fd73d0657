"""Workers for :class:`aislake.sources.nmea.pool.BlockPool` tests: module-level, so that the
processes the pool spawns can import them."""

from __future__ import annotations

import os


class Summing:
    """Sums the bytes of its blocks; a block ``b"die"`` ends the process at once (as a kill or
    the kernel's OOM killer would), ``b"raise"`` raises."""

    def __init__(self) -> None:
        self.total = 0

    def block(self, block: bytes, line_base: int) -> None:
        if block == b"die":
            os._exit(3)
        if block == b"raise":
            raise ValueError("a block this worker cannot decode")
        self.total += sum(block) + line_base

    def handover(self) -> int:
        return self.total


def summing(index: int) -> Summing:
    return Summing()
