"""What a source is to the lake: one :class:`Source` per archive, registered in
:mod:`aislake.sources.registry`.

A source names its bronze file, recognises its files' layouts by their header, and reads a day
into typed rows under DMA's raw field names and vocabulary (silver's input), so that
``aislake.silver`` is one piece of code for every source. What only some sources need is a
capability a source declares (``repairs_commas``: DMA's free text has unquoted commas that the
repair step mends), never a test of the source's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class Source(Protocol):
    """An archive of daily AIS files, as silver and bronze see it."""

    name: str  # the lake's name for it: bronze/<name>/, silver/ais/source=<name>/
    title: str  # for people: "DMA", "NOAA"
    repairs_commas: bool  # lines broken by an unquoted comma are repaired (DMA)
    ts_format: str  # how a rejected row's timestamp is written back: the source's own form

    def bronze_name(self, day: dt.date) -> str:
        """The day's file name under ``bronze/<name>/``."""
        ...

    def layout(self, header_line: str) -> tuple[str, ...]:
        """The layout whose header this is, or the source's own error (a ``BadArchiveError``)."""
        ...

    def typed_select(
        self, uri: str, layout: tuple[str, ...], parallel: bool, buffer_size: int | None
    ) -> str:
        """SQL: every DMA raw field, typed, of the CSV at ``uri`` (header ``layout``); lines that
        do not parse go to DuckDB's ``reject_errors`` table."""
        ...

    def raw_cols(self, layout: tuple[str, ...]) -> list[str]:
        """The file's fields as DMA's raw names, in its order (what the comma repair splits
        into); empty where the source does not repair."""
        ...


@dataclass(frozen=True)
class DayReader:
    """One source's reader of a day whose header is ``layout``."""

    source: Source
    layout: tuple[str, ...]

    def select(self, uri: str, parallel: bool = True, buffer_size: int | None = None) -> str:
        """SQL: every DMA raw field, typed, of the CSV at ``uri`` (:meth:`Source.typed_select`)."""
        return self.source.typed_select(uri, self.layout, parallel, buffer_size)

    @property
    def raw_cols(self) -> list[str]:
        return self.source.raw_cols(self.layout)

    @property
    def repairs_commas(self) -> bool:
        return self.source.repairs_commas

    @property
    def ts_format(self) -> str:
        return self.source.ts_format
