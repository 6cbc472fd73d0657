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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
from pydantic import BaseModel

from aislake.sources.fetch import DayCsv, RetryPolicy
from aislake.storage.store import ObjectStore

# Columns a decoded source gives each row beside DMA's raw fields, and their SQL where a
# source's rows do not have them (its CSV says nothing of receivers or raw text per row): the
# views silver's later steps read give every source's rows these columns (not carried through
# the day's sort where they are NULL).
ROW_COLUMNS = {
    "receiver": "NULL::VARCHAR",
    "receivers": "NULL::SMALLINT",
    "raw_line": "NULL::VARCHAR",
    "line": "NULL::BIGINT",
}


@dataclass(frozen=True)
class DecodedDay:
    """A day a source decoded itself (not a CSV DuckDB reads): silver's input as SQL over the
    connection's tables, and what it accounted for."""

    select: str  # every DMA raw field, typed, plus those of ROW_COLUMNS' columns it has
    records: int  # rows the select gives + rows put in ``lines_aside``: what silver reconciles
    aside: dict[str, int]  # rows put in ``lines_aside``, by reason
    lines: int  # the file's lines, blank ones included
    blank_lines: int
    figures: dict[str, int]  # what the decoder wants reported (fragments joined, ...)
    # SQL (line, raw_line): the raw text of the select's rows, by their ``line``, which the
    # rejects read for the rows silver refuses (not carried through the day's sort)
    raw_lines: str | None = None


class Decoder(Protocol):
    """How a source whose files are not CSV turns a day into silver's input."""

    def decode(
        self,
        con: duckdb.DuckDBPyConnection,
        store: ObjectStore,
        bronze_key: str,
        day: dt.date,
        workdir: Path,
        archive: Any,
    ) -> DecodedDay:
        """Decode the bronze object into tables of ``con``; fill the ``lines_aside`` table
        (line, reason, raw_line) with what is not a row; ``archive``: the source's settings."""
        ...


class Source(Protocol):
    """An archive of daily AIS files, as silver and bronze see it."""

    name: str  # the lake's name for it: bronze/<name>/, silver/ais/source=<name>/
    title: str  # for people: "DMA", "NOAA"
    repairs_commas: bool  # lines broken by an unquoted comma are repaired (DMA)
    ts_format: str  # how a rejected row's timestamp is written back: the source's own form
    # Its archive's settings: a model whose fields are read from the environment by their
    # aliases (AISLAKE_DMA_BASE_URL, ...); aislake.settings reads them, README lists them.
    archive: type[BaseModel]
    bronze_description: str  # what its bronze asset holds and where (the asset's description)
    listing_every_seconds: int  # how often its sensor lists the archive
    # By this cron time each day silver should have been materialised within the last day
    # (the silver asset's freshness policy); None: the archive has no daily rhythm.
    fresh_by_cron: str | None
    # Set for a source whose files are not CSV (raw NMEA): it decodes a day itself.
    decoder: Decoder | None
    # A receiver publishes its days as they happen (a live feed): while it is active, the
    # partitions run to today, not to today minus the archives' publication lag.
    live: bool

    def download(
        self,
        archive: Any,
        day: dt.date,
        workdir: Path,
        retry: RetryPolicy,
        log: Callable[[str], None],
        lake: ObjectStore,
    ) -> DayCsv:
        """Fetch and verify the day's file into ``workdir`` (``archive``: its settings;
        ``lake``: the lake, for a source whose raw data a receiver publishes into it); a
        ``SourceError`` (``DayNotPublishedError``, ``BadArchiveError``) or a ``ValueError`` for
        settings it cannot use."""
        ...

    def published_days(
        self, archive: Any, since: dt.date, today: dt.date, lake: ObjectStore
    ) -> dict[dt.date, str]:
        """The days its archive lists (at least those from ``since`` to ``today``), each with
        its version: '' for a day published once, else what changes when the day grows (a
        live feed's closed chunks); a ``SourceError`` or ``ValueError`` when it cannot be
        listed."""
        ...

    def where(self, archive: Any) -> str:
        """Where its archive is, for messages (a URL)."""
        ...

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

    @property
    def decoder(self) -> Decoder | None:
        return self.source.decoder
