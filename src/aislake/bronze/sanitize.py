"""Lines that stop DuckDB's CSV reader taken aside, so one broken line never costs the day.

DuckDB refuses a line that does not parse and reads on, except for a few shapes that make it
read *more* than the line: an unbalanced quote makes it swallow every line after it into one
field (273 rows read of 68,212), a quoted newline joins two lines, a lone CR is a line ending
unlike the others (its state machine stops), and a line of gigabytes is held whole in memory
(one 2 GB Name: 3.66 GB peak). Such a day does not reconcile (or cannot be read), and silver
reads it again through :func:`sanitize`:

- the bronze text is streamed once, line by line (``\\n``; one trailing ``\\r`` is the line's
  ending, CRLF days are read as they are), never holding more than :data:`MAX_LINE_BYTES` of a
  line;
- a line longer than that (``line_too_long``: no AIS record is; DMA's are about 200 bytes), with
  an odd number of quotes, or with a CR inside it (``malformed_csv``) is taken aside with its
  line number and raw text (a long one cut to :data:`RAW_TEXT_CHARS`), and a blank line stands
  in its place in the copy DuckDB reads, so DuckDB's line numbers stay the file's;
- every other line is copied as it is.

The day then reconciles as before: rows + lines DuckDB refused + lines taken aside = the day's
data lines. Only a day that needs it pays for this pass.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# No AIS record comes near this; DMA's lines are about 200 bytes, NOAA's about 150.
MAX_LINE_BYTES = 64 * 1024
# Of a line too long, this much of its raw text is kept in its reject.
RAW_TEXT_CHARS = 1024
# Where bronze looks for long lines while it streams a day in: a window this long without a
# newline. Any line of MAX_LINE_BYTES holds a whole aligned window (so none is missed); a line
# of half that may be flagged too, which only sends the day through :func:`sanitize`.
LONG_LINE_WINDOW = MAX_LINE_BYTES // 2


@dataclass
class Sanitized:
    """The copy DuckDB reads (``path``) and the lines taken aside (``aside``: a CSV of line,
    reason, raw_line, header first)."""

    path: Path
    aside: Path
    by_reason: dict[str, int] = field(default_factory=dict)
    rewritten: bool = False  # the copy differs from the file (lines aside, line endings)

    @property
    def count(self) -> int:
        return sum(self.by_reason.values())


def _reason(line: bytes, too_long: bool) -> str | None:
    if too_long:
        return "line_too_long"
    if line.count(b'"') % 2 or b"\r" in line:
        return "malformed_csv"
    return None


def sanitize(chunks: Iterable[bytes], path: Path, aside: Path) -> Sanitized:
    """Copy the text ``chunks`` (a CSV, header first) to ``path`` with every line DuckDB cannot
    read as one record replaced by a blank line, and those lines, numbered as DuckDB numbers
    them (the header is line 1), written to ``aside``."""
    result = Sanitized(path, aside)
    number = 0  # lines finished so far
    pending = bytearray()  # the current line, up to MAX_LINE_BYTES + 1 bytes of it
    length = 0  # the current line's full length
    with path.open("wb") as out, aside.open("w", newline="", encoding="utf-8") as side:
        writer = csv.writer(side, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(["line", "reason", "raw_line"])

        def finish(ending: bytes) -> None:
            nonlocal number, length
            number += 1
            line = bytes(pending)
            cut = length > len(pending)  # longer than what was kept: too long by far
            if not cut and line.endswith(b"\r"):
                line = line[:-1]
                result.rewritten = True
            reason = _reason(line, cut or len(line) > MAX_LINE_BYTES) if number > 1 else None
            if reason:
                text = line[: RAW_TEXT_CHARS * 4].decode("utf-8", "replace")
                writer.writerow([number, reason, text[:RAW_TEXT_CHARS]])
                result.by_reason[reason] = result.by_reason.get(reason, 0) + 1
                result.rewritten = True
                out.write(ending)
            else:
                out.write(line + ending)
            pending.clear()
            length = 0

        for chunk in chunks:
            start = 0
            while start < len(chunk):
                end = chunk.find(b"\n", start)
                piece = chunk[start:] if end < 0 else chunk[start:end]
                length += len(piece)
                room = MAX_LINE_BYTES + 2 - len(pending)  # +2: a CR, and proof it is too long
                if room > 0:
                    pending.extend(piece[:room])
                if end < 0:
                    break
                finish(b"\n")
                start = end + 1
        if pending or length:
            finish(b"")
    return result


def long_line_in(chunk: bytes, run: int) -> tuple[bool, int]:
    """Whether ``chunk`` (after ``run`` bytes of a line without a newline) may hold a line of
    :data:`MAX_LINE_BYTES` or more, and the run of newline-free bytes it ends with."""
    first = chunk.find(b"\n")
    if first < 0:
        return run + len(chunk) > LONG_LINE_WINDOW, run + len(chunk)
    found = run + first > LONG_LINE_WINDOW
    at = 0
    while not found and at + LONG_LINE_WINDOW <= len(chunk):
        found = chunk.find(b"\n", at, at + LONG_LINE_WINDOW) < 0
        at += LONG_LINE_WINDOW
    return found, len(chunk) - 1 - chunk.rfind(b"\n")
