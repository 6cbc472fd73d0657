"""Per partition: materialised, failed, in progress or missing, and the latest check results."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import dagster as dg

from aislake.defs.partitions import daily_partitions


@dataclass
class PartitionStatus:
    day: str
    state: str  # materialized | failed | in_progress | missing
    checks: dict[str, str] = field(default_factory=dict)  # check name -> latest status


def asset_status(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    asset: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[PartitionStatus]:
    """Status of ``asset``'s daily partitions from ``start`` to ``end`` (default: all)."""
    keys = daily_partitions.get_partition_keys()
    lo, hi = (start.isoformat() if start else ""), (end.isoformat() if end else "9999")
    keys = [k for k in keys if lo <= k <= hi]
    key = dg.AssetKey(asset)
    by_partition = instance.get_status_by_partition(key, keys, daily_partitions) or {}
    statuses = {}
    for k in keys:
        state = by_partition.get(k)
        statuses[k] = PartitionStatus(k, state.value.lower() if state else "missing")
    graph = defs.resolve_asset_graph()
    for check_key in sorted(graph.asset_check_keys, key=lambda c: c.name):
        if check_key.asset_key != key:
            continue
        history = instance.event_log_storage.get_asset_check_execution_history(
            check_key, limit=5000
        )
        for record in history:  # newest first: keep the first seen per partition
            partition = getattr(record, "partition", None)
            if partition in statuses and check_key.name not in statuses[partition].checks:
                statuses[partition].checks[check_key.name] = record.status.value.lower()
    return [statuses[k] for k in keys]


def summary(statuses: list[PartitionStatus]) -> Counter[str]:
    return Counter(s.state for s in statuses)
