"""The settings module: the only reader of the environment, typed, validated, never read at
import, and overridden for a block without touching ``os.environ``."""

import os
import re
import subprocess
import sys

import pytest

from aislake import settings
from aislake.settings import Settings
from conftest import REPO


def test_defaults_are_stated_once_and_empty_counts_as_unset() -> None:
    s = Settings.from_env({"AISLAKE_LAKE_DIR": "", "AISLAKE_DUCKDB_THREADS": "2"})
    assert s.lake_dir == "data/lake" and s.duckdb_threads == 2
    assert s.archives["dma"].base_url == "http://aisdata.ais.dk/" and s.source_names == ("dma",)
    noaa = Settings.from_env({"AISLAKE_NOAA_FORMAT": "legacy"}).archives["noaa"]
    assert noaa.layout == "legacy" and noaa.layout_url.startswith("https://coast.noaa.gov/")
    assert Settings.from_env({"AISLAKE_SOURCES": " DMA, noaa ,dma"}).source_names == ("dma", "noaa")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("AISLAKE_REPLACE_MIN_SHARE", "-1", "expected a share from 0 to 1"),
        ("AISLAKE_DUCKDB_THREADS", "two", "valid integer"),
        ("MINIO_SECURE", "maybe", "valid boolean"),
    ],
)
def test_a_wrong_value_names_the_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(ValueError, match=f"{name}={value!r}: .*{says}"):
        Settings.from_env({name: value})


def test_secrets_are_never_shown() -> None:
    s = Settings.from_env({"MINIO_SECRET_KEY": "hunter2-very-secret"})
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())
    assert s.minio_secret_key is not None
    assert s.minio_secret_key.get_secret_value() == "hunter2-very-secret"


def test_using_overrides_for_a_block_without_touching_the_environment() -> None:
    before = dict(os.environ)
    with settings.using(settings.with_changes(sources="dma,noaa")):
        assert settings.current().source_names == ("dma", "noaa") and settings.overridden()
        assert os.environ.get("AISLAKE_SOURCES") == before.get("AISLAKE_SOURCES")
    assert not settings.overridden() and dict(os.environ) == before


def test_nothing_reads_the_environment_at_import() -> None:
    """Importing every module of aislake with a setting that cannot be read succeeds: no module
    reads the environment at import (the definitions then fail, naming the variable)."""
    modules = sorted(
        ".".join(p.relative_to(REPO / "src").with_suffix("").parts).removesuffix(".__init__")
        for p in (REPO / "src" / "aislake").rglob("*.py")
    )
    imports = "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code = "import importlib, traceback\n" + imports
    code += "from aislake.definitions import defs\ntry:\n    defs()\nexcept Exception as e:\n"
    code += "    print(''.join(traceback.format_exception(e)))\n"
    env = {**os.environ, "AISLAKE_DMA_LAG_DAYS": "three"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "AISLAKE_DMA_LAG_DAYS='three'" in done.stdout


def test_only_the_settings_module_reads_the_environment() -> None:
    """``os.environ`` and ``getenv`` appear in src/ only in aislake/settings.py, and for
    Dagster's own DAGSTER_HOME (the instance's folder, which dagster's processes read)."""
    readers = re.compile(r"os\.environ|getenv")
    for path in (REPO / "src").rglob("*.py"):
        if path.name == "settings.py":
            continue
        for line in path.read_text().splitlines():
            if readers.search(line):
                assert "DAGSTER_HOME" in line, f"{path}: {line.strip()}"
