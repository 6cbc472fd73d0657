"""Counting a CSV's data lines without a CSV parser: the independent figure silver reconciles with.

DuckDB's reader skips blank lines and reads every other line as one row (or one reject), so the
day's data lines are its non-blank lines after the header. Counting them is a byte scan (GB/s),
done while bronze streams the file in and stored in its manifest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_BLANK = re.compile(rb"\n(?=\r?\n)")
_RUNS = (b"\n\n\n", b"\n\r\n\r\n", b"\n\n\r\n", b"\n\r\n\n")


@dataclass
class LineCounter:
    """Feed a file's bytes in order; :attr:`data_lines` is its non-blank lines after the first."""

    newlines: int = 0
    blank: int = 0
    _tail: bytes = b""
    _last: bytes = b"\n"

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        buf = self._tail + chunk
        if any(run in buf for run in _RUNS):
            self.blank += len(_BLANK.findall(buf))
        else:
            self.blank += buf.count(b"\n\n") + buf.count(b"\n\r\n")
        self.newlines += chunk.count(b"\n")
        # A blank line needs two bytes after a newline at most; keep what can start one.
        self._tail = b"\n" if buf.endswith(b"\n") else (b"\n\r" if buf.endswith(b"\n\r") else b"")
        self._last = chunk[-1:]

    @property
    def lines(self) -> int:
        """Lines in the file (a last line without its newline counts)."""
        return self.newlines + (0 if self._last == b"\n" else 1)

    @property
    def data_lines(self) -> int:
        """Non-blank lines after the header line."""
        unterminated_blank = 1 if self._tail == b"\n\r" else 0  # a last line of just "\r"
        return max(self.lines - self.blank - unterminated_blank - 1, 0)


def count_data_lines(chunks: Iterable[bytes]) -> int:
    counter = LineCounter()
    for chunk in chunks:
        counter.feed(chunk)
    return counter.data_lines
