"""The object store: the same behaviour from the local directory and from S3 over real HTTP."""

from __future__ import annotations

import functools
import os
import tempfile
import time
from pathlib import Path

import pytest

from aislake.storage.store import LocalStore, ObjectStore, S3Store, StoreError, validate_key
from support.threads import at_once


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_put_get_list_size_and_read_range(store: ObjectStore, tmp_path: Path) -> None:
    store.put_file(_file(tmp_path, "a.csv", b"header\nrow1\n"), "bronze/dma/a.csv")
    store.put_file(_file(tmp_path, "b.csv", b"x"), "bronze/dma/b.csv")
    assert store.exists("bronze/dma/a.csv") and not store.exists("bronze/dma/zzz.csv")
    assert store.list_keys("bronze/dma/") == ["bronze/dma/a.csv", "bronze/dma/b.csv"]
    assert store.size("bronze/dma/a.csv") == 12
    assert store.read_range("bronze/dma/a.csv", 6) == b"header"
    out = tmp_path / "back.csv"
    store.get_file("bronze/dma/a.csv", out)
    assert out.read_bytes() == b"header\nrow1\n"


def test_put_replaces_an_object_whole(store: ObjectStore, tmp_path: Path) -> None:
    store.put_file(_file(tmp_path, "v1", b"old contents, longer"), "k/obj")
    store.put_file(_file(tmp_path, "v2", b"new"), "k/obj")
    assert store.read_range("k/obj", 100) == b"new"
    assert store.list_keys("k/") == ["k/obj"]  # no temporary names left behind


def test_move_in_publishes_a_file_the_caller_is_done_with(
    store: ObjectStore, tmp_path: Path
) -> None:
    store.put_file(_file(tmp_path, "old", b"old day"), "bronze/dma/day.csv")
    day = _file(tmp_path, "day.csv", b"header\nrow\n")
    store.move_in(day, "bronze/dma/day.csv")
    assert store.read_range("bronze/dma/day.csv", 100) == b"header\nrow\n"
    assert store.list_keys("bronze/dma/") == ["bronze/dma/day.csv"]  # no temporary names
    if isinstance(store, LocalStore):  # renamed, not copied: the local file is the object now
        assert not day.exists()


def test_move_in_copies_what_it_cannot_rename(tmp_path: Path) -> None:
    """A file on another filesystem (the workdir on tmpfs, the lake on disk) is copied."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on a filesystem of its own")
    store = LocalStore(tmp_path / "lake")
    with tempfile.TemporaryDirectory(dir=shm) as far:
        day = _file(Path(far), "day.csv", b"header\nrow\n")
        store.move_in(day, "bronze/dma/day.csv")
        assert store.read_range("bronze/dma/day.csv", 100) == b"header\nrow\n"
    assert store.list_keys("bronze/") == ["bronze/dma/day.csv"]


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a/.."])
def test_keys_that_escape_the_lake_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid object key"):
        validate_key(key)


def test_local_store_uri_is_a_path_inside_the_root(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    assert store.uri("silver/x.parquet") == str(tmp_path / "lake" / "silver" / "x.parquet")


@pytest.mark.faults
def test_unreachable_s3_store_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    from conftest import free_port

    store = S3Store(f"127.0.0.1:{free_port()}", "lake", "key", "do-not-print-me")
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"cannot reach the S3 store at 127\.0\.0\.1") as caught:
        store.exists("x")
    assert time.monotonic() - started < 30
    assert "do-not-print-me" not in str(caught.value)
    assert "do-not-print-me" not in repr(store)


def test_s3_store_creates_its_bucket(s3_store: S3Store, tmp_path: Path) -> None:
    s3_store.put_file(_file(tmp_path, "f", b"1"), "a/b")
    assert s3_store.client.bucket_exists(s3_store.bucket)


def test_moves_out_of_staging_by_writers_at_once_are_no_error(tmp_path: Path) -> None:
    # Each move prunes the staging folders it emptied, up to the lake's root; another writer
    # pruning (or filling) the same parents at that moment is no error (found by CI: two
    # threads publishing days at once, one removing ``_staging/`` under the other).
    store = LocalStore(tmp_path / "lake")
    for round_ in range(40):
        staged = [f"_staging/w{w}@{round_}/0/part-0.parquet" for w in range(4)]
        for key in staged:
            store.prepare_write(key)
            (tmp_path / "lake" / key).write_bytes(key.encode())
        moves = [
            functools.partial(
                store.move, k, k.replace("_staging/", "gold/x/all/").replace("/0/", "-")
            )
            for k in staged
        ]
        assert at_once(moves) == []
        assert store.list_keys("_staging/") == []
        assert len(store.list_keys("gold/x/all/")) == 4 * (round_ + 1)
    assert not (tmp_path / "lake" / "_staging").exists()
