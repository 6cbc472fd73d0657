"""Partition keys are dates: the only source of the day a run works on, always validated."""

from __future__ import annotations

import datetime as dt
import re

_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(key: str) -> dt.date:
    """The date of a ``YYYY-MM-DD`` partition key; ``ValueError`` for anything else."""
    if not _KEY.match(key or ""):
        raise ValueError(f"invalid partition key {key!r}: expected a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(key)
    except ValueError as exc:
        raise ValueError(f"invalid partition key {key!r}: {exc}") from exc
