"""Converting a lake written before version pointers existed, once.

Readers find a partition's files through its pointer only (``ObjectStore.version``): a partition
without one is not there. A lake of an older aislake holds partitions of unversioned files
(``part-0.parquet``) and no pointers; :func:`adopt_unpointed` writes each such partition the
pointer naming its files as they are. Files of a publish killed before its pointer carry a
version in their names (``part-0.<version>.parquet``) and are never adopted: they were never
the day.
"""

from __future__ import annotations

import re

from aislake.storage.layout import pointer_key
from aislake.storage.store import ObjectStore

VERSIONED = re.compile(r"\.\d{8}T\d{6}Z-[0-9a-f]{8}\.parquet$")
# The datasets whose partitions carry pointers: (prefix, parts in a partition's prefix); a silver
# day's rejects share its pointer.
DATASETS = (("silver/ais/", 4), ("gold/", 3))


def _partitions(store: ObjectStore, prefix: str, depth: int) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in store.list_keys(prefix):
        if key.endswith(".parquet"):
            found.setdefault("/".join(key.split("/")[:depth]) + "/", []).append(key)
    return found


def adopt_unpointed(store: ObjectStore) -> list[str]:
    """Write a pointer for every partition (a silver day with its rejects, a gold partition)
    that has none and whose files are all unversioned; returns the pointers written. Safe to
    run again: partitions that have a pointer are left alone."""
    written = []
    rejects = _partitions(store, "silver/ais_rejects/", 4)
    for prefix, depth in DATASETS:
        for partition, keys in sorted(_partitions(store, prefix, depth).items()):
            pointer = pointer_key(partition)
            if store.exists(pointer):
                continue
            files = {partition: keys}
            if partition.startswith("silver/ais/"):
                mate = partition.replace("silver/ais/", "silver/ais_rejects/", 1)
                files[mate] = rejects.get(mate, [])
            if any(VERSIONED.search(k) for ks in files.values() for k in ks):
                continue  # a killed publish's files, not a pre-pointer partition
            store.adopt(pointer, files)
            written.append(pointer)
    return written
