"""What a killed writer leaves (staged objects, spill and download folders) is removed by the
next one, on both backends; what live writers and strangers own is left alone."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from aislake.duck.engine import DuckDBSettings, open_duckdb
from aislake.storage.leftovers import MAX_AGE_SECONDS
from aislake.storage.store import LocalStore, ObjectStore

pytestmark = pytest.mark.faults


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_staged_objects_of_a_dead_writer_are_removed(store: ObjectStore, tmp_path: Path) -> None:
    host = socket.gethostname()
    places = {
        "dead": f"_staging/{host}@{dead_pid()}@a1",
        "live": f"_staging/{host}@{os.getpid()}@b2",
        "other_host_young": "_staging/another-pod@1@c3",
        "not_ours": "_staging/0123456789abcdef",
    }
    part = tmp_path / "part.parquet"
    part.write_bytes(b"PAR1")
    for place in places.values():
        store.put_file(part, f"{place}/silver/part-0.parquet")
    assert store.clean_stale_staging() == [places["dead"] + "/"]
    left = {k.split("/")[1] for k in store.list_keys("_staging/")}
    assert left == {p.split("/")[1] for n, p in places.items() if n != "dead"}


def test_another_hosts_staging_is_removed_once_old(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    part = tmp_path / "part.parquet"
    part.write_bytes(b"PAR1")
    store.put_file(part, "_staging/another-pod@1@c3/part-0.parquet")
    old = time.time() - MAX_AGE_SECONDS - 60
    os.utime(store.uri("_staging/another-pod@1@c3/part-0.parquet"), (old, old))
    assert store.clean_stale_staging() == ["_staging/another-pod@1@c3/"]


def test_spill_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    host = socket.gethostname()
    dead = tmp_path / f"duckdb-{host}@{dead_pid()}@x1"
    live = tmp_path / f"duckdb-{host}@{os.getpid()}@x2"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "duckdb_temp_storage_S32K-0.tmp").write_bytes(b"\0" * 1024)
    con = open_duckdb(DuckDBSettings("1GB", None, str(tmp_path)))
    assert not dead.exists() and live.exists()
    con.close()
