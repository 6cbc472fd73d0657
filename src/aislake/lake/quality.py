"""Measurements of a stored partition, for asset checks: counts, NULLs, rejects by reason.

They read what is in the lake (not what a run believes it wrote), so a check verifies storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from aislake.lake.duck import sql_literal
from aislake.lake.layout import pointer_key, rejects_prefix, silver_prefix
from aislake.lake.manifest import DayCounts
from aislake.lake.store import ObjectStore


def partition_keys(store: ObjectStore, prefix: str) -> list[str]:
    """The Parquet keys of the partition's current version (through its pointer)."""
    return store.current(prefix, pointer_key(prefix))


def day_keys(store: ObjectStore, source: str, day: dt.date) -> tuple[list[str], list[str]]:
    """The current silver and rejects keys of a source's day, from one read of its pointer:
    always of the same version."""
    silver, rejects = silver_prefix(source, day), rejects_prefix(source, day)
    version = store.version(pointer_key(silver), [silver, rejects])
    return version[silver], version[rejects]


def keys_literal(store: ObjectStore, keys: list[str]) -> str:
    """A DuckDB list literal of ``keys``' URIs (``[]`` when none)."""
    return "[" + ", ".join(sql_literal(store.uri(k)) for k in keys) + "]"


def dataset_keys(
    store: ObjectStore, prefix: str, depth: int, keep: Callable[[str], bool] | None = None
) -> list[str]:
    """The current Parquet keys of every partition under ``prefix`` (``silver/ais/``: a
    partition is the key's first ``depth`` parts, ``silver/ais/source=dma/dt=...``); with
    ``keep``, of the partitions whose prefix it keeps (their pointers alone are read)."""
    partitions = sorted(
        {
            "/".join(k.split("/")[:depth]) + "/"
            for k in store.list_keys(prefix)
            if k.endswith(".parquet")
        }
    )
    return [k for p in partitions if keep is None or keep(p) for k in partition_keys(store, p)]


def partition_files(store: ObjectStore, prefix: str) -> str:
    """A DuckDB list literal of the partition's current Parquet files (``[]`` when none)."""
    return keys_literal(store, partition_keys(store, prefix))


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
