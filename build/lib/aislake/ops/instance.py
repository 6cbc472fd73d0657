"""The local Dagster instance the CLI and `dagster dev` share."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

import dagster as dg

from aislake.lake.leftovers import pid_alive

LOCAL_YAML = Path(__file__).with_name("dagster.local.yaml")


def prepare_home(home: Path) -> Path:
    """Make ``home`` a DAGSTER_HOME with aislake's local instance settings (kept if present)."""
    home = home.absolute()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_YAML.read_text())
    return home


def dagster_home() -> Path:
    """DAGSTER_HOME, or ./data/dagster_home; prepared, and exported for Dagster to find."""
    home = prepare_home(Path(os.environ.get("DAGSTER_HOME") or "data/dagster_home"))
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def open_instance() -> dg.DagsterInstance:
    """The instance at :func:`dagster_home`, its storage created before anything runs.

    A fresh DAGSTER_HOME creates its SQLite databases (and alembic's version table) on first
    use; two commands doing that at once broke the instance for good (two alembic heads). The
    first use is therefore made under an exclusive lock on a file in DAGSTER_HOME: the second
    command waits, then finds the databases made.
    """
    home = dagster_home()
    with (home / ".aislake-init.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = dg.DagsterInstance.get()
            # Touch every storage so each creates (or migrates) its tables now, under the lock.
            instance.get_runs_count()
            instance.fetch_materializations(dg.AssetKey("aislake_init"), limit=1)
            instance.all_instigator_state()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return instance


# Tags of the runs the CLI executes in its own process: where to look for that process.
PID_TAG, HOST_TAG = "aislake/pid", "aislake/host"


def cli_run_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def release_dead_runs(instance: dg.DagsterInstance, own: bool = False) -> list[str]:
    """Mark failed the runs the CLI started on this host whose process is gone (killed, the
    machine's OOM killer), and free the pool slots they held: otherwise every later step of
    that pool waits for ever. ``own``: this process's runs too (it was interrupted). Returns
    what was done, one line per run."""
    said = []
    in_progress = instance.get_run_records(
        dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING],
            tags={HOST_TAG: socket.gethostname()},
        )
    )
    for record in in_progress:
        run = record.dagster_run
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        mine = pid == os.getpid()
        if not pid or (mine and not own) or (not mine and pid_alive(pid)):
            continue
        why = "was interrupted" if mine else f"(process {pid}) is gone"
        instance.report_run_failed(run, f"aislake: the run {why}")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        said.append(f"run {run.run_id} {why}: marked failed, its pool slots freed")
    return said
