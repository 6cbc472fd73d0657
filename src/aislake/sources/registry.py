"""The sources the lake knows, by name: adding a source is its package and one line here.

Everything that depends on which source a day is from asks its :class:`Source` here (silver's
reader, bronze's file name); nothing else branches on a source's name.
"""

from __future__ import annotations

import datetime as dt

from aislake.sources.base import DayReader, Source
from aislake.sources.dma.source import SOURCE as DMA
from aislake.sources.nmea.source import SOURCE as NMEA
from aislake.sources.noaa.source import SOURCE as NOAA
from aislake.storage.layout import bronze_object_key

SOURCES: dict[str, Source] = {s.name: s for s in (DMA, NOAA, NMEA)}


def source(name: str) -> Source:
    """The source called ``name``, or a ``ValueError`` naming the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}: expected one of {', '.join(SOURCES)}") from None


def bronze_key(name: str, day: dt.date) -> str:
    """The day's bronze object: ``bronze/dma/aisdk-2024-01-15.csv`` (the CSV out of DMA's zip),
    ``bronze/noaa/ais-2024-01-15.csv.zst`` (NOAA's csv2 file unchanged, or the legacy zip's CSV
    compressed the same way), ``bronze/nmea/nmea-2024-01-15.nmea.zst`` (the day's raw NMEA)."""
    return bronze_object_key(name, source(name).bronze_name(day))


def day_reader(name: str, header_line: str) -> DayReader:
    """The reader of source ``name`` for a file whose first line is ``header_line``; the
    source's own error (``NotDmaCsvError``, ``NotNoaaCsvError``) when the header is not its."""
    s = source(name)
    return DayReader(s, s.layout(header_line))
