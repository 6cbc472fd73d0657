"""Rows broken by an unquoted comma in a free-text field: find the one proven shift and undo it.

DMA quotes a free-text value that holds a comma (``"ROENNE,DENMARK"``) but not always: a real
2021 row reads ``...,2.8,GUARD, CH16,06/01/2022 00:00:00,AIS,,,``. Split at every comma, the
fields after ``GUARD`` move one place right: ETA holds `` CH16``, the data source type holds the
ETA, antenna offset A holds ``AIS``; the writer still emits the header's number of fields, so the
last one (D) is lost; a line that kept it has one field too many. A line of the header's width
is believed to have lost one field, no more.

:func:`repair_fields` tries every way of gluing the extra pieces back onto the free-text fields
(call sign, name, destination), at most :data:`MAX_COMMAS` of them, and keeps a repair only
when it is *proven*: exactly one way makes every field after the first free-text one typed as
it must be (numbers parse, ETA is empty or a DMA timestamp, the fields DMA fills from a fixed
vocabulary hold words, not numbers or dates, a glued value fits its AIS field) while the line
as split does not. Fields the shift
pushed past the end are NULL. Anything else stays a reject with its raw line.

Pure Python, no DuckDB: silver hands it only the few lines DuckDB's typed reader refused or that
its cheap shift test flagged, so a clean day pays nothing.
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
from dataclasses import dataclass

from aislake.sources.dma.reader import DMA_NULL_TEXTS, READ_TYPES

# Free-text fields typed in by the crew (silver names), where an unquoted comma is seen, with the
# most characters AIS can carry in each (ITU-R M.1371: call sign 7, name 20 plus the 14 of the
# name extension, destination 20): a glued value longer than that is not one field.
FREE_TEXT = {"callsign": 7, "name": 34, "destination": 20}
# Fields DMA fills from a fixed vocabulary of words ('Cargo', 'GPS', 'AIS', ...).
VOCABULARY = ("ship_type", "cargo_type", "pos_fix_device", "data_source_type")
MAX_COMMAS = 3

_TIMESTAMP = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d")
_NUMBER_OR_DATE = re.compile(r"\s*[-+]?[0-9.]+(\s|/|$).*")


@dataclass(frozen=True)
class Repair:
    """A proven repair: the layout's fields (``None`` where the shift lost the value) and the
    free-text fields that held the unquoted commas, comma-joined (``'destination'``)."""

    fields: tuple[str | None, ...]
    repaired: str


def split_line(line: str) -> list[str]:
    """A raw CSV line split as DuckDB splits it (``"`` quotes, ``""`` inside quotes); ``[]``
    (nothing to repair) for a line Python's reader cannot split.

    DuckDB's raw text of a refused line in a CRLF file starts with the ``\n`` of the line
    before (DMA's 2018 files are CRLF), and a line may end in ``\r\n``: line-ending characters
    at either end are not the record's. One left inside (a lone CR) is no record either."""
    try:
        return next(csv.reader([line.strip("\r\n")]), [])
    except csv.Error:
        return []


def _is_null(value: str | None) -> bool:
    return value is None or value in DMA_NULL_TEXTS


def _field_ok(name: str, value: str | None) -> bool:
    """Whether ``value`` is typed as field ``name`` must be (the evidence of a shift)."""
    if _is_null(value):
        return True
    assert value is not None
    if name == "eta":
        return bool(_TIMESTAMP.fullmatch(value))
    if name in READ_TYPES:
        try:
            float(value)
        except ValueError:
            return False
        return True
    if name in VOCABULARY:
        return not _NUMBER_OR_DATE.fullmatch(value)
    return True


def _typed_from(columns: list[str], fields: list[str | None], start: int) -> bool:
    return all(_field_ok(c, v) for c, v in zip(columns[start:], fields[start:], strict=True))


def repair_fields(fields: list[str], columns: list[str]) -> Repair | None:
    """The proven repair of a split line whose layout has ``columns`` (silver names), else
    ``None`` (no shift, or not exactly one way to undo it)."""
    free = [columns.index(c) for c in FREE_TEXT if c in columns]
    if len(fields) < len(columns) or not free:
        return None
    # Only the fields from the first free-text one on take part, and a vessel's rows repeat
    # them (its static data): the decision is made once per distinct tail.
    tail = _repaired_tail(tuple(fields[free[0] :]), tuple(columns), tuple(free))
    return Repair(tuple(fields[: free[0]]) + tail[0], tail[1]) if tail else None


@functools.lru_cache(maxsize=65_536)
def _repaired_tail(
    tail: tuple[str, ...], columns: tuple[str, ...], free: tuple[int, ...]
) -> tuple[tuple[str | None, ...], str] | None:
    """:func:`repair_fields` on the fields from ``free[0]`` on: (repaired fields, names)."""
    start = free[0]
    width = len(columns)
    fields = [""] * start + list(tail)  # the prefix is never looked at
    if len(fields) == width and _typed_from(list(columns), list(fields), start):
        return None  # nothing is out of place
    # One field too many per unquoted comma; a line of the header's width is believed to have
    # lost one field, no more: with more, any text could be swallowed into the last free-text
    # field while the emptied fields still type.
    commas = len(fields) - width if len(fields) > width else 1
    if commas > MAX_COMMAS:
        return None
    proven: dict[tuple[str | None, ...], str] = {}
    for where in itertools.combinations_with_replacement(free, commas):
        glued: list[str | None] = []
        i = 0
        while i < len(fields):
            extra = where.count(len(glued)) if len(glued) in free else 0
            glued.append(",".join(fields[i : i + extra + 1]))
            i += extra + 1
        glued += [None] * (width - len(glued))
        if len(glued) != width or any(
            len(glued[f] or "") > FREE_TEXT[columns[f]] for f in set(where)
        ):
            continue
        if _typed_from(list(columns), glued, start):
            proven[tuple(glued[start:])] = ",".join(columns[f] for f in sorted(set(where)))
    # Exactly one way with the fewest commas that explain the line; two: not proven.
    return next(iter(proven.items())) if len(proven) == 1 else None
