"""The offline demo: a simulated DMA, NOAA or NMEA day through bronze, silver and gold on the
local lake.

It writes the day into a local mirror laid out like the source's archive (a DMA zip, a NOAA
csv2 ``.csv.zst`` or legacy zip, an NMEA receiver's daily log), serves the mirror over HTTP on
loopback, and materialises every asset and check of that source and gold for the day with real
Dagster through the real download code. For NMEA it also runs the live path: the recording
replayed as a TCP feed into a real receiver, whose chunks become today's bronze, silver, gold.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from aislake import settings
from aislake.defs.partitions import monthly_partitions, partition_key_for
from aislake.defs.resources import build_resources, lake_storage
from aislake.defs.sources import sources_selected
from aislake.duck.engine import connect
from aislake.duck.sql import partition_files
from aislake.silver.stats import silver_stats
from aislake.simulate.dmafile import write_dma_zip
from aislake.simulate.feed import FeedServer, read_lines
from aislake.simulate.mirror import serve_folder
from aislake.simulate.nmeafile import write_nmea_day
from aislake.simulate.noaafile import write_noaa_day
from aislake.simulate.traffic import FleetSize
from aislake.sources.nmea.archive import feed_chunks
from aislake.sources.nmea.receiver import Endpoint, Receiver
from aislake.sources.registry import bronze_key
from aislake.storage.layout import gold_prefix
from aislake.storage.store import ObjectStore
from aislake.storage.tables import partitions

DEMO_DAY = dt.date(2024, 1, 15)


def all_assets_and_checks(sources: str | None = None) -> list[Any]:
    """Every asset and check the code location defines, for the sources ``sources`` names
    (``AISLAKE_SOURCES``'s form; default: the environment's)."""
    from aislake.definitions import defs

    with sources_selected(sources):
        loaded = defs()
    return [*(loaded.assets or []), *(loaded.asset_checks or [])]


def _monthly(definition: object) -> bool:
    return getattr(definition, "partitions_def", None) == monthly_partitions


def materialize_day(
    day: dt.date,
    env: dict[str, str],
    instance: dg.DagsterInstance | None = None,
    gold: bool = True,
) -> dg.ExecuteInJobResult:
    """Materialise every daily and history asset and check of aislake for ``day`` in-process,
    for the sources ``env["AISLAKE_SOURCES"]`` names (monthly rollups: :func:`materialize_month`;
    one run has one partition key); without ``gold``, the sources' bronze and silver only."""
    everything = all_assets_and_checks(env.get("AISLAKE_SOURCES"))
    chosen = [
        a
        for a in everything
        if not _monthly(a) and (gold or "gold" not in getattr(a, "group_names_by_key", {}).values())
    ]
    return _materialize(chosen, day.isoformat(), env, instance)


