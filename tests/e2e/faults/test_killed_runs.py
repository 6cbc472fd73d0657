"""A run killed or interrupted mid-step gives its pool slot back, and the CLI stops on a signal.

Real processes: the CLI in a child process downloads a day from a local HTTP server that sends
it slowly; the test kills the child (SIGKILL) or signals it once the download has begun, i.e.
while its bronze step holds the `dma_download` pool slot of the local instance (one slot).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aislake.instance import prepare_home
from conftest import SIM_DAY
from support.archive import Archive, serve

pytestmark = [pytest.mark.faults, pytest.mark.slow]

CLI = "from aislake.cli import main; raise SystemExit(main({args!r}))"


@pytest.fixture
def mirror(sim_file) -> Iterator[tuple[Archive, str]]:  # type: ignore[no-untyped-def]
    """Serves the simulated day's zip 16 kB every 0.5 s until a test clears ``chunk_pause``;
    ``began`` is set when the download starts."""
    path = "/" + sim_file.path.name
    state = Archive(files={path: sim_file.path.read_bytes()}, chunk_pause={path: 0.5})
    with serve(state) as url:
        yield state, url


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(prepare_home(tmp_path / "home")),
        "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        "AISLAKE_DMA_BASE_URL": url,
        "AISLAKE_WORKDIR": str(tmp_path),
    }
    env.pop("MINIO_ENDPOINT", None)
    return env


def _start(env: dict[str, str], ignore_signals: bool = False) -> subprocess.Popen[str]:
    args = ["materialize", "dma_ais_bronze", "--date", str(SIM_DAY)]

    def ignore() -> None:  # as a process started in the background may be
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    return subprocess.Popen(
        [sys.executable, "-c", CLI.format(args=args)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ignore if ignore_signals else None,
    )


def _materialize(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = ["materialize", "dma_ais_bronze", "--date", str(SIM_DAY)]
    return subprocess.run(
        [sys.executable, "-c", CLI.format(args=args)],
        env=env,
        text=True,
        capture_output=True,
        timeout=180,
    )


def test_a_killed_runs_pool_slot_is_freed_by_the_next_command(
    tmp_path: Path, mirror: tuple[Archive, str]
) -> None:
    state, url = mirror
    env = _env(tmp_path, url)
    child = _start(env)
    assert state.began.wait(60), child.communicate()
    time.sleep(1)  # inside the download: the step holds the dma_download slot
    child.kill()  # kill -9: no cleanup of its own
    child.wait(30)
    state.chunk_pause.clear()
    done = _materialize(env)  # waited for ever on the dead run's slot before
    assert done.returncode == 0, done.stdout + done.stderr
    assert "marked failed, its pool slots freed" in done.stdout
    assert "is gone" in done.stdout
    # The killed run's download folder was removed by the next run.
    assert not [p for p in tmp_path.glob(f"aislake-dma-*@{child.pid}@*")]


def test_the_cli_stops_on_sigterm_even_started_with_signals_ignored(
    tmp_path: Path, mirror: tuple[Archive, str]
) -> None:
    state, url = mirror
    env = _env(tmp_path, url)
    child = _start(env, ignore_signals=True)
    assert state.began.wait(60), child.communicate()
    time.sleep(1)
    stopped = time.monotonic()
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert time.monotonic() - stopped < 30
    assert child.returncode == 130, out + err
    assert "stopped by a signal" in err
    state.chunk_pause.clear()
    done = _materialize(env)  # its slot was given back as it stopped
    assert done.returncode == 0, done.stdout + done.stderr


def _dagster_materialize(env: dict[str, str]) -> subprocess.Popen[str]:
    dagster = str(Path(sys.executable).with_name("dagster"))
    return subprocess.Popen(
        [
            dagster,
            "asset",
            "materialize",
            "-m",
            "aislake.definitions",
            "--select",
            "dma_ais_bronze",
            "--partition",
            str(SIM_DAY),
        ],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_slot_of_a_run_dagster_launched_is_freed_by_the_next_run(
    tmp_path: Path, mirror: tuple[Archive, str]
) -> None:
    """The fault probe (issue 26): after kill -9 of `dagster asset materialize` holding the
    pool slot, the next one waited on "Step blocked by limit for pool" for 90 s and more. A run
    of any launcher names its step's process on the run; the next run frees the slot of a
    process that is gone as it starts, and says so."""
    state, url = mirror
    env = _env(tmp_path, url)
    child = _dagster_materialize(env)
    assert state.began.wait(90), child.communicate()
    time.sleep(1)  # inside the download: the step holds the dma_download slot
    child.kill()
    child.wait(30)
    state.chunk_pause.clear()
    started = time.monotonic()
    again = _dagster_materialize(env)
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out[-3000:]
    assert "is gone: marked failed, its dma_download slot (dma_ais_bronze) freed" in out, out[
        -3000:
    ]
    assert time.monotonic() - started < 60


def test_a_step_already_waiting_gets_the_slot_of_a_holder_killed_meanwhile(
    tmp_path: Path, mirror: tuple[Archive, str]
) -> None:
    """Run A holds the download slot; run B starts and waits ("blocked by limit for pool");
    A is killed: B's own watch frees the dead holder's slot and B finishes."""
    state, url = mirror
    env = {**_env(tmp_path, url), "AISLAKE_SLOT_WATCH_SECONDS": "1"}
    holder = _dagster_materialize(env)
    assert state.began.wait(90), holder.communicate()
    waiter = _dagster_materialize(env)
    time.sleep(8)  # B has started and waits for the slot
    assert waiter.poll() is None
    holder.kill()
    holder.wait(30)
    state.chunk_pause.clear()
    killed = time.monotonic()
    out, _ = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, out[-3000:]
    # It said what it waited for, then took the slot once the holder was gone.
    assert "pool dma_download: 1 of 1 slots held by run " in out, out[-3000:]
    assert "blocked by limit for pool dma_download" in out.lower(), out[-3000:]
    waited = time.monotonic() - killed
    print(f"the waiting run finished {waited:.1f} s after the holder was killed")
    assert "freed" in out and waited < 45
