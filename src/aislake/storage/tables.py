"""The lake's datasets as Delta Lake tables: silver, its rejects and every gold product.

A table lives under its root (``silver/ais``, ``silver/ais_rejects``, ``gold/<product>``), its
log under ``<root>/_delta_log/``. DuckDB writes the Parquet files as it always did; a partition
(``source=dma/dt=2024-01-15``, ``dt=...``, ``month=...``, or a product's whole table, ``all/``)
is replaced by *registering* those files in one commit: an overwrite of that partition that adds
the new files and removes the old ones, with no byte of data rewritten (delta-rs's
``create_write_transaction``). Any engine that reads Delta (DuckDB's ``delta_scan``, Polars,
DataFusion, Spark, Trino) sees the old version or the new one, never a mix, and never a file a
killed writer left: a file no commit names is not in the table.

A day's silver and its rejects are two tables, so two commits: the rejects first, then silver,
whose commit records the rejects table's version as a Delta *app transaction*
(``aislake/silver/ais_rejects/source=dma/dt=...``). aislake reads a day's rejects at that version
(:func:`linked_files`), so the two always belong together; another engine reading the rejects table
at its latest version may see, for a day whose publish was killed between the two commits, the
rejects of a silver day that never landed, until the day is published again.

Files a version no longer uses stay in place (time travel) until
:func:`aislake.storage.upkeep.vacuum` removes those older than the retention.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable
from deltalake import Schema as DeltaSchema
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError
from deltalake.transaction import (
    AddAction,
    CommitProperties,
    RemoveAction,
    Transaction,
    create_table_with_add_actions,
)

from aislake.storage.store import ObjectStore, StoreError

WHOLE = "all"  # the folder of a product rebuilt whole (no partition columns)
# A partition column the files do not carry is typed from its name: a day and a month are DATEs
# (a month is its first day: ``month=2024-01-01``, as the column in its files).
COLUMN_TYPES = {"dt": pa.date32(), "month": pa.date32()}
# A commit that loses a race to another process's commit (the table's creation, a metadata
# change) tries again from the new latest version, this many times in all.
COMMIT_ATTEMPTS = 8
# A checkpoint every 10 commits (Delta's default: 100): a reader opening a table replays at most
# 10 JSON entries after it, 10 GETs on S3 instead of up to 100.
TABLE_CONFIGURATION = {"delta.checkpointInterval": "10"}


@dataclass(frozen=True)
class Partition:
    """One partition of one table: ``silver/ais`` with ``source=dma``, ``dt=2024-01-15``."""

    root: str
    values: tuple[tuple[str, str], ...]

    @property
    def prefix(self) -> str:
        """Where its files go: ``<root>/<col>=<value>/.../`` (``<root>/all/`` when whole)."""
        folders = "".join(f"{k}={v}/" for k, v in self.values) or f"{WHOLE}/"
        return f"{self.root}/{folders}"

    @property
    def columns(self) -> list[str]:
        return [k for k, _ in self.values]


def partition_of(prefix: str) -> Partition:
    """The table partition a dataset prefix names (``gold/vessel_tracks/dt=2024-01-15/``)."""
    parts = prefix.strip("/").split("/")
    silver = parts[0] == "silver" and len(parts) > 1 and parts[1] in ("ais", "ais_rejects")
    if len(parts) < 3 or not (silver or parts[0] == "gold"):
        raise ValueError(f"{prefix!r} is not a partition of a silver or gold table")
    if parts[2:] == [WHOLE]:
        return Partition("/".join(parts[:2]), ())
    if not all("=" in p for p in parts[2:]):
        raise ValueError(f"{prefix!r}: partition folders are <column>=<value>")
    values = tuple((k, v) for k, _, v in (p.partition("=") for p in parts[2:]))
    return Partition("/".join(parts[:2]), values)


def app_id(prefix: str) -> str:
    """The app transaction a partition's version is recorded under, in another table's commit."""
    return f"aislake/{prefix.strip('/')}"


# ---- reading a Parquet file's footer (two small range reads, no data) -------------------------

FOOTER_GUESS = 64 * 1024


def footer(store: ObjectStore, key: str) -> tuple[int, pq.FileMetaData]:
    """The file's size and Parquet metadata, from its last bytes only."""
    size = store.size(key)
    start = max(0, size - FOOTER_GUESS)
    tail = store.read_slice(key, start, size - start)
    if size < 12 or tail[-4:] != b"PAR1":
        raise StoreError(f"{key} is not a Parquet file (no PAR1 footer): nothing was committed")
    length = int.from_bytes(tail[-8:-4], "little")
    if length + 8 > len(tail):
        tail = store.read_slice(key, size - length - 8, length + 8)
    # The footer alone, framed as a file: the metadata holds every offset, none is followed here.
    framed = pa.BufferReader(b"PAR1" + tail[-(length + 8) :])
    return size, pq.read_metadata(framed)


