"""Per partition: materialised, failed, in progress or missing, and the latest check results."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import dagster as dg


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
    """Status of ``asset``'s partitions from ``start`` to ``end`` (default: all): its days, its
    months (those holding a day of the range), or ``all`` for an asset without partitions."""
    graph = defs.resolve_asset_graph()
    key = dg.AssetKey(asset)
    partitions_def = graph.get(key).partitions_def
    statuses: dict[str | None, PartitionStatus] = {}
    if partitions_def is None:
        done = instance.get_latest_materialization_event(key) is not None
        statuses[None] = PartitionStatus("all", "materialized" if done else "missing")
    else:
        lo, hi = (start.isoformat() if start else ""), (end.isoformat() if end else "9999")
        if isinstance(partitions_def, dg.MonthlyPartitionsDefinition):
            lo = lo[:8] + "01" if lo else lo
        keys = [k for k in partitions_def.get_partition_keys() if lo <= k <= hi]
        by_partition = instance.get_status_by_partition(key, keys, partitions_def) or {}
        for k in keys:
            state = by_partition.get(k)
            statuses[k] = PartitionStatus(k, state.value.lower() if state else "missing")
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
    return list(statuses.values())


def summary(statuses: list[PartitionStatus]) -> Counter[str]:
    return Counter(s.state for s in statuses)