def materialize_month(
    day: dt.date, env: dict[str, str], instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInJobResult:
    """Materialise the monthly rollups for the month of ``day`` from the days the lake holds."""
    everything = all_assets_and_checks(env.get("AISLAKE_SOURCES"))
    month = partition_key_for(monthly_partitions, day.isoformat())
    assert month is not None
    return _materialize([a for a in everything if _monthly(a)], month, env, instance)


def _materialize(
    assets: list[Any], key: str, env: dict[str, str], instance: dg.DagsterInstance | None
) -> dg.ExecuteInJobResult:
    return dg.materialize(
        assets,
        partition_key=key,
        resources=build_resources(env),
        instance=instance,
        raise_on_error=False,
        # Progress and results, not every step event; the UI keeps the full event log.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )


@dataclass
class DemoReport:
    source: str
    day: dt.date
    success: bool
    lake: str
    bronze: str
    silver_rows: int
    rejects_by_reason: dict[str, int]
    summary: list[tuple[Any, ...]]
    checks: dict[str, bool]
    gold_products: list[str]
    lake_sources: list[str]  # sources with silver in the lake (earlier demos included)


def run_demo(
    day: dt.date = DEMO_DAY,
    workdir: Path = Path("data"),
    fleet: FleetSize | None = None,
    instance: dg.DagsterInstance | None = None,
    source: str = "dma",
    noaa_format: str = "csv2",
) -> DemoReport:
    """Simulate ``source``'s day (NOAA: in ``noaa_format``) and take it through the lake."""
    mirror = workdir / "mirror" / source
    env = settings.variables()
    env.setdefault("AISLAKE_LAKE_DIR", str(workdir / "lake"))
    env["AISLAKE_SOURCES"] = source
    if source == "dma":
        # The Danish day carries the planted events at sea (a transfer, a drift, a crossing).
        simulated = write_dma_zip(day, mirror, fleet or FleetSize(events=True))
    elif source == "noaa":
        simulated = write_noaa_day(day, mirror, noaa_format, fleet)
        env["AISLAKE_NOAA_FORMAT"] = noaa_format
    else:
        raise ValueError(f"unknown source {source!r}: expected dma or noaa (nmea: run_nmea_demo)")
    with serve_folder(mirror) as base_url:
        url_setting = {
            "dma": "AISLAKE_DMA_BASE_URL",
            "noaa": "AISLAKE_NOAA_CSV2_BASE_URL"
            if noaa_format == "csv2"
            else "AISLAKE_NOAA_BASE_URL",
        }
        env[url_setting[source]] = base_url
        result = materialize_day(day, env, instance)
    return day_report(source, day, env, result, instance, simulated.rows)


def run_nmea_demo(
    day: dt.date = DEMO_DAY,
    workdir: Path = Path("data"),
    fleet: FleetSize | None = None,
    instance: dg.DagsterInstance | None = None,
    feed_seconds: float = 60.0,
    chunk_seconds: int = 20,
) -> list[DemoReport]:
    """Raw NMEA both ways in, offline: the simulated ``day`` as a receiver's daily log on a
    local mirror (bronze, silver and gold for ``day``), and the same recording replayed as a
    live TCP feed on loopback for ``feed_seconds`` into a real receiver (its times moved to
    today), whose closed chunks go through bronze, silver and gold for today."""
    mirror = workdir / "mirror" / "nmea"
    env = settings.variables()
    env.setdefault("AISLAKE_LAKE_DIR", str(workdir / "lake"))
    env["AISLAKE_SOURCES"] = "nmea"
    simulated = write_nmea_day(mirror, day, fleet or FleetSize(events=True))
    store = lake_storage(env).store()
    today = received_feed(
        simulated.path, day, store, workdir / "journal", feed_seconds, chunk_seconds
    )
    reports = []
    with serve_folder(mirror) as base_url:
        env["AISLAKE_NMEA_BASE_URL"] = base_url
        for when in sorted({day, *today}):
            result = materialize_day(when, env, instance)
            reports.append(day_report("nmea", when, env, result, instance, simulated.lines))
    return reports


def received_feed(
    log: Path,
    day: dt.date,
    store: ObjectStore,
    journal: Path,
    seconds: float,
    chunk_seconds: int,
) -> list[dt.date]:
    """Replay ``log`` (a recording of ``day``) as a TCP feed on loopback into a receiver for
    ``seconds`` (the whole recording, faster than real time), its times moved to today; the
    days the receiver published chunks for."""
    lines = read_lines(log)
    now = dt.datetime.now(dt.UTC)
    shift = (now.date() - day).days * 86400
    rate = max(len(lines) / max(seconds, 1.0), 200.0)
    with FeedServer(lines, rate=rate, shift=shift) as feed:
        receiver = Receiver(
            Endpoint("tcp", feed.host, feed.port), "demo", store, journal, chunk_seconds
        )
        thread = threading.Thread(target=receiver.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + seconds + 30
        while not feed.done and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # what the feed sent last reaches the journal
        receiver.stop.set()
        thread.join(30)
    receiver.finish()  # the open chunk too: the demo's feed is over
    return sorted({c.day for c in feed_chunks(store) if c.feed == "demo"})


def day_report(
    source: str,
    day: dt.date,
    env: dict[str, str],
    result: dg.ExecuteInJobResult,
    instance: dg.DagsterInstance | None,
    rows_in: int,
) -> DemoReport:
    """The demo's account of ``day``: the month's rollups built, silver and gold read back."""
    month = materialize_month(day, env, instance) if result.success else None
    storage = lake_storage(env)
    store = storage.store()
    con = connect(store)
    stats = silver_stats(con, store, source, day)
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
    runs = [result, *([month] if month else [])]
    checks = {e.check_name: e.passed for r in runs for e in r.get_asset_check_evaluations()}
    return DemoReport(
        source=source,
        day=day,
        success=all(r.success for r in runs) and month is not None and rows_in > 0,
        lake=storage.describe(),
        bronze=store.uri(bronze_key(source, day)),
        silver_rows=stats.rows,
        rejects_by_reason=stats.rejects_by_reason,
        summary=summary,
        checks=checks,
        gold_products=sorted({k.split("/")[1] for k in store.list_keys("gold/")}),
        lake_sources=sorted({dict(p.values)["source"] for p in partitions(store, "silver/ais")}),
    )
