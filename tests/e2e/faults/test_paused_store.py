"""A stalled S3 store: the server (moto, in a process of its own) is paused with SIGSTOP, so it
accepts connections and never answers. Calls fail in bounded time with a clear error; resumed,
the store works again and nothing stored was lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aislake.storage.store import S3Store, StoreError
from conftest import free_port

pytestmark = pytest.mark.faults

SERVER = (
    "import sys, time; from moto.server import ThreadedMotoServer; "
    "s = ThreadedMotoServer('127.0.0.1', int(sys.argv[1]), verbose=False); s.start(); "
    "time.sleep(3600)"
)


@pytest.fixture
def moto_process() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield proc, f"127.0.0.1:{port}"
    finally:
        proc.kill()  # SIGKILL works on a stopped process too
        proc.wait(10)


def test_a_paused_store_fails_in_bounded_time_and_loses_nothing(
    moto_process: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    proc, endpoint = moto_process
    store = S3Store(endpoint, "paused-lake", "testing-key", "testing-secret", read_timeout=1.0)
    data = tmp_path / "a.csv"
    data.write_bytes(b"header\nrow\n")
    store.put_file(data, "bronze/dma/a.csv")
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match=rf"S3 store at {endpoint} did not answer list_keys"):
            store.list_keys("bronze/")
        assert time.monotonic() - started < 30  # 4 attempts of 1 s and short back-offs
        with pytest.raises(StoreError, match="did not answer put_file"):
            store.put_file(data, "bronze/dma/b.csv")
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    assert store.read_range("bronze/dma/a.csv", 100) == b"header\nrow\n"
    # The refused PUT was queued by the kernel and may land once the server resumes: whole, as
    # a PUT is atomic (a staged object of a failed step is cleaned up by the next writer).
    late = set(store.list_keys("bronze/")) - {"bronze/dma/a.csv"}
    assert late <= {"bronze/dma/b.csv"}
    if late:
        assert store.read_range("bronze/dma/b.csv", 100) == b"header\nrow\n"
