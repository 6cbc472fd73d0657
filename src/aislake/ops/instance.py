"""The local Dagster instance the CLI and `dagster dev` share."""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_YAML = Path(__file__).with_name("dagster.local.yaml")


def prepare_home(home: Path) -> Path:
    """Make ``home`` a DAGSTER_HOME with aislake's local instance settings (kept if present)."""
    home = home.absolute()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_YAML.read_text())
    return home


def dagster_home() -> Path:
    """DAGSTER_HOME, or ./data/dagster_home; prepared, and exported for Dagster to find."""
    home = prepare_home(Path(os.environ.get("DAGSTER_HOME") or "data/dagster_home"))
    os.environ["DAGSTER_HOME"] = str(home)
    return home
