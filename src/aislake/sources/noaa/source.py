"""NOAA as a :class:`~aislake.sources.base.Source`: its bronze file, layouts and reader (NOAA's
fields mapped to DMA's names and vocabulary)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aislake.sources.base import Decoder
from aislake.sources.fetch import DayCsv, RetryPolicy
from aislake.sources.noaa.archive import (
    CSV2_BASE_URL,
    FORMATS,
    LEGACY_BASE_URL,
    download_day,
    list_archive,
    noaa_layout,
    published_days,
)
from aislake.sources.noaa.reader import CSV2_TIMESTAMP_FORMAT, noaa_typed_sql
from aislake.storage.store import ObjectStore


class NoaaArchive(BaseModel):
    """NOAA MarineCadastre's archive: which layout to fetch and each layout's base URL."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    format: str = Field(
        "csv2",
        alias="AISLAKE_NOAA_FORMAT",
        description="NOAA's layout: `csv2` (zstd CSV, every year, the only one from 2025) or "
        "`legacy` (daily zip, 2018-2024)",
    )
    csv2_base_url: str = Field(
        CSV2_BASE_URL,
        alias="AISLAKE_NOAA_CSV2_BASE_URL",
        description="NOAA's csv2 files, laid out `csvYYYY/ais-YYYY-MM-DD.csv.zst`; `http(s)://` "
        "or `file://`",
    )
    base_url: str = Field(
        LEGACY_BASE_URL,
        alias="AISLAKE_NOAA_BASE_URL",
        description="NOAA's legacy zips, laid out `YYYY/AIS_YYYY_MM_DD.zip`",
    )

    @property
    def layout_url(self) -> str:
        """The configured layout's base URL (the legacy one for any format but ``csv2``)."""
        return self.csv2_base_url if self.layout == "csv2" else self.base_url

    @property
    def layout(self) -> str:
        return self.format.strip().lower()

    def layout_base_url(self) -> tuple[str, str]:
        """(format, base URL) of the configured layout; ``ValueError`` for an unknown one."""
        if self.layout not in FORMATS:
            raise ValueError(
                f"AISLAKE_NOAA_FORMAT={self.format!r}: expected one of {', '.join(FORMATS)}"
            )
        return self.layout, self.layout_url


class NoaaSource:
    name = "noaa"
    title = "NOAA"
    repairs_commas = False  # a NOAA line that does not split is a malformed_csv reject
    ts_format = CSV2_TIMESTAMP_FORMAT
    archive: type[BaseModel] = NoaaArchive
    bronze_description = (
        "The day's NOAA MarineCadastre CSV at ``bronze/noaa/ais-YYYY-MM-DD.csv.zst``: csv2's zstd "
        "file as NOAA serves it, or the legacy zip's CSV compressed the same way (DuckDB reads it "
        "directly; a fifth of the CSV's size). Downloaded from the layout ``AISLAKE_NOAA_FORMAT`` "
        "selects (``csv2`` from ``AISLAKE_NOAA_CSV2_BASE_URL``, ``legacy`` from "
        "``AISLAKE_NOAA_BASE_URL``), verified whole (every zstd frame and its checksum, or the "
        "zip's CRCs; the header), then published atomically with its manifest (bytes, SHA-256, "
        "lines, source URL) beside it; on any failure bronze is left as it was, and so it is when "
        "the new file has fewer than ``AISLAKE_REPLACE_MIN_SHARE`` of the stored file's lines."
    )
    listing_every_seconds = 6 * 3600
    # NOAA publishes in batches, weeks to months after the date: no daily freshness deadline.
    decoder: Decoder | None = None  # a CSV: DuckDB reads it
    live = False
    fresh_by_cron: str | None = None

    def download(
        self,
        archive: Any,
        day: dt.date,
        workdir: Path,
        retry: RetryPolicy,
        log: Callable[[str], None],
        lake: ObjectStore,
    ) -> DayCsv:
        fmt, base_url = archive.layout_base_url()
        return download_day(fmt, base_url, day, workdir, retry, log)

    def published_days(
        self, archive: Any, since: dt.date, today: dt.date, lake: ObjectStore
    ) -> dict[dt.date, str]:
        """The days NOAA lists in the configured layout, in the years from ``since`` to today."""
        fmt, base_url = archive.layout_base_url()
        years = list(range(since.year, today.year + 1))
        return dict.fromkeys(published_days(list_archive(fmt, base_url, years), fmt), "")

    def where(self, archive: Any) -> str:
        return str(archive.layout_url)

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
