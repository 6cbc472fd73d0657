"""Which files are a partition's current version: read through its pointer (``_current/...``,
written by :meth:`aislake.storage.store.ObjectStore.publish`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from aislake.storage.layout import pointer_key, rejects_prefix, silver_prefix
from aislake.storage.store import ObjectStore


def partition_keys(store: ObjectStore, prefix: str) -> list[str]:
    """The Parquet keys of the partition's current version (through its pointer)."""
    return store.current(prefix, pointer_key(prefix))


def day_keys(store: ObjectStore, source: str, day: dt.date) -> tuple[list[str], list[str]]:
    """The current silver and rejects keys of a source's day, from one read of its pointer:
    always of the same version."""
    silver, rejects = silver_prefix(source, day), rejects_prefix(source, day)
    version = store.version(pointer_key(silver), [silver, rejects])
    return version[silver], version[rejects]


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
