"""DMA as a :class:`~aislake.sources.base.Source`: its bronze file, layouts and reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aislake.ais.schema import DMA_RAW_NAMES, DMA_TIMESTAMP_FORMAT
from aislake.sources.base import Decoder
from aislake.sources.dma.archive import (
    DEFAULT_BASE_URL,
    dma_layout,
    download_day,
    list_archive,
    published_days,
)
from aislake.sources.dma.reader import typed_csv_sql
from aislake.sources.fetch import DayCsv, RetryPolicy
from aislake.storage.store import ObjectStore


class DmaArchive(BaseModel):
    """DMA's archive and how it is downloaded."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    base_url: str = Field(
        DEFAULT_BASE_URL,
        alias="AISLAKE_DMA_BASE_URL",
        description="DMA's archive; `http(s)://` or `file://`",
    )
    # Monthly archives (before 2024-03) are kept here so a month's backfill downloads them once.
    cache_dir: str | None = Field(
        None,
        alias="AISLAKE_DOWNLOAD_CACHE",
        description="keep DMA's monthly archives (days before 2024-03) here",
    )


class DmaSource:
    name = "dma"
    title = "DMA"
    repairs_commas = True  # DMA's free text (names, destinations) holds unquoted commas
    ts_format = DMA_TIMESTAMP_FORMAT
    archive: type[BaseModel] = DmaArchive
    bronze_description = (
        "The day's raw DMA CSV, byte for byte, at ``bronze/dma/aisdk-YYYY-MM-DD.csv``. Downloaded "
        "from DMA's archive (``AISLAKE_DMA_BASE_URL``), its zip CRCs and header verified, then "
        "published atomically with its manifest (bytes, SHA-256, lines) beside it at "
        "``bronze/dma/aisdk-YYYY-MM-DD.csv.manifest.json``; on any failure bronze is left as it "
        "was, and so it is when the new file has fewer than ``AISLAKE_REPLACE_MIN_SHARE`` (0.5) of "
        "the stored file's lines (a source re-publishing a day broken)."
    )
    listing_every_seconds = 3600
    # DMA publishes about 3 days late; by 09:00 UTC each day silver should have been
    # materialised within the last day (its sensor keeps it so).
    decoder: Decoder | None = None  # a CSV: DuckDB reads it
    live = False
    fresh_by_cron: str | None = "0 9 * * *"

    def download(
        self,
        archive: Any,
        day: dt.date,
        workdir: Path,
        retry: RetryPolicy,
        log: Callable[[str], None],
        lake: ObjectStore,
    ) -> DayCsv:
        cache = Path(archive.cache_dir) if archive.cache_dir else None
        return download_day(archive.base_url, day, workdir, retry, cache, log)

    def published_days(
        self, archive: Any, since: dt.date, today: dt.date, lake: ObjectStore
    ) -> dict[dt.date, str]:
        return dict.fromkeys(published_days(list_archive(archive.base_url)), "")

    def where(self, archive: Any) -> str:
        return str(archive.base_url)

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
