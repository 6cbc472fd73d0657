"""The object store: the same behaviour from the local directory and from S3 over real HTTP."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import pytest
from minio.error import S3Error

from aislake.storage.store import LocalStore, ObjectStore, S3Store, StoreError, validate_key


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


POINTER = "_current/silver/source=x/dt=1.json"
DAY, REJECTS = "silver/ais/source=x/dt=1/", "silver/ais_rejects/source=x/dt=1/"


def _stage(store: ObjectStore, tmp_path: Path, tag: bytes) -> dict[str, str]:
    """A version of a day: silver part-0 and rejects part-0, whose bytes say which version."""
    staged = store.staging_prefix()
    for sub in ("silver", "rejects"):
        store.put_file(
            _file(tmp_path, f"{sub}-{tag.decode()}", tag), f"{staged}/{sub}/part-0.parquet"
        )
    return {DAY: f"{staged}/silver", REJECTS: f"{staged}/rejects"}


def _current_bytes(store: ObjectStore) -> set[bytes]:
    keys = [k for ks in store.version(POINTER, [DAY, REJECTS]).values() for k in ks]
    return {store.read_range(k, 100) for k in keys}


def test_publish_switches_every_prefix_at_once_and_removes_the_old_version(
    store: ObjectStore, tmp_path: Path
) -> None:
    store.put_file(_file(tmp_path, "legacy", b"v0"), f"{DAY}part-0.parquet")  # before pointers
    assert store.current(DAY, POINTER) == []  # no pointer: not there (until migrated)
    store.adopt(POINTER, {DAY: [f"{DAY}part-0.parquet"], REJECTS: []})
    assert store.current(DAY, POINTER) == [f"{DAY}part-0.parquet"]
    first = store.publish(_stage(store, tmp_path, b"v1"), POINTER)
    assert _current_bytes(store) == {b"v1"}
    assert store.list_keys(DAY) == first[DAY] and first[DAY][0].startswith(f"{DAY}part-0.")
    second = store.publish(_stage(store, tmp_path, b"v2"), POINTER)
    assert second[DAY] != first[DAY]  # a version never writes over another's keys
    assert _current_bytes(store) == {b"v2"}
    assert store.list_keys("silver/") == sorted(second[DAY] + second[REJECTS])
    assert store.list_keys("_staging/") == []


@pytest.mark.faults
def test_a_writer_killed_before_its_pointer_leaves_the_old_version_whole(
    store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced at the worst point: the new files of both prefixes are in place, the pointer is
    not. Readers still see the old version of both; the next publish removes the strays."""
    store.publish(_stage(store, tmp_path, b"v1"), POINTER)

    def killed(pointer: str, content: dict) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(store, "_write_pointer", killed)
    with pytest.raises(KeyboardInterrupt):
        store.publish(_stage(store, tmp_path, b"v2"), POINTER)
    monkeypatch.undo()
    assert _current_bytes(store) == {b"v1"}  # not silver v2 with rejects v1
    assert len(store.list_keys(DAY)) == 2  # the stray v2 file is there...
    third = store.publish(_stage(store, tmp_path, b"v3"), POINTER)
    assert store.list_keys(DAY) == third[DAY]  # ...until the next publish


@pytest.mark.faults
def test_readers_never_see_two_versions_while_a_day_is_replaced(
    store: ObjectStore, tmp_path: Path
) -> None:
    """A reader resolving and reading the day while a writer replaces it 15 times: each read is
    one version of silver and rejects together, or a file already removed (read again)."""
    store.publish(_stage(store, tmp_path, b"v0"), POINTER)
    stop = threading.Event()

    def writer() -> None:
        for i in range(1, 16):
            store.publish(_stage(store, tmp_path / "w", f"v{i}".encode()), POINTER)
        stop.set()

    (tmp_path / "w").mkdir()
    thread = threading.Thread(target=writer)
    thread.start()
    seen, missing = [], 0
    while not stop.is_set():
        try:
            seen.append(_current_bytes(store))
        except (FileNotFoundError, S3Error, StoreError):
            missing += 1  # removed between resolving and reading: never a mix
    thread.join()
    assert seen and all(len(versions) == 1 for versions in seen), seen
    assert _current_bytes(store) == {b"v15"}


def test_publish_refuses_to_empty_a_partition(store: ObjectStore, tmp_path: Path) -> None:
    first = store.publish(_stage(store, tmp_path, b"v1"), POINTER)
    with pytest.raises(StoreError, match="nothing staged"):
        store.publish({DAY: store.staging_prefix()}, POINTER)
    assert store.current(DAY, POINTER) == first[DAY]


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
