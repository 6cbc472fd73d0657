"""The aislake command, run in-process as a user would type it."""

from __future__ import annotations

from pathlib import Path

import pytest

from aislake.cli import build_parser, main
from aislake.query.views import lake_connection
from aislake.storage.store import LocalStore
from support.tables import table_roots, three_engines, to_pointer_layout


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
    assert " AISLAKE_SOURCES=dma " in out  # the sources with silver in the lake, and only them
    lake = tmp_path / "data" / "lake"
    assert (lake / "bronze/dma/aisdk-2024-01-15.csv").is_file()
    assert list(lake.glob("silver/ais/source=dma/dt=2024-01-15/part-0.*.parquet"))
    assert list(lake.glob("gold/ais_daily_summary/dt=2024-01-15/part-0.*.parquet"))
    # The runs are recorded in DAGSTER_HOME, where `dagster dev` will show them.
    assert any((tmp_path / "home").rglob("*.db"))
    _the_demo_lake_is_open_tables_and_an_old_lake_converts(LocalStore(lake), monkeypatch)


def _the_demo_lake_is_open_tables_and_an_old_lake_converts(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every dataset of the demo's lake is a Delta table that DuckDB, Polars and pyarrow read
    alike; the same lake in the layout of an older aislake (JSON pointers) converts in place
    with `aislake migrate`, no data file rewritten, every view reading the same rows."""
    roots = table_roots(store)
    assert {"silver/ais", "silver/ais_rejects", "gold/vessel_tracks"} <= set(roots)
    for root in roots:
        counts = three_engines(store, root, "SELECT count(*) FROM {t}")
        assert counts[0] == counts[1] == counts[2] and counts[0][0][0] > 0, (root, counts)
    con, views = lake_connection(store)
    before = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone() for v in views}
    files = {k: store.size(k) for k in store.list_keys("") if k.endswith(".parquet")}
    to_pointer_layout(store)
    assert table_roots(store) == [] and lake_connection(store)[1] == []
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(store.root))
    assert main(["migrate"]) == 0
    assert table_roots(store) == roots and store.list_keys("_current/") == []
    con, views = lake_connection(store)
    assert {v: con.execute(f"SELECT count(*) FROM {v}").fetchone() for v in views} == before
    after = {k: store.size(k) for k in store.list_keys("") if k.endswith(".parquet")}
    assert after == files  # nothing rewritten, nothing removed


def test_bad_dates_are_refused_with_the_expected_form(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--date", "15/01/2024"])
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--help"])
    assert exit_.value.code == 0
    assert "--date" in capsys.readouterr().out
