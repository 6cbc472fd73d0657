"""aislake materialize, status and query, in-process against a real instance and lake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aislake.cli import main
from conftest import SIM_DAY


@pytest.fixture
def lake_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mirror_url: str) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.setenv("AISLAKE_DMA_BASE_URL", mirror_url)
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    return tmp_path


def test_materialize_builds_missing_upstream_and_only_that(
    lake_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["materialize", "dma_ais_silver", "--date", str(SIM_DAY)]) == 0
    out = capsys.readouterr().out
    assert "materialising dma_ais_bronze, dma_ais_silver for 2024-01-15" in out
    assert "check dma_silver_min_rows" in out and "passed" in out
    assert main(["materialize", "vessel_tracks_gold", "--date", str(SIM_DAY)]) == 0
    out = capsys.readouterr().out
    assert "materialising vessel_positions_gold, vessel_tracks_gold for 2024-01-15" in out
    assert "upstream already there: dma_ais_bronze, dma_ais_silver" in out
    assert list(lake_env.glob("lake/gold/vessel_tracks/dt=2024-01-15/part-0.*.parquet"))
    assert (lake_env / "home/dagster.yaml").is_file()  # the local instance settings


def test_materialize_a_monthly_and_a_history_product(
    lake_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A month's rollup runs after the day's run (one partition key per run); a product over
    every day (no partitions) runs with the day's."""
    assert main(["materialize", "traffic_density_monthly_gold", "--date", str(SIM_DAY)]) == 0
    out = capsys.readouterr().out
    assert (
        "materialising dma_ais_bronze, dma_ais_silver, vessel_positions_gold, "
        "traffic_density_gold, traffic_density_monthly_gold for 2024-01-15" in out
    )
    assert out.count(" succeeded") == 2  # the day's run, then the month's
    monthly = "lake/gold/traffic_density_monthly/month=2024-01-01/part-0.*.parquet"
    assert list(lake_env.glob(monthly))
    assert main(["materialize", "voyages_gold", "--date", str(SIM_DAY)]) == 0
    out = capsys.readouterr().out
    assert "upstream already there: dma_ais_bronze, dma_ais_silver, vessel_positions_gold)" in out
    assert "check voyages_valid" in out and out.count(" succeeded") == 1
    for product in ("anchorages", "port_visits", "voyages"):
        assert list(lake_env.glob(f"lake/gold/{product}/all/part-0.*.parquet")), product
    assert main(["materialize", "voyages_gold", "--date", str(SIM_DAY)]) == 0
    assert "for 2024-01-15 (upstream already there: " in capsys.readouterr().out
    assert main(["status", "port_visits_gold"]) == 0
    assert "  all  materialized  port_visits_not_empty=succeeded" in capsys.readouterr().out
    assert (
        main(
            ["status", "traffic_density_monthly_gold", "--from", "2024-01-15", "--to", "2024-02-10"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "2024-01-01  materialized" in out and "2024-02-01  missing" in out
    assert main(["query", "--csv", "SELECT count(*) > 0 AS visits FROM port_visits"]) == 0
    assert capsys.readouterr().out.splitlines() == ["visits", "True"]


def test_materialize_refuses_an_unknown_asset_or_day(lake_env: Path) -> None:
    with pytest.raises(SystemExit, match=r"no asset .silver..*dma_ais_silver"):
        main(["materialize", "silver", "--date", "2024-01-15"])
    with pytest.raises(SystemExit, match="2023-12-31 is not a partition: days run from 2024-01-01"):
        main(["materialize", "dma_ais_silver", "--date", "2023-12-31"])


def test_a_failed_day_shows_in_status(lake_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["materialize", "dma_ais_silver", "--date", str(SIM_DAY)]) == 0
    assert main(["materialize", "dma_ais_bronze", "--date", "2024-01-16"]) == 1  # not published
    capsys.readouterr()
    assert main(["status", "dma_ais_bronze", "--from", "2024-01-14", "--to", "2024-01-16"]) == 0
    out = capsys.readouterr().out
    assert "2024-01-14  missing" in out
    assert "2024-01-15  materialized" in out
    assert "2024-01-16  failed" in out
    assert main(["status", "dma_ais_silver"]) == 0
    out = capsys.readouterr().out
    assert "1 materialized" in out
    assert "2024-01-15  materialized  " in out and "dma_silver_keys_valid=succeeded" in out


def test_query_runs_sql_over_the_lake_views(
    lake_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["materialize", "ais_daily_summary_gold", "--date", str(SIM_DAY)]) == 0
    capsys.readouterr()
    assert main(["query", "SELECT count(*) AS n, min(dt) AS day FROM silver_ais"]) == 0
    out = capsys.readouterr().out
    assert "2024-01-15" in out and "(1 row)" in out
    assert (
        main(["query", "--csv", "SELECT reason, count(*) AS n FROM rejects GROUP BY 1 ORDER BY 1"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "reason,n" and any(line.startswith("duplicate,") for line in lines)
    with pytest.raises(
        SystemExit, match="tables: silver_ais, rejects, vessel_positions, ais_daily_summary"
    ):
        main(["query", "SELECT * FROM no_such_table"])


def test_query_works_over_s3(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3_env: dict[str, str],
    mirror_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for k, v in {
        **s3_env,
        "AISLAKE_DMA_BASE_URL": mirror_url,
        "DAGSTER_HOME": str(tmp_path),
    }.items():
        monkeypatch.setenv(k, v)
    assert main(["materialize", "vessel_registry_gold", "--date", str(SIM_DAY)]) == 0
    capsys.readouterr()
    assert main(["query", "SELECT count(*) > 5 AS many FROM vessel_registry_latest"]) == 0
    assert "True" in capsys.readouterr().out


def test_backfill_without_a_webserver_says_how_to_start_one(lake_env: Path) -> None:
    from conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SystemExit, match=r"cannot reach the Dagster webserver.*dagster dev"):
        main(
            [
                "backfill",
                "dma_ais_silver",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-02",
                "--url",
                url,
            ]
        )


@pytest.mark.faults
def test_two_commands_at_once_on_a_fresh_home_share_one_instance(tmp_path: Path) -> None:
    """Two CLI processes creating a fresh DAGSTER_HOME's databases together once broke the
    instance for good (two alembic heads); the first use is now made under a lock. Three
    fresh homes, two commands each at once, then a third command: all succeed."""
    code = "from aislake.cli import main; raise SystemExit(main(['status', 'dma_ais_silver']))"
    for attempt in range(3):
        env = {
            **os.environ,
            "DAGSTER_HOME": str(tmp_path / f"home-{attempt}"),
            "AISLAKE_LAKE_DIR": str(tmp_path / "lake"),
        }
        env.pop("MINIO_ENDPOINT", None)
        both = [
            subprocess.Popen(
                [sys.executable, "-c", code],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for proc in both:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
        after = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert after.returncode == 0, after.stderr[-2000:]


def test_a_backfill_targets_the_assets_named_or_every_asset_with_their_own_partitions() -> None:
    """`aislake backfill` over several assets, or '*': each asset once, in the graph's order,
    over its own partitions of the days (a month for the monthly rollup, none for history)."""
    from aislake.cli import backfill_ranges
    from aislake.definitions import defs

    loaded = defs()
    one = backfill_ranges(loaded, ["dma_ais_silver"], False, "2024-03-01", "2024-03-30")
    assert one == {"dma_ais_silver": ("2024-03-01", "2024-03-30")}
    both = backfill_ranges(
        loaded, ["vessel_tracks_gold", "dma_ais_silver"], True, "2024-03-01", "2024-03-30"
    )
    assert list(both) == [
        "dma_ais_bronze",
        "dma_ais_silver",
        "vessel_positions_gold",
        "vessel_tracks_gold",
    ]
    every = backfill_ranges(loaded, ["*"], False, "2024-03-01", "2024-03-30")
    keys = {k.to_user_string() for k in loaded.resolve_asset_graph().get_all_asset_keys()}
    assert set(every) == keys
    assert list(every)[:2] == ["dma_ais_bronze", "dma_ais_silver"]
    assert every["traffic_density_monthly_gold"] == ("2024-03-01", "2024-03-01")
    assert every["port_visits_gold"] is None
    assert every["vessel_runs_gold"] == ("2024-03-01", "2024-03-30")
