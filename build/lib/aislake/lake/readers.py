"""How silver reads each source's bronze CSV: a source supplies its reader, silver does the rest.

A reader turns the day's CSV into typed rows under DMA's raw field names and vocabulary
(``aislake.lake.dmaread`` for DMA, ``aislake.lake.noaaread`` for NOAA), so the cleaning rules,
duplicates, motion and MMSI forms in ``aislake.lake.silver`` are one piece of code for all.
"""

from __future__ import annotations

from dataclasses import dataclass

from aislake.lake.dmaread import typed_csv_sql
from aislake.lake.noaaread import CSV2_TIMESTAMP_FORMAT, noaa_typed_sql
from aislake.lake.schema import DMA_RAW_NAMES, DMA_TIMESTAMP_FORMAT
from aislake.sources.dma import dma_layout
from aislake.sources.noaa import noaa_layout

SOURCES = ("dma", "noaa")


@dataclass(frozen=True)
class DayReader:
    """One source's reader of a day whose header is ``layout``."""

    source: str
    layout: tuple[str, ...]

    def select(self, uri: str, parallel: bool = True, buffer_size: int | None = None) -> str:
        """SQL: every DMA raw field, typed, of the CSV at ``uri``; lines that do not parse go
        to the ``reject_errors`` table (see ``aislake.lake.dmaread.typed_csv_sql``)."""
        if self.source == "dma":
            return typed_csv_sql(uri, self.raw_cols, parallel=parallel, buffer_size=buffer_size)
        return noaa_typed_sql(uri, self.layout, parallel=parallel, buffer_size=buffer_size)

    @property
    def raw_cols(self) -> list[str]:
        """DMA's fields in the file's order (the unquoted-comma repair works on these)."""
        return [DMA_RAW_NAMES[c] for c in self.layout] if self.source == "dma" else []

    @property
    def repairs_commas(self) -> bool:
        """Whether lines broken by an unquoted comma are repaired (DMA's free text has them;
        a NOAA line that does not split is a ``malformed_csv`` reject)."""
        return self.source == "dma"

    @property
    def ts_format(self) -> str:
        """How a rejected row's timestamp is written back: the source's own form."""
        return DMA_TIMESTAMP_FORMAT if self.source == "dma" else CSV2_TIMESTAMP_FORMAT


def day_reader(source: str, header_line: str) -> DayReader:
    """The reader of ``source`` for a file whose first line is ``header_line``; the source's
    own error (``NotDmaCsvError``, ``NotNoaaCsvError``) when the header is not its."""
    if source == "dma":
        return DayReader(source, dma_layout(header_line))
    if source == "noaa":
        return DayReader(source, noaa_layout(header_line))
    raise ValueError(f"unknown source {source!r}: expected one of {', '.join(SOURCES)}")
