"""Leftover folders on a root that processes of one host share (DuckDB's spill folders)."""

from __future__ import annotations

import threading
from pathlib import Path

from aislake.storage.leftovers import clean_folders


def test_folders_that_others_remove_meanwhile_are_no_error(tmp_path: Path) -> None:
    # Other processes create and remove their own folders under the root while one cleans it
    # (found by two test workers: a folder listed, then gone before its age was read).
    stop = threading.Event()

    def churn(worker: int) -> None:
        n = 0
        while not stop.is_set():
            folder = tmp_path / f"duckdb-otherhost@{n}@{worker}"
            folder.mkdir()
            folder.rmdir()
            n += 1

    workers = [threading.Thread(target=churn, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    try:
        for _ in range(300):
            assert clean_folders(tmp_path, "duckdb-") == []  # another host's, young: kept
    finally:
        stop.set()
        for w in workers:
            w.join()
