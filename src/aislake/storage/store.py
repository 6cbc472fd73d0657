"""The object store behind the lake: one interface, a local directory or an S3-compatible bucket.

Keys are the same in both backends (``bronze/dma/aisdk-2024-01-15.csv``). Every write is atomic:
a reader sees the old object or the new one, never a half-written one.

- Local: files are written under a temporary name in the same folder, then ``os.replace``-d.
- S3: a single PUT (multipart for large files) only becomes visible when it completes.

Datasets (silver, rejects, gold) are Delta Lake tables over these objects: a partition is
replaced by :func:`aislake.storage.tables.publish`, which stages files under
``_staging/<host>@<pid>@<uuid>/`` (:meth:`ObjectStore.staging_prefix`), moves them to keys of
their own and commits them. What a killed process staged is removed by the next writer
(:meth:`ObjectStore.clean_stale_staging`).
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from aislake.storage.leftovers import owner, owner_gone

STAGING_ROOT = "_staging"
F = TypeVar("F", bound=Callable[..., Any])

# Large objects go up in parts of this size: memory stays bounded whatever the file size.
MULTIPART_PART_SIZE = 64 * 1024 * 1024


class StoreError(RuntimeError):
    """The store cannot be reached or refused an operation; the message says which and why."""


def validate_key(key: str) -> str:
    """Reject keys that could escape the lake (absolute, ``..``, empty parts)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or any(p in ("", ".", "..") for p in parts[:-1])
        or (parts[-1] in (".", ".."))
    ):
        raise ValueError(f"invalid object key {key!r}: keys are relative paths like 'a/b/c.csv'")
    return key


