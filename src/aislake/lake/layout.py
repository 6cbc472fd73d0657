"""Where each dataset lives in the lake: the one place that spells object keys."""

from __future__ import annotations

import datetime as dt


def bronze_key(source: str, day: dt.date) -> str:
    """The raw CSV of a day, unchanged: ``bronze/dma/aisdk-2024-01-15.csv``."""
    if source != "dma":
        raise ValueError(f"unknown source {source!r}")
    return f"bronze/dma/aisdk-{day.isoformat()}.csv"


def manifest_key(bronze: str) -> str:
    """What bronze measured of its file (bytes, SHA-256, data lines), beside it."""
    return f"{bronze}.manifest.json"


def silver_prefix(source: str, day: dt.date) -> str:
    return f"silver/ais/source={source}/dt={day.isoformat()}/"


def rejects_prefix(source: str, day: dt.date) -> str:
    return f"silver/ais_rejects/source={source}/dt={day.isoformat()}/"


def gold_prefix(product: str, day: dt.date) -> str:
    return f"gold/{product}/dt={day.isoformat()}/"


SILVER_GLOB = "silver/ais/*/*/*.parquet"
REJECTS_GLOB = "silver/ais_rejects/*/*/*.parquet"


def gold_glob(product: str) -> str:
    return f"gold/{product}/*/*.parquet"
