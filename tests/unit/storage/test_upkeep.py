"""Vacuuming the tables: what no version within the retention uses goes, nothing else; from the
function, the command and the daily Dagster job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aislake.cli import main
from aislake.defs.resources import LakeStorage
from aislake.defs.upkeep import lake_upkeep_job
from aislake.duck.engine import connect
from aislake.duck.sql import sql_literal
from aislake.storage.current import partition_keys
from aislake.storage.store import LocalStore, ObjectStore
from aislake.storage.tables import partition_files, publish
from aislake.storage.upkeep import table_roots, vacuum
from support.tables import three_engines

DAY = "gold/vessel_tracks/dt=2024-01-15/"
OLD_DAY = "gold/vessel_tracks/dt=2024-01-14/"


def _publish(store: ObjectStore, prefix: str, tag: str) -> list[str]:
    store.list_keys("_staging/")  # an S3 store makes its bucket on first use
    staged = store.staging_prefix()
    key = f"{staged}/part-0.parquet"
    store.prepare_write(key)
    select = f"SELECT DATE '{prefix[-11:-1]}' AS dt, {tag!r} AS tag, range AS mmsi FROM range(4)"
    connect(store).execute(f"COPY ({select}) TO {sql_literal(store.uri(key))} (FORMAT parquet)")
    return publish(store, {prefix: staged})[prefix]


def test_vacuum_removes_what_no_version_in_the_retention_uses(store: ObjectStore) -> None:
    kept_old = _publish(store, OLD_DAY, "old")  # current, and the oldest file of the table
    first = _publish(store, DAY, "v1")
    _publish(store, DAY, "v2")
    current = _publish(store, DAY, "v3")
    stray = f"{DAY}part-0.20240101T000000Z-deadbeef.parquet"  # a killed writer's, never committed
    store.put_file(_file(b"PAR1 not committed"), stray)
    heatmap = f"{DAY}heatmap.png"  # the product's, beside its files
    store.put_file(_file(b"png"), heatmap)
    assert partition_files(store, DAY, version=1) == first  # time travel, while files are kept

    week = vacuum(store, dt.timedelta(days=7))  # everything is younger than a week: nothing goes
    assert [t.removed for t in week] == [[]]
    assert vacuum(store, dt.timedelta(0), dry_run=True)[0].removed
    assert store.exists(first[0])  # a dry run removes nothing

    (done,) = vacuum(store, dt.timedelta(0))
    assert done.root == "gold/vessel_tracks" and done.bytes_removed > 0
    assert stray in done.removed and first[0] in done.removed
    assert not set(done.removed) & set(current + kept_old)  # what the latest version uses stays
    assert store.exists(heatmap) and not store.exists(first[0])
    assert partition_keys(store, DAY) == current and partition_keys(store, OLD_DAY) == kept_old
    for rows in three_engines(
        store, "gold/vessel_tracks", "SELECT tag, count(*) FROM {t} GROUP BY ALL ORDER BY ALL"
    ):
        assert rows == [("old", 4), ("v3", 4)]


def _file(data: bytes) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "f"
    path.write_bytes(data)
    return path


def test_the_command_and_the_daily_job_vacuum_the_lake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = LocalStore(tmp_path / "lake")
    first = _publish(store, DAY, "v1")
    _publish(store, DAY, "v2")
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(store.root))
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    assert main(["vacuum", "--retention-days", "0", "--dry-run"]) == 0
    assert "gold/vessel_tracks (version 1): would remove 1 files" in capsys.readouterr().out
    assert store.exists(first[0])
    monkeypatch.setenv("AISLAKE_RETENTION_DAYS", "0")
    result = lake_upkeep_job.execute_in_process(
        resources={"storage": LakeStorage(lake_dir=str(store.root))}
    )
    assert result.success and result.output_for_node("vacuum_lake_tables") == 1
    assert not store.exists(first[0]) and table_roots(store) == ["gold/vessel_tracks"]
