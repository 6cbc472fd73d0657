"""Counting a CSV's lines without a CSV parser: the independent figures silver reconciles with.

DuckDB's reader skips blank lines and reads every other line as one row (or one reject), so the
day's *data lines* are its non-blank lines after the header. Two counts:

- :class:`LineCounter` counts the lines after the header, blank ones included: one ``memchr``
  pass (``bytes.count``), done while bronze streams the file in and stored in its manifest. Rows
  + refused lines equal to it prove nothing was lost (DuckDB cannot read more rows than there
  are lines, and blank lines would make it read fewer).
- :func:`count_data_lines` also finds the blank lines: several passes, so silver only runs it
  when the first count disagrees, to tell blank lines from lost ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from aislake.bronze.sanitize import long_line_in

_BLANK = re.compile(rb"\n(?=\r?\n)")
_RUNS = (b"\n\n\n", b"\n\r\n\r\n", b"\n\n\r\n", b"\n\r\n\n")


@dataclass
class LineCounter:
    """Feed a file's bytes in order; :attr:`lines` is its lines after the first (the header),
    blank ones included, and with ``blanks=True`` :attr:`data_lines` leaves the blank ones out."""

    blanks: bool = False
    newlines: int = 0
    blank: int = 0
    # A line of ``aislake.bronze.sanitize.MAX_LINE_BYTES`` or more may be in the file (a few
    # hundred ``memchr`` calls a chunk): silver then reads it through the sanitizer at once.
    long_line: bool = False
    _run: int = 0
    _tail: bytes = b""
    _last: bytes = b"\n"

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.newlines += chunk.count(b"\n")
        if not self.long_line:
            self.long_line, self._run = long_line_in(chunk, self._run)
        self._last = chunk[-1:]
        if not self.blanks:
            return
        buf = self._tail + chunk
        if any(run in buf for run in _RUNS):
            self.blank += len(_BLANK.findall(buf))
        else:
            self.blank += buf.count(b"\n\n") + buf.count(b"\n\r\n")
        # A blank line needs two bytes after a newline at most; keep what can start one.
        self._tail = b"\n" if buf.endswith(b"\n") else (b"\n\r" if buf.endswith(b"\n\r") else b"")

    @property
    def lines(self) -> int:
        """Lines after the header (a last line without its newline counts), blank ones too."""
        return max(self.newlines + (0 if self._last == b"\n" else 1) - 1, 0)

    @property
    def data_lines(self) -> int:
        """Non-blank lines after the header (needs ``blanks=True``)."""
        if not self.blanks:
            raise ValueError("LineCounter(blanks=True) counts blank lines; this one did not")
        unterminated_blank = 1 if self._tail == b"\n\r" else 0  # a last line of just "\r"
        return max(self.lines - self.blank - unterminated_blank, 0)


def count_lines(chunks: Iterable[bytes]) -> int:
    """Lines after the header, blank ones included (one fast pass)."""
    return scan_lines(chunks).lines


def scan_lines(chunks: Iterable[bytes]) -> LineCounter:
    """One fast pass: the lines after the header, and whether a line may be too long."""
    counter = LineCounter()
    for chunk in chunks:
        counter.feed(chunk)
    return counter


def count_data_lines(chunks: Iterable[bytes]) -> int:
    """Non-blank lines after the header (several passes)."""
    counter = LineCounter(blanks=True)
    for chunk in chunks:
        counter.feed(chunk)
    return counter.data_lines
