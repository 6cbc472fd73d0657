"""Converting a lake an older aislake wrote into tables, once, without rewriting a byte of data.

Two older layouts are converted:

- **Version pointers** (``_current/silver/source=dma/dt=....json``, ``_current/gold/<product>/
  dt=....json``): JSON naming each partition's current files; a silver day's names its rejects
  too. Each pointer's files are committed to their tables as they are (the rejects first, then
  silver naming them, as :func:`aislake.storage.tables.publish` does), then the pointer goes.
- **Unversioned partitions** (``part-0.parquet``, from before pointers): committed as they are.

Files of a publish killed before its pointer (or before its commit) carry a version in their
names (``part-0.<version>.parquet``) and no pointer names them: they were never the day, and are
never committed (the tables' vacuum removes them).
"""

from __future__ import annotations

import json
import re

from aislake.storage.store import ObjectStore, StoreError
from aislake.storage.tables import app_id, commit, open_table, partition_files, partition_of

VERSIONED = re.compile(r"\.\d{8}T\d{6}Z-[0-9a-f]{8}\.parquet$")
POINTERS = "_current/"
# The datasets that may hold unversioned partitions: (prefix, parts in a partition's prefix).
DATASETS = (("silver/ais_rejects/", 4), ("silver/ais/", 4), ("gold/", 3))


def _linked_commit(store: ObjectStore, files: dict[str, list[str]]) -> None:
    """Commit each partition's files (a silver day and its rejects: the rejects first, silver
    naming their version), unless its table already names exactly them (a conversion killed
    after a commit, run again)."""
    apps: dict[str, int] = {}
    for prefix in sorted(files, key=lambda p: not p.startswith("silver/ais_rejects/")):
        partition, keys = partition_of(prefix), sorted(files[prefix])
        if keys and partition_files(store, prefix) != keys:
            commit(store, partition, keys, apps)
        table = open_table(store, partition.root)
        if keys and table is not None:
            apps[app_id(partition.prefix)] = int(table.version())


def _unversioned_partitions(store: ObjectStore) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prefix, depth in DATASETS:
        for key in store.list_keys(prefix):
            if key.endswith(".parquet") and "/_delta_log/" not in key:
                found.setdefault("/".join(key.split("/")[:depth]) + "/", []).append(key)
    return {p: ks for p, ks in found.items() if not any(VERSIONED.search(k) for k in ks)}


def convert_to_tables(store: ObjectStore) -> list[str]:
    """Commit every pointer's files and every unversioned partition to the tables; returns the
    partitions committed. Safe to run again."""
    done: list[str] = []
    for pointer in store.list_keys(POINTERS):
        if not pointer.endswith(".json"):
            continue
        try:
            files = {
                p.rstrip("/") + "/": list(ks)
                for p, ks in json.loads(store.read_range(pointer, 1 << 24))["files"].items()
            }
        except (ValueError, KeyError, AttributeError) as exc:
            raise StoreError(f"{pointer} is not a version pointer: {exc}") from exc
        _linked_commit(store, files)
        store.delete([pointer])
        done.extend(p for p, ks in files.items() if ks)
    legacy = _unversioned_partitions(store)
    for prefix in sorted(p for p in legacy if p.startswith("silver/ais/")):
        if partition_files(store, prefix):
            continue
        mate = prefix.replace("silver/ais/", "silver/ais_rejects/", 1)
        _linked_commit(store, {mate: legacy.get(mate, []), prefix: legacy[prefix]})
        done.append(prefix)
    for prefix in sorted(p for p in legacy if p.startswith("gold/")):
        if not partition_files(store, prefix):
            _linked_commit(store, {prefix: legacy[prefix]})
            done.append(prefix)
    return done
