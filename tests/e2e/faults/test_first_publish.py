"""A day's publish killed with ``kill -9``: what no commit names is not the day, for aislake and
for any engine reading the tables.

Before tables, a partition with no pointer fell back to every data file under its prefix, so the
files a killed first publish had moved in were read as the day (the fault probe: 90,193 of
99,432 rows counted by ``aislake query``). Real processes: a child publishes and kills itself
(SIGKILL) at the worst points: every file moved in, and the rejects committed but not silver.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aislake.cli import main
from aislake.query.views import lake_connection
from aislake.storage.current import day_keys, partition_keys
from aislake.storage.migrate import convert_to_tables
from aislake.storage.store import LocalStore, ObjectStore, S3Store
from aislake.storage.tables import open_table
from support.tables import three_engines

pytestmark = pytest.mark.faults

DAY = "silver/ais/source=dma/dt=2024-01-15/"
REJECTS = "silver/ais_rejects/source=dma/dt=2024-01-15/"

CHILD = """
import json, os, signal, sys
from pathlib import Path
from aislake.duck.engine import connect
from aislake.storage import tables
from aislake.storage.store import LocalStore, S3Store
spec, kill_at = json.loads(sys.argv[1]), sys.argv[2]
store = LocalStore(Path(spec["root"])) if "root" in spec else S3Store(**spec)
staged = store.staging_prefix()
con = connect(store)
for sub, n in (("silver", 5000), ("rejects", 50)):
    key = f"{staged}/{sub}/part-0.parquet"
    store.prepare_write(key)
    rows = f"SELECT range AS mmsi, 'dma' AS source FROM range({n})"
    con.execute(f"COPY ({rows}) TO '{store.uri(key)}' (FORMAT parquet)")
real = tables.commit
def commit(store_, partition, keys, apps=None):
    if kill_at == "first commit" or partition.root == "silver/ais":
        os.kill(os.getpid(), signal.SIGKILL)
    return real(store_, partition, keys, apps)
tables.commit = commit
tables.publish(store, {spec_rej: f"{staged}/rejects", spec_day: f"{staged}/silver"})
""".replace("spec_day", repr(DAY)).replace("spec_rej", repr(REJECTS))


def _spec(store: ObjectStore) -> str:
    if isinstance(store, LocalStore):
        return json.dumps({"root": str(store.root)})
    assert isinstance(store, S3Store)
    return json.dumps(
        {
            "endpoint": store.endpoint,
            "bucket": store.bucket,
            "access_key": store.access_key,
            "secret_key": store.secret_key,
        }
    )


def _killed_publish(store: ObjectStore, kill_at: str) -> None:
    child = subprocess.run([sys.executable, "-c", CHILD, _spec(store), kill_at], timeout=120)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("kill_at", ["first commit", "silver commit"])
def test_a_killed_first_publish_is_not_read_as_the_day(store: ObjectStore, kill_at: str) -> None:
    store.list_keys("silver/")  # an S3 store makes its bucket on first use
    _killed_publish(store, kill_at)
    assert store.list_keys(DAY) and store.list_keys(REJECTS)  # the moved files are there...
    assert open_table(store, "silver/ais") is None  # ...no commit names them
    assert day_keys(store, "dma", dt.date(2024, 1, 15)) == ([], [])  # ...so not the day
    _, views = lake_connection(store)
    assert "silver_ais" not in views
    # Killed after the rejects' commit: that table holds them, as docs/storage.md says.
    assert bool(partition_keys(store, REJECTS)) == (kill_at == "silver commit")
    assert convert_to_tables(store) == []  # a killed publish's versioned files are never taken


def test_a_killed_replacement_leaves_the_day_as_it_was(tmp_path: Path) -> None:
    from aislake.duck.engine import connect
    from aislake.storage.tables import publish

    store = LocalStore(tmp_path / "lake")
    staged = store.staging_prefix()
    for sub, n in (("silver", 7), ("rejects", 1)):
        key = f"{staged}/{sub}/part-0.parquet"
        store.prepare_write(key)
        rows = f"SELECT range AS mmsi, 'dma' AS source FROM range({n})"
        connect(store).execute(f"COPY ({rows}) TO '{store.uri(key)}' (FORMAT parquet)")
    before = publish(store, {REJECTS: f"{staged}/rejects", DAY: f"{staged}/silver"})
    for kill_at in ("first commit", "silver commit"):
        _killed_publish(store, kill_at)
        assert day_keys(store, "dma", dt.date(2024, 1, 15)) == (before[DAY], before[REJECTS])
    con, _ = lake_connection(store)
    assert con.execute("SELECT count(*) FROM silver_ais").fetchone() == (7,)
    # Engines that are not aislake read the version before the kills too.
    assert three_engines(store, "silver/ais", "SELECT count(*) FROM {t}") == [[(7,)]] * 3


def test_a_lake_from_before_pointers_is_committed_once(tmp_path: Path) -> None:
    from aislake.duck.engine import connect

    store = LocalStore(tmp_path / "lake")
    con = connect(store)
    for key in (
        f"{DAY}part-0.parquet",
        f"{REJECTS}part-0.parquet",
        "gold/vessel_stops/dt=2024-01-15/part-0.parquet",
    ):
        store.prepare_write(key)
        con.execute(f"COPY (SELECT 1 AS mmsi) TO '{store.uri(key)}' (FORMAT parquet)")
    assert lake_connection(store)[1] == []  # no tables: nothing is there
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AISLAKE_LAKE_DIR", str(store.root))
        mp.delenv("MINIO_ENDPOINT", raising=False)
        assert main(["migrate"]) == 0
    assert lake_connection(store)[1] == ["silver_ais", "rejects", "vessel_stops"]
    assert day_keys(store, "dma", dt.date(2024, 1, 15)) == (
        [f"{DAY}part-0.parquet"],
        [f"{REJECTS}part-0.parquet"],
    )
    assert convert_to_tables(store) == []  # once