def _stat_value(value: object) -> Any:
    """A Parquet min/max as Delta's stats JSON carries it; ``None`` where not kept."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    # Strings (writers may truncate their statistics) and timestamps (Delta keeps milliseconds)
    # are left out: a missing statistic only costs a file read, a wrong one loses rows.
    return None


def file_stats(meta: pq.FileMetaData, skip: set[str]) -> str:
    """Delta's per-file statistics (row count; min, max and nulls of the top-level numeric and
    date columns), from the footer's row-group statistics: readers skip files with them."""
    mins: dict[str, object] = {}
    maxs: dict[str, object] = {}
    nulls: dict[str, int] = {}
    for c in range(meta.num_columns):
        name = meta.schema.column(c).path
        if "." in name or name in skip:
            continue
        lo: Any = None
        hi: Any = None
        count: int | None = 0
        for g in range(meta.num_row_groups):
            st = meta.row_group(g).column(c).statistics
            if st is None or not st.has_min_max:
                lo = hi = count = None
                break
            a, b = _stat_value(st.min), _stat_value(st.max)
            if a is None or b is None:
                lo = hi = count = None
                break
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
            count = None if count is None or st.null_count is None else count + st.null_count
        if lo is not None:
            mins[name], maxs[name] = lo, hi
            if count is not None:
                nulls[name] = count
    return json.dumps(
        {"numRecords": meta.num_rows, "minValues": mins, "maxValues": maxs, "nullCount": nulls}
    )


# ---- opening and committing ---------------------------------------------------------------------


AsOf = int | dt.datetime
"""A table version (an integer, per table) or a moment (the version each table had then)."""


def open_table(store: ObjectStore, root: str, version: AsOf | None = None) -> DeltaTable | None:
    """The table under ``root`` at ``version`` (else its latest); ``None`` if none exists (or,
    for a moment, did not exist yet)."""
    uri, options = store.table_location(root)
    try:
        if isinstance(version, dt.datetime):
            latest = DeltaTable(uri, storage_options=options or None)
            found = _version_at(store, root, int(latest.version()), version)
            if found is None:
                return None
            return DeltaTable(uri, version=found, storage_options=options or None)
        return DeltaTable(uri, version=version, storage_options=options or None)
    except TableNotFoundError:
        return None
    except (DeltaError, OSError) as exc:
        raise StoreError(f"cannot read the table at {root}: {exc}") from exc


def _version_at(store: ObjectStore, root: str, latest: int, moment: dt.datetime) -> int | None:
    """The last version committed at or before ``moment`` (by the commit times the log
    records, not the log files' modification times, which S3 keeps to the second); ``None``
    before the first. A binary search: a few log entries read."""
    logged = [k.rsplit("/", 1)[1] for k in store.list_keys(f"{root}/_delta_log/")]
    first = min(int(n[:20]) for n in logged if n.endswith(".json") and n[:20].isdigit())
    if _committed_at(store, root, first) > moment:
        if first == 0:
            return None  # the table did not exist yet
        raise StoreError(
            f"{root}: {moment.isoformat()} is before the oldest version its log keeps "
            f"({first}; Delta keeps 30 days of log)"
        )
    lo, hi = first, latest
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _committed_at(store, root, mid) <= moment:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _committed_at(store: ObjectStore, root: str, version: int) -> dt.datetime:
    """When a version was committed (its log entry's commitInfo)."""
    key = f"{root}/_delta_log/{version:020d}.json"
    for line in store.read_range(key, 1 << 26).splitlines():
        info = json.loads(line).get("commitInfo")
        if info and "timestamp" in info:
            return dt.datetime.fromtimestamp(info["timestamp"] / 1000, tz=dt.UTC)
    raise StoreError(f"{key} names no commit time")


