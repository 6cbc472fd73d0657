"""The aislake command, run in-process as a user would type it."""

from __future__ import annotations

from pathlib import Path

import pytest

from aislake.cli import build_parser, main


def test_demo_runs_a_day_through_the_lake_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AISLAKE_LAKE_DIR", raising=False)
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    assert main(["demo", "--workdir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert f"lake:    {tmp_path / 'data' / 'lake'}" in out
    assert "dma_silver_min_rows passed" in out and "FAILED" not in out
    assert "Cargo" in out and "Passenger" in out
    lake = tmp_path / "data" / "lake"
    assert (lake / "bronze/dma/aisdk-2024-01-15.csv").is_file()
    assert list(lake.glob("silver/ais/source=dma/dt=2024-01-15/part-0.*.parquet"))
    assert list(lake.glob("gold/ais_daily_summary/dt=2024-01-15/part-0.*.parquet"))
    # The runs are recorded in DAGSTER_HOME, where `dagster dev` will show them.
    assert any((tmp_path / "home").rglob("*.db"))


def test_bad_dates_are_refused_with_the_expected_form(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--date", "15/01/2024"])
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--help"])
    assert exit_.value.code == 0
    assert "--date" in capsys.readouterr().out
