"""A real `dagster dev`, a backfill through `aislake backfill` with a day that fails and is
retried, and the UI in Chromium.

Starts dagster dev (webserver + daemon) on a free loopback port with a temporary DAGSTER_HOME,
launches a real asset backfill with the aislake CLI, waits for it, retries its failed day,
checks `aislake status` and `aislake query`, then loads the asset's partition page in headless
Chromium (Debian's package) and keeps a screenshot in test-artifacts/. Every process started
here is stopped here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import sysdeps
from aislake.instance import prepare_home
from aislake.simulate.dmafile import write_dma_zip
from conftest import REPO, SMALL_FLEET, free_port

pytestmark = [pytest.mark.slow, pytest.mark.ui]
BIN = Path(sys.executable).parent
DAYS = [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
ARTIFACTS = REPO / "test-artifacts"


def _default_signals() -> None:
    # Background shells may start us with SIGINT/SIGTERM ignored; dagster dev must obey them.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the whole process group: INT (dagster dev's clean shutdown), then KILL."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            # dagster dev's children share the group: make sure none is left.
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    root = tmp_path_factory.mktemp("ui")
    mirror = root / "mirror"
    for day in DAYS:
        write_dma_zip(day, mirror, SMALL_FLEET)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(prepare_home(root / "home")),
        "AISLAKE_LAKE_DIR": str(root / "lake"),
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
    }
    env.pop("MINIO_ENDPOINT", None)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (root / "dagster-dev.log").open("wb")
    command = [str(BIN / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(
        [*command, "-m", "aislake.definitions"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_default_signals,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"dagster dev did not start:\n{(root / 'dagster-dev.log').read_text()[-3000:]}"
                )
            time.sleep(1)
        yield url, env
    finally:
        _stop(proc)
        log.close()


def _aislake(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "aislake"), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_backfill_retry_the_failed_day_then_see_them_in_the_ui(
    stack: tuple[str, dict[str, str]],
) -> None:
    """One backfill of four days, the last not published yet: three materialise, one fails and
    is named; once DMA publishes it, `--retry-failed` re-runs only that day; `status`, `query`
    and the UI show all four. (One flow: each backfill waits on the daemon's 30 s iterations.)"""
    url, env = stack
    late = dt.date(2024, 1, 4)  # not in the mirror yet: DMA has not published it
    first = _aislake(
        env,
        "backfill",
        "dma_ais_silver",
        "--from",
        str(DAYS[0]),
        "--to",
        str(late),
        "--upstream",
        "--url",
        url,
        "--timeout",
        "480",
        "--poll",
        "1",
    )
    assert first.returncode == 1, first.stdout + first.stderr
    assert "dma_ais_silver               3/4 materialised, 1 failed" in first.stdout
    backfill_id = first.stdout.split("backfill ", 1)[1].split()[0]
    assert f"aislake backfill --retry-failed {backfill_id}" in first.stdout

    status = _aislake(env, "status", "dma_ais_silver")
    assert status.returncode == 0, status.stderr
    for day in DAYS:
        (line,) = [x for x in status.stdout.splitlines() if x.strip().startswith(str(day))]
        assert "materialized" in line and "dma_silver_keys_valid=succeeded" in line
    status = _aislake(env, "status", "dma_ais_bronze", "--from", str(late), "--to", str(late))
    assert f"{late}  failed" in status.stdout

    mirror = Path(urllib.request.url2pathname(env["AISLAKE_DMA_BASE_URL"].removeprefix("file://")))
    write_dma_zip(late, mirror, SMALL_FLEET)  # DMA publishes the day
    retry = _aislake(
        env,
        "backfill",
        "--retry-failed",
        backfill_id,
        "--url",
        url,
        "--timeout",
        "480",
        "--poll",
        "1",
    )
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert "dma_ais_silver               1/1 materialised, 0 failed" in retry.stdout
    status = _aislake(env, "status", "dma_ais_silver", "--from", str(late), "--to", str(late))
    assert f"{late}  materialized" in status.stdout

    query = _aislake(
        env,
        "query",
        "--csv",
        "SELECT dt, count(*) > 10000 AS ok FROM silver_ais GROUP BY dt ORDER BY dt",
    )
    assert query.stdout.splitlines()[1:] == [f"{d},True" for d in [*DAYS, late]]

    # The UI, as a person sees it: dismiss the community dialog, then load the asset's partitions.
    _graphql(url, "mutation { setNuxSeen }")
    browser = str(sysdeps.chromium())  # installed here on a fresh machine
    ARTIFACTS.mkdir(exist_ok=True)
    page = f"{url}/assets/dma_ais_silver?view=partitions"
    flags = [
        "--headless",
        *sysdeps.CHROMIUM_FLAGS,
        f"--user-data-dir={ARTIFACTS / 'chromium-profile'}",
        "--virtual-time-budget=20000",
        "--window-size=1400,900",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120
    ).stdout
    assert "dma_ais_silver" in dom
    assert "Materialized (4)" in dom.replace("<!-- -->", ""), dom[-2000:]
    shot = ARTIFACTS / "dma_ais_silver_partitions.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", page], capture_output=True, timeout=120
    )
    assert shot.stat().st_size > 10_000
