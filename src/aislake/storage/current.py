"""Which files are a partition's current version: the files its table's latest commit names
(:mod:`aislake.storage.tables`). Callers read DuckDB over exactly these keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from aislake.storage.layout import rejects_prefix, silver_prefix
from aislake.storage.store import ObjectStore
from aislake.storage.tables import AsOf, linked_files, partition_files, table_files


def partition_keys(store: ObjectStore, prefix: str) -> list[str]:
    """The Parquet keys of the partition's current version."""
    return partition_files(store, prefix)


def day_keys(store: ObjectStore, source: str, day: dt.date) -> tuple[list[str], list[str]]:
    """The current silver and rejects keys of a source's day: the rejects at the version silver's
    commit names, so always of the same publish."""
    return linked_files(store, silver_prefix(source, day), rejects_prefix(source, day))


def dataset_keys(
    store: ObjectStore,
    prefix: str,
    keep: Callable[[str], bool] | None = None,
    as_of: AsOf | None = None,
) -> list[str]:
    """The current Parquet keys of every partition of the table at ``prefix`` (``silver/ais/``,
    ``gold/vessel_tracks/``), or those of the version ``as_of`` names; with ``keep``, of the
    partitions whose prefix it keeps."""
    return table_files(store, prefix, keep, as_of)
