"""`aislake demo --source nmea`'s two ways in, offline: the day's log from a mirror, and the
same recording replayed as a live TCP feed into a real receiver, each through bronze, silver
and gold with real Dagster."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from aislake.ops.demo import run_nmea_demo
from conftest import SIM_DAY, SMALL_FLEET


def test_the_nmea_demo_takes_a_log_and_a_live_feed_through_the_lake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AISLAKE_LAKE_DIR", raising=False)
    # With the planted events at sea, so that every product has rows and every check passes.
    fleet = replace(SMALL_FLEET, events=True)
    reports = run_nmea_demo(SIM_DAY, tmp_path, fleet=fleet, feed_seconds=4, chunk_seconds=2)
    today = dt.datetime.now(dt.UTC).date()
    assert reports[0].day == SIM_DAY and today in [r.day for r in reports]
    log, feed = reports[0], next(r for r in reports if r.day == today)
    assert log.success and feed.success, (log.checks, feed.checks)
    assert all(log.checks.values()) and all(feed.checks.values())
    # The feed replayed the whole recording: the same reports, heard by the same receivers.
    assert feed.silver_rows == log.silver_rows > 10_000
    assert feed.rejects_by_reason["duplicate"] == log.rejects_by_reason["duplicate"]
    lake = tmp_path / "lake"
    chunks = list(lake.glob(f"bronze/nmea/feed/demo/{today}/*.nmea.zst"))
    assert len(chunks) >= 2  # several closed chunks (2 s each)
    assert (lake / f"bronze/nmea/nmea-{today}.nmea.zst").is_file()
    assert list(lake.glob(f"gold/ais_daily_summary/dt={today}/part-0.*.parquet"))
