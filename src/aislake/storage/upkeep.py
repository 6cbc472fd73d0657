"""Keeping the tables small and their history bounded: files no version within the retention
uses are removed, and each log is checkpointed.

A replaced partition's files stay after its commit, so that readers can travel back to the
versions that used them (``aislake query --as-of``). :func:`vacuum` removes the ones no version
younger than the retention uses (tombstones older than it), and files no commit ever named (a
writer killed after moving them in) once older than it. A file the latest version uses is never
removed, however old. Only Parquet data files are removed: what else lies in a partition's folder
(the density heatmap) is the product's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aislake.storage.store import ObjectStore
from aislake.storage.tables import open_table

LOG = "/_delta_log/"
TABLE_HOMES = ("silver/", "gold/")


@dataclass(frozen=True)
class Vacuumed:
    """What :func:`vacuum` did to one table."""

    root: str
    version: int
    removed: list[str]
    bytes_removed: int


def table_roots(store: ObjectStore) -> list[str]:
    """Every table of the lake: the folders holding a ``_delta_log``."""
    roots = {k.split(LOG, 1)[0] for home in TABLE_HOMES for k in store.list_keys(home) if LOG in k}
    return sorted(roots)


def vacuum(store: ObjectStore, retention: dt.timedelta, dry_run: bool = False) -> list[Vacuumed]:
    """Remove, from every table, the Parquet files no version within ``retention`` uses; then
    checkpoint the log and drop log entries older than the table's log retention (30 days)."""
    hours = max(0, int(retention.total_seconds() // 3600))
    done = []
    for root in table_roots(store):
        table = open_table(store, root)
        if table is None:
            continue
        stale = table.vacuum(
            retention_hours=hours, dry_run=True, enforce_retention_duration=False, full=True
        )
        keys = sorted(f"{root}/{p}" for p in stale if p.endswith(".parquet"))
        size = sum(store.size(k) for k in keys)
        if not dry_run:
            store.delete(keys)
            table.create_checkpoint()
            table.cleanup_metadata()
        done.append(Vacuumed(root, int(table.version()), keys, size))
    return done
