"""Dagster's own validation of the code location: `dagster definitions validate` and `dg check
defs` load it as a deployment would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

BIN = Path(sys.executable).parent


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [("dagster", "definitions", "validate", "-m", "aislake.definitions"), ("dg", "check", "defs")],
    ids=["dagster-validate", "dg-check-defs"],
)
def test_dagster_validates_the_code_location(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "successful" in (done.stdout + done.stderr).lower()
