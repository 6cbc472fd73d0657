"""Measurements of a stored silver day, for its asset checks: counts, NULL keys, duplicate keys,
rejects by reason, hours covered. They read what is in the lake (the day's current version in
the tables), not what a run believes it wrote, so a check verifies storage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from aislake.bronze.manifest import DayCounts
from aislake.duck.sql import keys_literal
from aislake.storage.current import day_keys
from aislake.storage.store import ObjectStore


@dataclass(frozen=True)
class SilverStats:
    rows: int
    null_key_rows: int  # rows with NULL ts, mmsi, lat or lon
    duplicate_keys: int  # rows beyond the first per (mmsi, ts, lat, lon)
    rejects_by_reason: dict[str, int]
    hours_with_positions: tuple[int, ...] = ()

    @property
    def missing_hours(self) -> list[int]:
        """Hours (UTC) of the day without a single position: DMA days with gaps exist."""
        return [h for h in range(24) if h not in self.hours_with_positions]

    @property
    def unexpected_rejects(self) -> int:
        return DayCounts.of(self.rows, self.rejects_by_reason).unexpected_rejects

    @property
    def reject_share(self) -> float:
        """Share of unexpected rejects among rows that were not expected rejects."""
        return DayCounts.of(self.rows, self.rejects_by_reason).reject_share


def silver_stats(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, source: str, day: dt.date
) -> SilverStats:
    silver_keys, rejects_keys = day_keys(store, source, day)
    if not silver_keys:
        return SilverStats(0, 0, 0, {})
    files = keys_literal(store, silver_keys)
    row = con.execute(
        f"""SELECT count(*),
                   count(*) FILTER (WHERE ts IS NULL OR mmsi IS NULL OR lat IS NULL OR lon IS NULL),
                   count(*) - count(DISTINCT (mmsi, ts, lat, lon)),
                   list(DISTINCT hour(ts) ORDER BY hour(ts)) FILTER (WHERE ts IS NOT NULL)
            FROM read_parquet({files})"""
    ).fetchone()
    assert row is not None
    rejects = keys_literal(store, rejects_keys)
    by_reason: dict[str, int] = {}
    if rejects_keys:
        by_reason = dict(
            con.execute(
                f"SELECT reason, count(*) FROM read_parquet({rejects}) GROUP BY ALL ORDER BY 1"
            ).fetchall()
        )
    hours = tuple(int(h) for h in (row[3] or []))
    return SilverStats(int(row[0]), int(row[1]), int(row[2]), by_reason, hours)
