"""Pool slots held by steps: a live holder is named and kept, a dead one's slot is freed and its
run marked failed, whatever launched the run (a real SQLite instance, real processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from aislake.instance import STEP_OWNER_TAG, pool_holders, release_dead_runs
from aislake.storage.leftovers import owner

pytestmark = pytest.mark.faults


def _run(instance: dg.DagsterInstance, holder: str) -> str:
    run = DagsterRun(
        job_name="__ASSET_JOB",
        status=dg.DagsterRunStatus.STARTED,
        tags={f"{STEP_OWNER_TAG}vessel_stops_gold": holder},
    )
    instance.add_run(run)
    instance.event_log_storage.claim_concurrency_slot("duckdb", run.run_id, "vessel_stops_gold")
    return run.run_id


def _dead_owner() -> str:
    """``<host>@<pid>`` of a process that has ended."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return owner().rsplit("@", 1)[0] + "@" + child.stdout.strip()


def test_a_live_holder_is_named_and_a_dead_ones_slot_freed(tmp_path: Path) -> None:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        instance.event_log_storage.set_concurrency_slots("duckdb", 2)
        live = _run(instance, owner())
        dead = _run(instance, _dead_owner())
        (line,) = pool_holders(instance)
        assert line.startswith("pool duckdb: 2 of 2 slots held by ") and owner() in line
        said = release_dead_runs(instance)
        assert len(said) == 1 and said[0].startswith(f"run {dead} (process ")
        assert "is gone: marked failed, its duckdb slot (vessel_stops_gold) freed" in said[0]
        info = instance.event_log_storage.get_concurrency_info("duckdb")
        assert [s.run_id for s in info.claimed_slots] == [live]
        statuses = {r: instance.get_run_by_id(r).status for r in (dead, live)}  # type: ignore[union-attr]
        assert statuses == {dead: dg.DagsterRunStatus.FAILURE, live: dg.DagsterRunStatus.STARTED}
        assert release_dead_runs(instance) == []  # once