def _schema(metas: list[pq.FileMetaData], partition: Partition) -> pa.Schema:
    """The files' columns, and the partition columns they do not carry."""
    schema = metas[0].schema.to_arrow_schema().remove_metadata()
    for other in metas[1:]:
        if not other.schema.to_arrow_schema().remove_metadata().equals(schema):
            raise StoreError(f"the files of {partition.prefix} do not share one schema")
    for name in partition.columns:
        if name not in schema.names:
            schema = schema.append(pa.field(name, COLUMN_TYPES.get(name, pa.string())))
    return schema


def _evolved(table: DeltaTable, new: pa.Schema, partition: Partition) -> pa.Schema:
    """The table's columns, then the new files' columns it lacks (a nullable column added: old
    files read as NULL there). A column whose type changed is refused, nothing committed."""
    current = pa.schema(table.schema().to_arrow())
    fields = list(current)
    for field in new:
        if field.name not in current.names:
            fields.append(field.with_nullable(True))
        elif not current.field(field.name).type.equals(field.type):
            raise StoreError(
                f"{partition.prefix}: column {field.name} is {field.type} in the new files but "
                f"{current.field(field.name).type} in the table {partition.root}; nothing was "
                "committed (a type change needs the table rebuilt: see docs/storage.md)"
            )
    return pa.schema(fields)


def commit(
    store: ObjectStore, partition: Partition, keys: list[str], apps: dict[str, int] | None = None
) -> int:
    """Make ``keys`` (already in place under the partition's prefix) the partition's files in
    one commit, removing the ones it had; record ``apps`` (app id -> version) with it. Returns
    the table version committed."""
    if not keys:
        raise StoreError(f"no files for {partition.prefix}: refusing to empty it")
    uri, options = store.table_location(partition.root)
    now = int(time.time() * 1000)
    footers = [footer(store, k) for k in keys]
    metas = [m for _, m in footers]
    schema = _schema(metas, partition)
    adds = [
        AddAction(
            key[len(partition.root) + 1 :],
            size,
            dict(partition.values),
            now,
            True,
            file_stats(meta, set(partition.columns)),
        )
        for key, (size, meta) in zip(keys, footers, strict=True)
    ]
    actions: list[AddAction | RemoveAction] = list(adds)
    props: dict[str, Any] = {
        "custom_metadata": {"aislake.partition": partition.prefix},
        "app_transactions": [Transaction(a, v) for a, v in (apps or {}).items()] or None,
    }
    columns = partition.columns or None
    lost: DeltaError | None = None
    for attempt in range(COMMIT_ATTEMPTS):
        table = open_table(store, partition.root)
        try:
            if table is None:
                create_table_with_add_actions(
                    uri,
                    DeltaSchema.from_arrow(schema),
                    adds,
                    mode="error",
                    partition_by=columns,
                    configuration=TABLE_CONFIGURATION,
                    storage_options=options or None,
                    # A creation that finds version 0 taken must fail, not be retried by delta-rs
                    # as a second CREATE TABLE on top (it would reset the table's schema).
                    commit_properties=CommitProperties(**props, max_commit_retries=0),
                )
                return 0
            table.create_write_transaction(
                actions,
                mode="overwrite",
                schema=_evolved(table, schema, partition),
                partition_by=columns,
                partition_filters=[(k, "=", v) for k, v in partition.values] or None,
                commit_properties=CommitProperties(**props),
            )
            return _committed_version(store, partition, keys)
        except DeltaError as exc:
            if table is None and "exists" in str(exc).lower():
                continue  # another process made the table first: commit into it
            if not isinstance(exc, CommitFailedError):
                raise StoreError(f"the commit of {partition.prefix} failed: {exc}") from exc
            lost = exc  # another commit took the version: nothing of this one was written
        time.sleep(0.05 * 2**attempt)
    raise StoreError(
        f"the commit of {partition.prefix} lost {COMMIT_ATTEMPTS} races with other writers of "
        f"the table {partition.root} (last: {lost}); nothing of it was committed: run it again"
    )


def _committed_version(store: ObjectStore, partition: Partition, keys: list[str]) -> int:
    """The latest version, once it holds ``keys`` as the partition's files: the version that
    names this commit's files (other partitions' commits may have landed since; another commit
    of the same partition since is an error, as two writers replaced one day at once)."""
    table = open_table(store, partition.root)
    if table is not None:
        found = sorted(k for k, v in _files(store, table, partition.root) if v == partition.values)
        if found == sorted(keys):
            return int(table.version())
    raise StoreError(
        f"{partition.prefix} was replaced by another writer right after this commit: "
        "two runs of one partition at once; run it again"
    )


