"""The offline demo: a simulated DMA day through bronze, silver and gold on the local lake.

It writes the day into a local mirror, serves the mirror over HTTP on loopback, and materialises
every asset and check for the day with real Dagster through the real download code.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from aislake.defs.resources import build_resources, lake_storage
from aislake.lake.duck import connect
from aislake.lake.layout import bronze_key, gold_prefix
from aislake.lake.quality import partition_files, silver_stats
from aislake.simulate.dmafile import write_dma_zip
from aislake.simulate.mirror import serve_folder
from aislake.simulate.traffic import FleetSize

DEMO_DAY = dt.date(2024, 1, 15)


def all_assets_and_checks() -> list:
    from aislake.definitions import defs

    loaded = defs()
    return [*(loaded.assets or []), *(loaded.asset_checks or [])]


def materialize_day(
    day: dt.date, env: dict[str, str], instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInJobResult:
    """Materialise every asset and check of aislake for ``day`` in-process."""
    return dg.materialize(
        all_assets_and_checks(),
        partition_key=day.isoformat(),
        resources=build_resources(env),
        instance=instance,
        raise_on_error=False,
        # Progress and results, not every step event; the UI keeps the full event log.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )


@dataclass
class DemoReport:
    day: dt.date
    success: bool
    lake: str
    bronze: str
    silver_rows: int
    rejects_by_reason: dict[str, int]
    summary: list[tuple]
    checks: dict[str, bool]
    gold_products: list[str]


def run_demo(
    day: dt.date = DEMO_DAY,
    workdir: Path = Path("data"),
    fleet: FleetSize | None = None,
    instance: dg.DagsterInstance | None = None,
) -> DemoReport:
    mirror = workdir / "mirror"
    simulated = write_dma_zip(day, mirror, fleet)
    env = dict(os.environ)
    env.setdefault("AISLAKE_LAKE_DIR", str(workdir / "lake"))
    with serve_folder(mirror) as base_url:
        env["AISLAKE_DMA_BASE_URL"] = base_url
        result = materialize_day(day, env, instance)
    storage = lake_storage(env)
    store = storage.store()
    con = connect(store)
    stats = silver_stats(con, store, "dma", day)
    gold = partition_files(store, gold_prefix("ais_daily_summary", day))
    summary = (
        con.execute(
            "SELECT ship_type, vessels, messages, distance_nm, hours_under_way "
            f"FROM read_parquet({gold}) ORDER BY messages DESC"
        ).fetchall()
        if gold != "[]"
        else []
    )
    con.close()
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    return DemoReport(
        day=day,
        success=result.success and simulated.rows > 0,
        lake=storage.describe(),
        bronze=store.uri(bronze_key("dma", day)),
        silver_rows=stats.rows,
        rejects_by_reason=stats.rejects_by_reason,
        summary=summary,
        checks=checks,
        gold_products=sorted({k.split("/")[1] for k in store.list_keys("gold/")}),
    )
