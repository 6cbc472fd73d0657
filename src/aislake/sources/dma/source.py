"""DMA as a :class:`~aislake.sources.base.Source`: its bronze file, layouts and reader."""

from __future__ import annotations

import datetime as dt

from aislake.ais.schema import DMA_RAW_NAMES, DMA_TIMESTAMP_FORMAT
from aislake.sources.dma.archive import dma_layout
from aislake.sources.dma.reader import typed_csv_sql


class DmaSource:
    name = "dma"
    title = "DMA"
    repairs_commas = True  # DMA's free text (names, destinations) holds unquoted commas
    ts_format = DMA_TIMESTAMP_FORMAT

    def bronze_name(self, day: dt.date) -> str:
        return f"aisdk-{day.isoformat()}.csv"  # the CSV out of DMA's zip

    def layout(self, header_line: str) -> tuple[str, ...]:
        return dma_layout(header_line)

    def typed_select(
        self, uri: str, layout: tuple[str, ...], parallel: bool, buffer_size: int | None
    ) -> str:
        return typed_csv_sql(uri, self.raw_cols(layout), parallel=parallel, buffer_size=buffer_size)

    def raw_cols(self, layout: tuple[str, ...]) -> list[str]:
        return [DMA_RAW_NAMES[c] for c in layout]


SOURCE = DmaSource()
