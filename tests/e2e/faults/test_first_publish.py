"""A day's first publish killed with ``kill -9`` before its pointer: the day is not there.

Before, a partition with no pointer fell back to every data file under its prefix, so the files
already moved in were read as the day (the fault probe: 90,193 of 99,432 rows counted by
``aislake query``, gold built on them with its checks passing). Real processes: a child
publishes and kills itself (SIGKILL) at the worst point, both prefixes moved, no pointer yet.
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
from aislake.storage.layout import pointer_key
from aislake.storage.migrate import adopt_unpointed
from aislake.storage.pointers import day_keys
from aislake.storage.store import LocalStore, ObjectStore, S3Store

pytestmark = pytest.mark.faults

DAY = "silver/ais/source=dma/dt=2024-01-15/"
REJECTS = "silver/ais_rejects/source=dma/dt=2024-01-15/"

CHILD = (
    """
import json, os, signal, sys
from pathlib import Path
from aislake.duck.engine import connect
from aislake.storage.store import LocalStore, S3Store
spec = json.loads(sys.argv[1])
store = LocalStore(Path(spec["root"])) if "root" in spec else S3Store(**spec)
staged = store.staging_prefix()
con = connect(store)
for sub, n in (("silver", 5000), ("rejects", 50)):
    key = f"{staged}/{sub}/part-0.parquet"
    store.prepare_write(key)
    rows = f"SELECT range AS mmsi FROM range({n})"
    con.execute(f"COPY ({rows}) TO '{store.uri(key)}' (FORMAT parquet)")
store._write_pointer = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
store.publish({spec_day: f"{staged}/silver", spec_rej: f"{staged}/rejects"}, spec_pointer)
""".replace("spec_day", repr(DAY))
    .replace("spec_rej", repr(REJECTS))
    .replace("spec_pointer", repr(pointer_key(DAY)))
)


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


def test_a_killed_first_publish_is_not_read_as_the_day(store: ObjectStore) -> None:
    store.list_keys("silver/")  # an S3 store makes its bucket on first use
    child = subprocess.run([sys.executable, "-c", CHILD, _spec(store)], timeout=120)
    assert child.returncode == -signal.SIGKILL
    assert store.list_keys(DAY) and store.list_keys(REJECTS)  # the moved files are there...
    assert not store.exists(pointer_key(DAY))
    assert day_keys(store, "dma", dt.date(2024, 1, 15)) == ([], [])  # ...but not the day
    _, views = lake_connection(store)
    assert "silver_ais" not in views and "rejects" not in views
    assert adopt_unpointed(store) == []  # a killed publish's versioned files are never adopted


def test_a_lake_from_before_pointers_is_adopted_once(tmp_path: Path) -> None:
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
    assert lake_connection(store)[1] == []  # no pointers: nothing is there
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AISLAKE_LAKE_DIR", str(store.root))
        mp.delenv("MINIO_ENDPOINT", raising=False)
        assert main(["migrate"]) == 0
    assert sorted(k for k in store.list_keys("_current/")) == [
        "_current/gold/vessel_stops/dt=2024-01-15.json",
        "_current/silver/source=dma/dt=2024-01-15.json",
    ]
    assert lake_connection(store)[1] == ["silver_ais", "rejects", "vessel_stops"]
    assert adopt_unpointed(store) == []  # once
