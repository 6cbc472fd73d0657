"""The local Dagster instance the CLI and `dagster dev` share."""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
from dagster._utils.concurrency import ClaimedSlotInfo, ConcurrencyKeyInfo

from aislake.storage.leftovers import owner, owner_gone, pid_alive

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
# Tag (one per step, ``aislake/owner/<step key>``) naming the process that runs a step while it
# holds a pool slot, ``<host>@<pid>``, whatever launched the run.
STEP_OWNER_TAG = "aislake/owner/"


def cli_run_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def record_step_owner(instance: dg.DagsterInstance, run_id: str, step_key: str) -> None:
    """Name this process as the one running ``step_key`` (called as a pooled step starts)."""
    instance.add_run_tags(run_id, {f"{STEP_OWNER_TAG}{step_key}": owner()})


def release_dead_runs(instance: dg.DagsterInstance, own: bool = False) -> list[str]:
    """Free the pool slots of steps whose process is gone (killed, the machine's OOM killer),
    marking their runs failed: otherwise every later step of that pool waits for ever.

    Two ways to know a process is gone: the runs the CLI started carry its pid (``own``: this
    process's runs too, it was interrupted); and every pooled step of aislake names its process
    on the run as it starts (:func:`record_step_owner`), so a slot held by a step of a run that
    ``dagster asset materialize``, the webserver or the daemon launched is released too, and so
    is a slot of a run that already ended. Called by every ``aislake materialize`` and at the
    start of every run (``LakeStorage``'s setup). Returns what was done, one line per run."""
    said = _release_cli_runs(instance, own)
    for pool, _, slot, run, holder in _claimed_slots(instance):
        if run is not None and not run.is_finished:
            if not holder or not owner_gone(f"{holder}@step"):
                continue
            instance.report_run_failed(
                run, f"aislake: the process of step {slot.step_key} ({holder}) is gone"
            )
            why = f"(process {holder}) is gone: marked failed"
        else:
            why = "had ended"
        instance.event_log_storage.free_concurrency_slot_for_step(slot.run_id, slot.step_key)
        said.append(f"run {slot.run_id} {why}, its {pool} slot ({slot.step_key}) freed")
    return said


def _claimed_slots(
    instance: dg.DagsterInstance,
) -> Iterator[tuple[str, ConcurrencyKeyInfo, ClaimedSlotInfo, dg.DagsterRun | None, str]]:
    """Every claimed pool slot: (pool, the pool's figures, the slot, its run, the process its
    step named, ``<host>@<pid>`` or '')."""
    for pool in sorted(instance.event_log_storage.get_concurrency_keys()):
        info = instance.event_log_storage.get_concurrency_info(pool)
        for slot in info.claimed_slots:
            record = instance.get_run_record_by_id(slot.run_id)
            run = record.dagster_run if record else None
            holder = run.tags.get(f"{STEP_OWNER_TAG}{slot.step_key}", "") if run else ""
            yield pool, info, slot, run, holder


def watch_slots(
    instance: dg.DagsterInstance, run_id: str, say: Callable[[str], None], interval: float = 10.0
) -> threading.Thread:
    """While run ``run_id`` lasts, free every ``interval`` seconds the slots of processes that
    are gone (:func:`release_dead_runs`), telling ``say``: a step of this run already waiting
    for a slot ("blocked by limit for pool ...") gets it once its holder was killed. The watch
    ends with the run (or the first error: it never fails the run it serves)."""

    def watch() -> None:
        try:
            while True:
                time.sleep(interval)
                run = instance.get_run_by_id(run_id)
                if run is None or run.is_finished:
                    return
                for line in release_dead_runs(instance):
                    say(line)
        except Exception:  # the instance was closed, the run's process is ending
            return

    thread = threading.Thread(target=watch, name="aislake-slot-watch", daemon=True)
    thread.start()
    return thread


def pool_holders(instance: dg.DagsterInstance) -> list[str]:
    """What holds each pool's slots now, one line per pool with a holder: what a step that
    waits ("blocked by limit for pool ...") waits for."""
    held: dict[str, tuple[ConcurrencyKeyInfo, list[str]]] = {}
    for pool, info, slot, _, holder in _claimed_slots(instance):
        held.setdefault(pool, (info, []))[1].append(
            f"run {slot.run_id[:8]} step {slot.step_key} (process {holder or '?'})"
        )
    return [
        f"pool {pool}: {len(info.claimed_slots)} of {info.limit or info.slot_count} slots held "
        f"by {', '.join(steps)}; a step of this pool waits for them"
        for pool, (info, steps) in held.items()
    ]


def _release_cli_runs(instance: dg.DagsterInstance, own: bool) -> list[str]:
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
