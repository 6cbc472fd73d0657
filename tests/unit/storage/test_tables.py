"""The lake's Delta Lake tables: one commit replaces a partition, and engines that are not aislake
(DuckDB's delta extension, Polars, delta-rs's pyarrow dataset) read exactly the committed
version, on both backends (a local folder; S3 over real HTTP to moto's server)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading

import polars as pl
import pytest

from aislake.duck.engine import connect
from aislake.duck.sql import sql_literal
from aislake.storage import tables
from aislake.storage.current import day_keys, partition_keys
from aislake.storage.store import LocalStore, ObjectStore, S3Store, StoreError
from aislake.storage.tables import Partition, partition_of, publish
from support.tables import duckdb_with_delta, three_engines
from support.threads import at_once

DAY = "silver/ais/source=x/dt=2024-01-15/"
OTHER = "silver/ais/source=x/dt=2024-01-16/"
REJECTS = "silver/ais_rejects/source=x/dt=2024-01-15/"


def _stage(store: ObjectStore, files: dict[str, str]) -> dict[str, str]:
    """Each prefix's rows (a SELECT) written by DuckDB into a staging place of its own."""
    store.list_keys("_staging/")  # an S3 store makes its bucket on first use
    con = connect(store)
    groups = {}
    for i, (prefix, select) in enumerate(files.items()):
        staged = f"{store.staging_prefix()}/{i}"
        key = f"{staged}/part-0.parquet"
        store.prepare_write(key)
        con.execute(f"COPY ({select}) TO {sql_literal(store.uri(key))} (FORMAT parquet)")
        groups[prefix] = staged
    return groups


def _day(tag: str, rows: int = 3, more: str = "") -> str:
    return f"SELECT range::BIGINT AS mmsi, 'x' AS source, {tag!r} AS tag{more} FROM range({rows})"


def _version(store: ObjectStore, tag: str, rows: int = 3) -> dict[str, list[str]]:
    """A day's new version: its rejects, then silver (as silver publishes them)."""
    groups = _stage(store, {REJECTS: f"SELECT {tag!r} AS tag, 'r' AS reason", DAY: _day(tag, rows)})
    return publish(store, groups)


