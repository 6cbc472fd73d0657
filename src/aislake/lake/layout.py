"""Where each dataset lives in the lake: the one place that spells object keys."""

from __future__ import annotations

import datetime as dt


def bronze_key(source: str, day: dt.date) -> str:
    """The raw CSV of a day, unchanged: ``bronze/dma/aisdk-2024-01-15.csv``,
    ``bronze/noaa/ais-2024-01-15.csv`` (either NOAA layout, decompressed)."""
    if source == "dma":
        return f"bronze/dma/aisdk-{day.isoformat()}.csv"
    if source == "noaa":
        return f"bronze/noaa/ais-{day.isoformat()}.csv"
    raise ValueError(f"unknown source {source!r}")


def manifest_key(bronze: str) -> str:
    """What bronze measured of its file (bytes, SHA-256, data lines), beside it."""
    return f"{bronze}.manifest.json"


def silver_prefix(source: str, day: dt.date) -> str:
    return f"silver/ais/source={source}/dt={day.isoformat()}/"


def rejects_prefix(source: str, day: dt.date) -> str:
    return f"silver/ais_rejects/source={source}/dt={day.isoformat()}/"


def gold_prefix(product: str, day: dt.date) -> str:
    return f"gold/{product}/dt={day.isoformat()}/"


def pointer_key(prefix: str) -> str:
    """The key of the pointer to a partition's current version (``ObjectStore.publish``). A day
    of silver and its rejects share one, so both change at once:
    ``_current/silver/source=dma/dt=2024-01-15.json``, ``_current/gold/<product>/dt=....json``.
    """
    parts = prefix.strip("/").split("/")
    if parts[0] == "silver" and len(parts) == 4:
        return f"_current/silver/{parts[2]}/{parts[3]}.json"
    if parts[0] == "gold" and len(parts) == 3:
        return f"_current/gold/{parts[1]}/{parts[2]}.json"
    raise ValueError(f"{prefix!r} is not a partition of silver or gold")
