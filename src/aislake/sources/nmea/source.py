"""Raw NMEA as a :class:`~aislake.sources.base.Source`: daily logs from a mirror and live
feeds' chunks, decoded into silver's fields (docs/nmea.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aislake.ais.schema import DMA_TIMESTAMP_FORMAT
from aislake.sources.base import Decoder
from aislake.sources.fetch import DayCsv, RetryPolicy
from aislake.sources.nmea.archive import download_day, published_days
from aislake.sources.nmea.decoder import NmeaDecoder
from aislake.storage.store import ObjectStore


class NmeaArchive(BaseModel):
    """Where a day's raw NMEA comes from, and what is done with lines that carry no time."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    base_url: str | None = Field(
        None,
        alias="AISLAKE_NMEA_BASE_URL",
        description="a mirror of daily NMEA logs (`YYYY-MM-DD.nmea[.gz|.zst]`), `file://` or "
        "`http(s)://`; unset: only the live feeds' chunks (`aislake receive`)",
    )
    journal_dir: str = Field(
        "aislake-journal",
        alias="AISLAKE_NMEA_JOURNAL",
        description="where `aislake receive` keeps its journal (a volume that survives the "
        "receiver)",
    )
    untimed: Literal["reject", "day"] = Field(
        "reject",
        alias="AISLAKE_NMEA_UNTIMED",
        description="a log line no tag block or logger timed: `reject` (`no_time`) or `day` "
        "(the last time before it in the file, else the day's start)",
    )


class NmeaSource:
    name = "nmea"
    title = "NMEA"
    repairs_commas = False
    # Rejected rows render their time as DMA's do: the vessel registry reads static reports
    # from the rejects in that form.
    ts_format = DMA_TIMESTAMP_FORMAT
    archive: type[BaseModel] = NmeaArchive
    bronze_description = (
        "The day's raw NMEA sentences at ``bronze/nmea/nmea-YYYY-MM-DD.nmea.zst`` (zstd): the "
        "mirror's daily log (``AISLAKE_NMEA_BASE_URL``) and every closed chunk the live "
        "receivers published for the day (``bronze/nmea/feed/<feed>/YYYY-MM-DD/HHMMSS.nmea.zst``, "
        "``aislake receive``), byte for byte in order; verified whole (every gzip or zstd "
        "stream to its end), then published atomically with its manifest (bytes, SHA-256, "
        "lines, sources). A feed's day is published again as its hours close."
    )
    listing_every_seconds = 60  # a feed's chunk closes every hour: silver within minutes of it
    fresh_by_cron: str | None = None  # a feed has no daily rhythm; a mirror's logs neither
    decoder: Decoder | None = NmeaDecoder()
    live = True  # a feed's day fills as it happens: today is a partition

    def download(
        self,
        archive: Any,
        day: dt.date,
        workdir: Path,
        retry: RetryPolicy,
        log: Callable[[str], None],
        lake: ObjectStore,
    ) -> DayCsv:
        return download_day(archive.base_url, day, workdir, retry, log, lake)

    def published_days(
        self, archive: Any, since: dt.date, today: dt.date, lake: ObjectStore
    ) -> dict[dt.date, str]:
        return published_days(archive.base_url, lake)

    def where(self, archive: Any) -> str:
        return str(archive.base_url or "the live feeds' chunks in the lake")

    def bronze_name(self, day: dt.date) -> str:
        return f"nmea-{day.isoformat()}.nmea.zst"

    def layout(self, header_line: str) -> tuple[str, ...]:
        return ("nmea",)  # no header: every line is a sentence (or a reject)

    def typed_select(
        self, uri: str, layout: tuple[str, ...], parallel: bool, buffer_size: int | None
    ) -> str:
        raise NotImplementedError("NMEA is decoded (NmeaDecoder), not read as CSV")

    def raw_cols(self, layout: tuple[str, ...]) -> list[str]:
        return []


SOURCE = NmeaSource()