class ObjectStore(ABC):
    """What the lake needs from storage; both backends implement exactly this."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """Where DuckDB reads or writes the key: a local path or ``s3://bucket/key``."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix`` (recursive), sorted."""

    @abstractmethod
    def put_file(self, local_path: Path, key: str) -> None:
        """Upload a local file atomically, streaming (never whole in memory)."""

    def move_in(self, local_path: Path, key: str) -> None:
        """Publish a local file the caller is done with under ``key``, atomically: a local
        store on the same filesystem renames it (no copy of a 2.6 GB day); otherwise it is
        uploaded as :meth:`put_file` does and left for the caller to remove."""
        self.put_file(local_path, key)

    @abstractmethod
    def get_file(self, key: str, local_path: Path) -> None:
        """Download the key to a local file, streaming."""

    @abstractmethod
    def iter_bytes(self, key: str, chunk: int = 8 * 1024 * 1024) -> Iterator[bytes]:
        """The object's bytes in chunks, streaming (to count a CSV's lines)."""

    @abstractmethod
    def read_range(self, key: str, length: int) -> bytes:
        """The first ``length`` bytes of the object (to read a CSV header without the file)."""

    @abstractmethod
    def read_slice(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes of the object from ``offset`` (a Parquet file's footer)."""

    @abstractmethod
    def table_location(self, root: str) -> tuple[str, dict[str, str]]:
        """Where a table under ``root`` (``silver/ais``) lives for Delta Lake's readers and
        writers: its URI and the storage options that reach it (no secret is logged)."""

    @abstractmethod
    def delete(self, keys: list[str]) -> None: ...

    @abstractmethod
    def move(self, staged_key: str, final_key: str) -> None:
        """Move one staged object to its final key, atomically for that object."""

    @abstractmethod
    def prepare_write(self, key: str) -> None:
        """Make the key writable by an external writer (DuckDB): create folders locally."""

    @abstractmethod
    def _ages(self, prefix: str) -> list[tuple[str, float]]:
        """(key, seconds since it was written) of every key under ``prefix``."""

    def staging_prefix(self) -> str:
        """A new staging place, named after its owner (``_staging/<host>@<pid>@<uuid>``)."""
        return f"{STAGING_ROOT}/{owner()}@{uuid.uuid4().hex}"

    def clean_stale_staging(self) -> list[str]:
        """Remove what processes that are gone (killed mid-write) left under ``_staging/``;
        returns the staging places removed. Live writers' places are left alone."""
        places: dict[str, list[tuple[str, float]]] = {}
        for key, age in self._ages(f"{STAGING_ROOT}/"):
            places.setdefault(key.split("/")[1], []).append((key, age))
        removed = []
        for name, keys in sorted(places.items()):
            if owner_gone(name, min(age for _, age in keys)):
                self.delete([k for k, _ in keys])
                removed.append(f"{STAGING_ROOT}/{name}/")
        return removed

    def discard_prefix(self, prefix: str) -> None:
        """Remove everything under ``prefix`` (a failed run's staged files)."""
        self.delete(self.list_keys(prefix.rstrip("/") + "/"))


@dataclass
class LocalStore(ObjectStore):
    """A lake in a local directory: zero services, works offline."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root).absolute()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def list_keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        folder = base if prefix.endswith("/") or base.is_dir() else base.parent
        if not folder.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix) and ".tmp-" not in k)

    def put_file(self, local_path: Path, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.tmp-{uuid.uuid4().hex}")
        try:
            shutil.copyfile(local_path, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def move_in(self, local_path: Path, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(local_path, target)  # one filesystem: atomic, and nothing copied
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            self.put_file(local_path, key)

    def get_file(self, key: str, local_path: Path) -> None:
        shutil.copyfile(self._path(key), local_path)

    def _ages(self, prefix: str) -> list[tuple[str, float]]:
        now = time.time()
        return [(k, now - self._path(k).stat().st_mtime) for k in self.list_keys(prefix)]

    def iter_bytes(self, key: str, chunk: int = 8 * 1024 * 1024) -> Iterator[bytes]:
        with self._path(key).open("rb") as f:
            while data := f.read(chunk):
                yield data

    def read_range(self, key: str, length: int) -> bytes:
        with self._path(key).open("rb") as f:
            return f.read(length)

    def read_slice(self, key: str, offset: int, length: int) -> bytes:
        with self._path(key).open("rb") as f:
            f.seek(offset)
            return f.read(length)

    def table_location(self, root: str) -> tuple[str, dict[str, str]]:
        return str(self._path(root)), {}

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            self._prune_empty_dirs(path.parent)

    def _prune_empty_dirs(self, folder: Path) -> None:
        """Remove ``folder`` and its parents while empty; another writer may fill one or
        remove it first (both fine: the pruning stops there)."""
        while folder != self.root:
            try:
                folder.rmdir()
            except OSError:  # not empty, or already gone
                return
            folder = folder.parent

    def move(self, staged_key: str, final_key: str) -> None:
        src, dst = self._path(staged_key), self._path(final_key)
        for _ in range(3):  # another writer may prune the new empty folder before the rename
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(src, dst)  # same filesystem: atomic
                break
            except FileNotFoundError:
                if not src.exists():
                    raise
        else:
            raise StoreError(f"{final_key}: its folder kept vanishing while {staged_key} moved in")
        self._prune_empty_dirs(src.parent)

    def prepare_write(self, key: str) -> None:
        self._path(key).parent.mkdir(parents=True, exist_ok=True)


def _reaching(call: F) -> F:
    """An S3 call whose transport fails (refused, reset, no answer in time) raises
    :class:`StoreError` naming the store and what to check."""

    @functools.wraps(call)
    def wrapper(self: S3Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(self, *args, **kwargs)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StoreError(
                f"the S3 store at {self.endpoint} did not answer {call.__name__.strip('_')} "
                f"({type(exc).__name__}: {exc}); is it running and reachable (MINIO_ENDPOINT)? "
                "Nothing was published by the step that needed it."
            ) from exc

    return wrapper  # type: ignore[return-value]


@dataclass
class S3Store(ObjectStore):
    """A lake in an S3-compatible bucket (MinIO in production; moto's server in the tests)."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    secure: bool = False
    region: str = "us-east-1"
    # A store that accepts connections but stops answering (stalled, paused) fails a call after
    # this long per attempt (4 attempts), instead of hanging the step.
    read_timeout: float = 120.0

    def __post_init__(self) -> None:
        # Few, quick retries: an unreachable store should fail in seconds with a clear message,
        # not hang for minutes inside urllib3's default retry loop.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=self.read_timeout),
            retries=urllib3.Retry(
                total=3, backoff_factor=0.3, status_forcelist=(500, 502, 503, 504)
            ),
        )
        self._client = Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=self.secure,
            region=self.region,
            http_client=http,
        )
        self._bucket_checked = False

    def __repr__(self) -> str:  # never show credentials
        return f"S3Store(endpoint={self.endpoint!r}, bucket={self.bucket!r})"

    @property
    def client(self) -> Minio:
        if not self._bucket_checked:
            try:
                if not self._client.bucket_exists(self.bucket):
                    self._client.make_bucket(self.bucket)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise StoreError(
                    f"cannot reach the S3 store at {self.endpoint} (MINIO_ENDPOINT): {exc}. "
                    "Is the server running, and is MINIO_SECURE right for it?"
                ) from exc
            except S3Error as exc:
                raise StoreError(
                    f"the S3 store at {self.endpoint} refused bucket {self.bucket!r}: {exc.code} "
                    "(check MINIO_ACCESS_KEY / MINIO_SECRET_KEY and AISLAKE_BUCKET)"
                ) from exc
            self._bucket_checked = True
        return self._client

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{validate_key(key)}"

    @_reaching
    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, validate_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return False
            raise
        return True

    @_reaching
    def size(self, key: str) -> int:
        size = self.client.stat_object(self.bucket, validate_key(key)).size
        return int(size or 0)

    @_reaching
    def list_keys(self, prefix: str) -> list[str]:
        objects = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
        return sorted(o.object_name for o in objects if o.object_name)

    @_reaching
    def _ages(self, prefix: str) -> list[tuple[str, float]]:
        now = time.time()
        return [
            (o.object_name, now - o.last_modified.timestamp() if o.last_modified else 0.0)
            for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            if o.object_name
        ]

    @_reaching
    def put_file(self, local_path: Path, key: str) -> None:
        self.client.fput_object(
            self.bucket, validate_key(key), str(local_path), part_size=MULTIPART_PART_SIZE
        )

    @_reaching
    def get_file(self, key: str, local_path: Path) -> None:
        self.client.fget_object(self.bucket, validate_key(key), str(local_path))

    def iter_bytes(self, key: str, chunk: int = 8 * 1024 * 1024) -> Iterator[bytes]:
        response = self.client.get_object(self.bucket, validate_key(key))
        try:
            yield from response.stream(chunk)
        finally:
            response.close()
            response.release_conn()

    @_reaching
    def read_range(self, key: str, length: int) -> bytes:
        response = self.client.get_object(self.bucket, validate_key(key), offset=0, length=length)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    @_reaching
    def read_slice(self, key: str, offset: int, length: int) -> bytes:
        response = self.client.get_object(
            self.bucket, validate_key(key), offset=offset, length=length
        )
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def table_location(self, root: str) -> tuple[str, dict[str, str]]:
        scheme = "https" if self.secure else "http"
        return f"s3://{self.bucket}/{validate_key(root)}", {
            "AWS_ENDPOINT_URL": f"{scheme}://{self.endpoint}",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "AWS_ALLOW_HTTP": str(not self.secure).lower(),
            # A commit is a put-if-absent of the log's next entry (MinIO, AWS S3 since 2024):
            # two writers never both take one version, with no lock service beside the store.
            "conditional_put": "etag",
        }

    @_reaching
    def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        errors = list(self.client.remove_objects(self.bucket, (DeleteObject(k) for k in keys)))
        if errors:
            raise StoreError(f"could not delete {len(errors)} objects, first: {errors[0]}")

    @_reaching
    def move(self, staged_key: str, final_key: str) -> None:
        # A server-side copy is atomic for the final key (single objects below 5 GiB: one day of
        # silver Parquet is a few hundred MB).
        self.client.copy_object(self.bucket, final_key, CopySource(self.bucket, staged_key))
        self.delete([staged_key])

    def prepare_write(self, key: str) -> None:
        validate_key(key)
