"""The production instance (deploy/dagster.yaml) on a real PostgreSQL, started here."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from aislake.gold.registry import PRODUCTS
from aislake.ops.demo import materialize_day
from conftest import REPO, SIM_DAY, free_port
from sysdeps import postgres_bin

pytestmark = [pytest.mark.slow, pytest.mark.deploy]


def _as_postgres(*args: str) -> list[str]:
    # initdb refuses to run as root; CI and developers' machines run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    bindir = postgres_bin()
    data = Path(tempfile.mkdtemp(prefix="aislake-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(
        _as_postgres(str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(data / "log"),
            "start",
        ),
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                con = psycopg2.connect(
                    host="127.0.0.1", port=port, user="postgres", dbname="postgres"
                )
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        con.autocommit = True
        con.cursor().execute("CREATE USER dagster PASSWORD 'pg-test-password'")
        con.cursor().execute("CREATE DATABASE dagster OWNER dagster")
        con.close()
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_DB": "dagster",
            "DAGSTER_PG_USERNAME": "dagster",
            "DAGSTER_PG_PASSWORD": "pg-test-password",
        }
    finally:
        subprocess.run(
            _as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)


def test_a_day_materialised_on_the_production_instance_is_recorded_in_postgres(
    postgres: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mirror_url: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for key, value in {**postgres, "DAGSTER_HOME": str(home)}.items():
        monkeypatch.setenv(key, value)
    env = {"AISLAKE_DMA_BASE_URL": mirror_url, "AISLAKE_LAKE_DIR": str(tmp_path / "lake")}
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 2
        result = materialize_day(SIM_DAY, env, instance)
        assert result.success
    con = psycopg2.connect(
        host="127.0.0.1",
        port=int(postgres["DAGSTER_PG_PORT"]),
        user="dagster",
        password="pg-test-password",
        dbname="dagster",
    )
    with con, con.cursor() as cur:
        cur.execute("SELECT run_id, status FROM runs")
        assert cur.fetchall() == [(result.run_id, "SUCCESS")]
        cur.execute(
            "SELECT DISTINCT asset_key FROM event_logs "
            "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND partition = %s",
            (SIM_DAY.isoformat(),),
        )
        assets = {row[0] for row in cur.fetchall()}
    con.close()
    assert '["dma_ais_silver"]' in assets and '["vessel_tracks_gold"]' in assets
    daily = [p for p in PRODUCTS if p.partitioning == "daily"]  # the others: no day partition
    assert len(assets) == 2 + len(daily)
