"""The asset graph pinned as a snapshot (as dagster-open-platform pins its graph): every asset's
group, partitions, dependencies, kinds, pool, code version, automation condition and checks,
for the default sources and for both. A change to any of them shows in review as a change to
``__snapshots__/test_asset_snapshot.ambr``; accept an intended one with
``pytest tests/wiring/defs/test_asset_snapshot.py --snapshot-update``."""

from __future__ import annotations

import dagster as dg
import pytest
from syrupy.assertion import SnapshotAssertion

from aislake.definitions import defs
from aislake.defs.sources import sources_selected


def _specs(loaded: dg.Definitions) -> dict[str, dict[str, object]]:
    graph = loaded.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for key in graph.asset_check_keys:
        node = graph.get(key)
        blocking = " (blocking)" if node.blocking else ""
        checks.setdefault(key.asset_key.to_user_string(), []).append(key.name + blocking)
    specs = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        condition = node.automation_condition
        specs[key.to_user_string()] = {
            "group": node.group_name,
            "partitions": type(partitions).__name__ if partitions else None,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "kinds": sorted(node.kinds),
            "pool": node.pools and sorted(node.pools),
            "code_version": node.code_version,
            "automation": condition.get_label() if condition else None,
            "checks": sorted(checks.get(key.to_user_string(), [])),
        }
    return specs


@pytest.mark.parametrize("sources", [None, "dma,noaa"], ids=["default", "dma-and-noaa"])
def test_the_asset_graph_is_as_pinned(snapshot: SnapshotAssertion, sources: str | None) -> None:
    with sources_selected(sources):
        assert _specs(defs()) == snapshot
