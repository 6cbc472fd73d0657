"""Products stitched across days (port visits, voyages, gaps) built the operator's way, one day
at a time with ``aislake materialize``, equal a fresh build of the same days, row for row.

The fault probe (issue 26): three days built with ``aislake materialize voyages_gold --date D``
and ``... ais_gaps_gold --date D`` left ``port_visits`` at 104 visits and none across midnight
(303, 21 across midnight, fresh), because a product without partitions that existed counted as
up to date when new days arrived under it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aislake.cli import main
from aislake.duck.engine import connect
from aislake.gold.registry import PRODUCTS, build_product
from aislake.silver.build import build_silver
from aislake.simulate.dmafile import write_dma_zip
from aislake.sources.registry import bronze_key
from aislake.storage.current import dataset_keys
from aislake.storage.store import LocalStore
from conftest import SIM_DAY, SMALL_FLEET
from support.archive import serve_folder

pytestmark = [pytest.mark.faults, pytest.mark.slow]

DAYS = [SIM_DAY + dt.timedelta(days=i) for i in range(3)]
HISTORY = [p.name for p in PRODUCTS if p.partitioning == "history"]


def _rows(store: LocalStore, name: str, sql: str = "SELECT * FROM {t} ORDER BY ALL") -> list:
    keys = dataset_keys(store, f"gold/{name}/")
    files = "[" + ", ".join(f"'{store.uri(k)}'" for k in keys) + "]"
    return connect(store).execute(sql.format(t=f"read_parquet({files})")).fetchall()


def test_day_by_day_cli_builds_equal_a_fresh_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in DAYS:
        write_dma_zip(day, tmp_path / "mirror", SMALL_FLEET)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    with serve_folder(tmp_path / "mirror") as url:
        monkeypatch.setenv("AISLAKE_DMA_BASE_URL", url)
        for day in DAYS:  # what an operator or a daily job does
            assert main(["materialize", "voyages_gold", "--date", str(day)]) == 0
            assert main(["materialize", "ais_gaps_gold", "--date", str(day)]) == 0
    daily = LocalStore(tmp_path / "lake")

    fresh = LocalStore(tmp_path / "fresh")  # the same bronze, every product built at once
    con = connect(fresh)
    for day in DAYS:
        key = bronze_key("dma", day)
        daily.get_file(key, tmp_path / "day.csv")
        fresh.put_file(tmp_path / "day.csv", key)
        build_silver(con, fresh, key, day)
    for product in PRODUCTS:
        if product.partitioning == "daily":
            for day in DAYS:
                build_product(con, fresh, product.name, day)
        elif product.partitioning == "history":
            build_product(con, fresh, product.name, None)

    across = "SELECT count(*) FROM {t} WHERE arrival::DATE < coalesce(departure, last_seen)::DATE"
    assert _rows(fresh, "port_visits", across)[0][0] > 0  # the case the probe found broken
    assert HISTORY
    for name in HISTORY:
        assert _rows(daily, name) == _rows(fresh, name), name
