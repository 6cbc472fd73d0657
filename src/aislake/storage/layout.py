"""Where each dataset lives in the lake: the one place that spells object keys."""

from __future__ import annotations

import datetime as dt


def bronze_object_key(source: str, file_name: str) -> str:
    """A source's bronze file: ``bronze/<source>/<file name>`` (the file name is the source's:
    ``aislake.sources.registry.bronze_key``)."""
    return f"bronze/{source}/{file_name}"


def pending_key(bronze: str) -> str:
    """Where a re-fetched day waits while silver judges it (``_pending/bronze/...``): the
    stored bronze stays the day until silver accepts its successor."""
    return f"_pending/{bronze}"


def refused_key(bronze: str) -> str:
    """Where a re-fetched day silver refused is kept for inspection (``_refused/bronze/...``)."""
    return f"_refused/{bronze}"


def manifest_key(bronze: str) -> str:
    """What bronze measured of its file (bytes, SHA-256, data lines), beside it."""
    return f"{bronze}.manifest.json"


def silver_prefix(source: str, day: dt.date) -> str:
    return f"silver/ais/source={source}/dt={day.isoformat()}/"


def rejects_prefix(source: str, day: dt.date) -> str:
    return f"silver/ais_rejects/source={source}/dt={day.isoformat()}/"


def gold_prefix(product: str, day: dt.date) -> str:
    return f"gold/{product}/dt={day.isoformat()}/"


def gold_partition_prefix(product: str, partitioning: str, period: dt.date | None) -> str:
    """A gold product's partition: ``dt=YYYY-MM-DD`` (daily), ``month=YYYY-MM-01`` (monthly: the
    month's first day, as its ``month`` column and its table's log hold it), or
    ``all`` (a product over the lake's whole history, rebuilt whole)."""
    if partitioning == "daily" and period is not None:
        return gold_prefix(product, period)
    if partitioning == "monthly" and period is not None:
        return f"gold/{product}/month={period:%Y-%m}-01/"
    if partitioning == "history":
        return f"gold/{product}/all/"
    raise ValueError(f"no partition of {product} ({partitioning}) for {period!r}")