def _tags(store: ObjectStore, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    files = "[" + ", ".join(sql_literal(store.uri(k)) for k in keys) + "]"
    rows = connect(store).execute(f"SELECT DISTINCT tag FROM read_parquet({files})").fetchall()
    return {r[0] for r in rows}


def test_prefixes_name_their_table_and_partition() -> None:
    assert partition_of(DAY) == Partition("silver/ais", (("source", "x"), ("dt", "2024-01-15")))
    assert partition_of("gold/anchorages/all/") == Partition("gold/anchorages", ())
    assert partition_of("gold/density/month=2024-01-01/").prefix == "gold/density/month=2024-01-01/"
    for bad in ("bronze/dma/x/", "silver/other/dt=1/", "gold/x/", "gold/x/2024-01-15/"):
        with pytest.raises(ValueError):
            partition_of(bad)


def test_a_publish_replaces_one_partition_in_one_commit(store: ObjectStore) -> None:
    first = _version(store, "v1")
    publish(store, _stage(store, {OTHER: _day("other", 5)}))
    second = _version(store, "v2", rows=4)
    assert second[DAY] != first[DAY]  # a version never writes over another's files
    assert _tags(store, partition_keys(store, DAY)) == {"v2"}
    assert _tags(store, partition_keys(store, OTHER)) == {"other"}  # the other day stays
    silver, rejects = day_keys(store, "x", dt.date(2024, 1, 15))
    assert (_tags(store, silver), _tags(store, rejects)) == ({"v2"}, {"v2"})
    # The old version's files stay for time travel: version 0 of silver is the first day.
    assert _tags(store, tables.partition_files(store, DAY, version=0)) == {"v1"}
    for rows in three_engines(
        store, "silver/ais", "SELECT dt, tag, count(*) FROM {t} GROUP BY ALL ORDER BY ALL"
    ):
        assert [(str(d), t, n) for d, t, n in rows] == [
            ("2024-01-15", "v2", 4),
            ("2024-01-16", "other", 5),
        ]
    assert store.list_keys("_staging/") == []


def test_a_publish_refuses_to_empty_a_partition(store: ObjectStore) -> None:
    first = _version(store, "v1")
    with pytest.raises(StoreError, match="nothing staged"):
        publish(store, {DAY: store.staging_prefix()})
    assert partition_keys(store, DAY) == first[DAY]


@pytest.mark.faults
def test_rejects_committed_without_their_silver_are_not_read_with_the_day(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the two commits: the rejects table has the new rejects, silver the old
    day; aislake reads the day's rejects at the version silver names, the old ones."""
    _version(store, "v1")
    real = tables.commit

    def killed_at_silver(store_: ObjectStore, partition: Partition, *args: object) -> int:
        if partition.root == "silver/ais":
            raise KeyboardInterrupt("killed")
        return real(store_, partition, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "commit", killed_at_silver)
    with pytest.raises(KeyboardInterrupt):
        _version(store, "v2")
    monkeypatch.undo()
    assert _tags(store, partition_keys(store, REJECTS)) == {"v2"}  # the rejects' latest...
    silver, rejects = day_keys(store, "x", dt.date(2024, 1, 15))
    assert (_tags(store, silver), _tags(store, rejects)) == ({"v1"}, {"v1"})  # ...not the day's
    _version(store, "v3")
    silver, rejects = day_keys(store, "x", dt.date(2024, 1, 15))
    assert (_tags(store, silver), _tags(store, rejects)) == ({"v3"}, {"v3"})


@pytest.mark.faults
def test_readers_never_see_two_versions_while_a_day_is_replaced(store: ObjectStore) -> None:
    """A writer replaces the day 12 times; meanwhile aislake's reader (the day's silver and
    rejects), DuckDB's delta_scan and Polars' scan_delta (the silver table) each see one
    version at every read."""
    _version(store, "v0")
    stop = threading.Event()

    def writer() -> None:
        try:
            for i in range(1, 13):
                _version(store, f"v{i}")
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    uri, options = store.table_location("silver/ais")
    con = duckdb_with_delta(store)
    ours, theirs, polars = [], [], []
    while not stop.is_set():
        silver, rejects = day_keys(store, "x", dt.date(2024, 1, 15))
        ours.append(_tags(store, silver) | _tags(store, rejects))
        scan = f"SELECT DISTINCT tag FROM delta_scan({sql_literal(uri)}) WHERE dt = '2024-01-15'"
        theirs.append({r[0] for r in con.execute(scan).fetchall()})
        frame = pl.scan_delta(uri, storage_options=options or None)
        day = frame.filter(pl.col("dt") == dt.date(2024, 1, 15)).select("tag").unique()
        polars.append(set(day.collect()["tag"]))
    thread.join()
    assert ours and theirs and polars
    assert all(len(v) == 1 for v in ours), ours
    assert all(len(v) == 1 for v in theirs), theirs
    assert all(len(v) == 1 for v in polars), polars
    silver, rejects = day_keys(store, "x", dt.date(2024, 1, 15))
    assert _tags(store, silver) | _tags(store, rejects) == {"v12"}


def test_days_committed_at_once_by_two_writers_both_land(store: ObjectStore) -> None:
    """A backfill publishes days concurrently into one table: every commit lands (delta-rs
    retries a commit whose version another took, as the partitions do not overlap)."""
    days = [f"silver/ais/source=x/dt=2024-02-{d:02d}/" for d in range(1, 9)]
    staged = {day: _stage(store, {day: _day(day[-11:-1])}) for day in days}

    def write(share: list[str]) -> None:
        for day in share:
            publish(store, staged[day])

    assert at_once([functools.partial(write, days[i::2]) for i in range(2)]) == []
    assert [_tags(store, partition_keys(store, day)) for day in days] == [
        {day[-11:-1]} for day in days
    ]


def test_first_commits_racing_make_one_table_and_all_land(store: ObjectStore) -> None:
    """Writers whose first days reach a table that does not exist yet: one creates it, the
    others commit into it (delta-rs left to itself retries a lost creation as a second CREATE
    TABLE on top, resetting the schema, and fails the commits that read the table before it)."""
    for round_ in range(6):
        days = [f"gold/race{round_}/dt=2024-03-{d:02d}/" for d in range(1, 5)]
        staged = {day: _stage(store, {day: _day(day[-11:-1])}) for day in days}
        assert at_once([functools.partial(publish, store, staged[day]) for day in days]) == []
        assert [_tags(store, partition_keys(store, day)) for day in days] == [
            {day[-11:-1]} for day in days
        ]
        log = [k for k in store.list_keys(f"gold/race{round_}/_delta_log/") if k.endswith("json")]
        operations = [
            json.loads(line)["commitInfo"]["operation"]
            for key in log
            for line in store.read_range(key, 1 << 20).splitlines()
            if b"commitInfo" in line
        ]
        assert sorted(operations) == ["CREATE TABLE"] + ["WRITE"] * (len(days) - 1)


def test_a_new_nullable_column_joins_the_table_and_old_days_read_null(
    store: ObjectStore,
) -> None:
    """Schema evolution without rewriting old days: the receivers column the NMEA source adds."""
    publish(store, _stage(store, {DAY: _day("old")}))
    before = {k for k in store.list_keys("silver/ais/") if k.endswith(".parquet")}
    publish(store, _stage(store, {OTHER: _day("new", more=", 2::INTEGER AS receivers")}))
    assert before <= set(store.list_keys("silver/ais/"))  # the old day's file untouched
    sql = "SELECT tag, receivers, count(*) FROM {t} GROUP BY ALL ORDER BY ALL"
    for rows in three_engines(store, "silver/ais", sql):
        assert rows == [("new", 2, 3), ("old", None, 3)]


def test_a_column_whose_type_changed_is_refused_with_the_reason(store: ObjectStore) -> None:
    publish(store, _stage(store, {DAY: _day("old")}))
    changed = "SELECT 'one' AS mmsi, 'x' AS source, 'new' AS tag"
    with pytest.raises(StoreError, match="column mmsi is string"):
        publish(store, _stage(store, {OTHER: changed}))
    assert partition_keys(store, OTHER) == []


def test_the_table_lives_where_the_store_says(store: ObjectStore) -> None:
    uri, options = store.table_location("gold/vessel_tracks")
    if isinstance(store, LocalStore):
        assert (uri, options) == (str(store.root / "gold" / "vessel_tracks"), {})
    else:
        assert isinstance(store, S3Store)
        assert uri == f"s3://{store.bucket}/gold/vessel_tracks"
        assert options["conditional_put"] == "etag"  # commits are put-if-absent
