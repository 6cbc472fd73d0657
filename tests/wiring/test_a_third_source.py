"""A third source is one package and one line of registration: registered, it gets its settings,
archive resource, bronze and silver assets with their checks, published-days sensor and gold's
dependency, and a day of it goes through bronze, silver and gold, with no other module changed.

The source here is a small real one written for the test: it serves DMA-format zips from a
folder (``file://``) under its own name, reads them with DMA's typed reader, and lists the
folder. Its package is this module; its registration is the one ``SOURCES`` entry the fixture
adds (``monkeypatch.setitem``: the line a real source would add to sources/registry.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from pydantic import BaseModel, ConfigDict, Field

from aislake import settings
from aislake.ais.schema import DMA_RAW_NAMES, DMA_TIMESTAMP_FORMAT
from aislake.defs.resources import build_resources
from aislake.ops.demo import all_assets_and_checks
from aislake.sources import registry
from aislake.sources.dma.archive import dma_layout
from aislake.sources.dma.reader import typed_csv_sql
from aislake.sources.fetch import DayCsv, DayNotPublishedError, RetryPolicy, extract_day_csv
from aislake.storage.current import day_keys
from aislake.storage.store import LocalStore, ObjectStore
from conftest import SIM_DAY


class MiniArchive(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)
    folder: str = Field("", alias="AISLAKE_MINI_FOLDER", description="the mini archive's folder")


class MiniSource:
    name = "mini"
    title = "Mini"
    repairs_commas = False
    ts_format = DMA_TIMESTAMP_FORMAT
    archive: type[BaseModel] = MiniArchive
    bronze_description = "The mini archive's day at ``bronze/mini/mini-YYYY-MM-DD.csv``."
    listing_every_seconds = 600
    fresh_by_cron: str | None = None
    decoder = None  # a CSV: DuckDB reads it
    live = False

    def bronze_name(self, day: dt.date) -> str:
        return f"mini-{day.isoformat()}.csv"

    def layout(self, header_line: str) -> tuple[str, ...]:
        return dma_layout(header_line)

    def raw_cols(self, layout: tuple[str, ...]) -> list[str]:
        return [DMA_RAW_NAMES[c] for c in layout]

    def typed_select(
        self, uri: str, layout: tuple[str, ...], parallel: bool, buffer_size: int | None
    ) -> str:
        return typed_csv_sql(uri, self.raw_cols(layout), parallel=parallel, buffer_size=buffer_size)

    def download(
        self,
        archive: Any,
        day: dt.date,
        workdir: Path,
        retry: RetryPolicy,
        log: Callable[[str], None],
        lake: ObjectStore,
    ) -> DayCsv:
        zip_path = Path(archive.folder) / f"aisdk-{day.isoformat()}.zip"
        if not zip_path.exists():
            raise DayNotPublishedError(f"the mini archive has no {zip_path.name}")
        wanted = {f"aisdk-{day.isoformat()}.csv"}
        dest = workdir / self.bronze_name(day)
        return extract_day_csv(zip_path, day, dest, zip_path.as_uri(), False, wanted, dma_layout)

    def published_days(
        self, archive: Any, since: dt.date, today: dt.date, lake: ObjectStore
    ) -> dict[dt.date, str]:
        names = sorted(p.name for p in Path(archive.folder).glob("aisdk-*.zip"))
        return {dt.date.fromisoformat(n[6:16]): "" for n in names}

    def where(self, archive: Any) -> str:
        return str(archive.folder)


@pytest.fixture
def mini(monkeypatch: pytest.MonkeyPatch, sim_file: Any) -> dict[str, str]:
    monkeypatch.setitem(registry.SOURCES, "mini", MiniSource())
    return {"AISLAKE_SOURCES": "mini", "AISLAKE_MINI_FOLDER": str(sim_file.path.parent)}


def test_a_registered_source_gets_its_settings_and_its_whole_graph(mini: dict[str, str]) -> None:
    assert "AISLAKE_MINI_FOLDER" in settings.names()
    assert "| `AISLAKE_MINI_FOLDER` | `` | the mini archive's folder |" in settings.markdown_table()
    with settings.using(settings.Settings.from_env(mini)):
        from aislake.definitions import defs

        loaded = defs()
    graph = loaded.resolve_asset_graph()
    assert dg.AssetKey("mini_ais_bronze") in graph.get_all_asset_keys()
    assert graph.get(dg.AssetKey("mini_ais_silver")).parent_keys == {dg.AssetKey("mini_ais_bronze")}
    assert graph.get(dg.AssetKey("vessel_positions_gold")).parent_keys == {
        dg.AssetKey("mini_ais_silver")
    }
    assert "mini_silver_keys_valid" in {k.name for k in graph.asset_check_keys}
    assert [s.name for s in loaded.sensors or []] == ["mini_published_days_sensor"]
    resources = build_resources(mini)
    assert resources["mini"].settings().folder == mini["AISLAKE_MINI_FOLDER"]  # type: ignore[attr-defined]


def test_a_day_of_a_third_source_goes_through_bronze_silver_and_gold(
    mini: dict[str, str], tmp_path: Path
) -> None:
    env = {**mini, "AISLAKE_LAKE_DIR": str(tmp_path / "lake"), "AISLAKE_WORKDIR": str(tmp_path)}
    with settings.using(settings.Settings.from_env(env)):
        assets = [a for a in all_assets_and_checks() if "monthly" not in str(a)]
        chosen = [
            a
            for a in assets
            if getattr(a, "partitions_def", None) is None
            or not isinstance(a.partitions_def, dg.MonthlyPartitionsDefinition)
        ]
        result = dg.materialize(
            chosen,
            partition_key=SIM_DAY.isoformat(),
            resources=build_resources(env),
            instance=dg.DagsterInstance.ephemeral(),
        )
    assert result.success
    store = LocalStore(tmp_path / "lake")
    assert store.exists(f"bronze/mini/mini-{SIM_DAY.isoformat()}.csv")
    silver, rejects = day_keys(store, "mini", SIM_DAY)
    assert silver and rejects
    assert all(k.startswith("silver/ais/source=mini/") for k in silver)
    assert store.list_keys(f"gold/vessel_stops/dt={SIM_DAY.isoformat()}/")
