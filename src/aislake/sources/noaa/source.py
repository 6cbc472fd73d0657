"""NOAA as a :class:`~aislake.sources.base.Source`: its bronze file, layouts and reader (NOAA's
fields mapped to DMA's names and vocabulary)."""

from __future__ import annotations

import datetime as dt

from aislake.sources.noaa.archive import noaa_layout
from aislake.sources.noaa.reader import CSV2_TIMESTAMP_FORMAT, noaa_typed_sql


class NoaaSource:
    name = "noaa"
    title = "NOAA"
    repairs_commas = False  # a NOAA line that does not split is a malformed_csv reject
    ts_format = CSV2_TIMESTAMP_FORMAT

    def bronze_name(self, day: dt.date) -> str:
        # csv2's zstd file unchanged, or the legacy zip's CSV compressed the same way
        return f"ais-{day.isoformat()}.csv.zst"

    def layout(self, header_line: str) -> tuple[str, ...]:
        return noaa_layout(header_line)

    def typed_select(
        self, uri: str, layout: tuple[str, ...], parallel: bool, buffer_size: int | None
    ) -> str:
        return noaa_typed_sql(uri, layout, parallel=parallel, buffer_size=buffer_size)

    def raw_cols(self, layout: tuple[str, ...]) -> list[str]:
        return []


SOURCE = NoaaSource()