def publish(store: ObjectStore, groups: dict[str, str]) -> dict[str, list[str]]:
    """Publish, as each partition's new version, the files staged under each ``groups`` value
    (keyed by the partition's prefix); returns the published keys per prefix.

    1. Each staged file moves to a key no version had before (``part-0.parquet`` ->
       ``part-0.<version>.parquet``): no file a reader may be reading is ever written over.
    2. One commit per partition, in the order given: each commit records the versions of those
       before it (app transactions), so silver, committed after its rejects, names them.
    """
    tag = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    moved: dict[str, list[str]] = {}
    for final_prefix, staged_prefix in groups.items():
        partition = partition_of(final_prefix)
        staged_prefix = staged_prefix.rstrip("/") + "/"
        staged = store.list_keys(staged_prefix)
        if not staged:
            raise StoreError(
                f"nothing staged under {staged_prefix}: refusing to empty {partition.prefix}"
            )
        moved[final_prefix] = []
        for key in staged:
            stem, dot, ext = key[len(staged_prefix) :].rpartition(".")
            final = (
                f"{partition.prefix}{stem}.{tag}{dot}{ext}"
                if dot
                else f"{partition.prefix}{ext}.{tag}"
            )
            store.move(key, final)
            moved[final_prefix].append(final)
    apps: dict[str, int] = {}
    for final_prefix, keys in moved.items():
        partition = partition_of(final_prefix)
        apps[app_id(partition.prefix)] = commit(store, partition, keys, apps)
    return moved


# ---- which files are current ----------------------------------------------------------------


def _files(
    store: ObjectStore, table: DeltaTable, root: str
) -> Iterable[tuple[str, tuple[tuple[str, str], ...]]]:
    """(key, partition values) of every file of the table's loaded version."""
    actions = pa.table(table.get_add_actions(flatten=True))
    uri, _ = store.table_location(root)
    columns = [c for c in actions.column_names if c.startswith("partition.")]
    values = {c: actions.column(c).to_pylist() for c in columns}
    for i, path in enumerate(actions.column("path").to_pylist()):
        rel = path[len(uri) + 1 :] if path.startswith(uri + "/") else path
        yield (
            f"{root}/{rel}",
            tuple((c.removeprefix("partition."), str(values[c][i])) for c in columns),
        )


def partition_files(store: ObjectStore, prefix: str, version: int | None = None) -> list[str]:
    """The keys of the partition's files in the table's latest version (or ``version``)."""
    partition = partition_of(prefix)
    table = open_table(store, partition.root, version)
    if table is None:
        return []
    return sorted(k for k, v in _files(store, table, partition.root) if v == partition.values)


def table_files(
    store: ObjectStore,
    root: str,
    keep: Callable[[str], bool] | None = None,
    as_of: AsOf | None = None,
) -> list[str]:
    """The keys of every file of the table's latest version (or the one ``as_of`` names); with
    ``keep``, of the partitions whose prefix (``gold/x/dt=2024-01-15/``) it keeps."""
    table = open_table(store, root.rstrip("/"), as_of)
    if table is None:
        return []
    root = root.rstrip("/")
    return sorted(
        k for k, v in _files(store, table, root) if keep is None or keep(Partition(root, v).prefix)
    )


def partitions(store: ObjectStore, root: str) -> list[Partition]:
    """The partitions the table's latest version holds files in."""
    table = open_table(store, root.rstrip("/"))
    if table is None:
        return []
    found = {Partition(root.rstrip("/"), v) for _, v in _files(store, table, root.rstrip("/"))}
    return sorted(found, key=lambda p: p.prefix)


def linked_files(store: ObjectStore, prefix: str, mate: str) -> tuple[list[str], list[str]]:
    """The files of ``prefix`` and of ``mate``, the partition of another table committed before
    it and recorded in its commit (silver's day and its rejects): always of one publish."""
    partition = partition_of(prefix)
    table = open_table(store, partition.root)
    if table is None:
        return [], []
    own = sorted(k for k, v in _files(store, table, partition.root) if v == partition.values)
    if not own:
        return [], []
    version = table.transaction_version(app_id(mate))
    return own, (partition_files(store, mate, version) if version is not None else [])
