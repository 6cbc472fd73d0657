"""Lint, formatting, types and a Dagster validation of the code location, run by CI."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "src", "tests", "bench"),
        ("ruff", "format", "--check", "src", "tests", "bench"),
        ("mypy", "src"),
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: tuple[str, ...]) -> None:
    done = _run(str(BIN / command[0]), *command[1:])
    assert done.returncode == 0, done.stdout + done.stderr


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
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "successful" in (done.stdout + done.stderr).lower()


def _submodules_used_without_import(path: Path) -> list[str]:
    """``pkg.sub`` attribute uses in ``path`` where ``pkg.sub`` is a module the file never
    imports (it works only if another module imported it first)."""
    import ast

    tree = ast.parse(path.read_text())
    imported: set[str] = set()
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is None:  # `import a.b` binds `a`
                    roots.add(alias.name.split(".")[0])
                parts = alias.name.split(".")
                imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    missing = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in roots
        ):
            name = f"{node.value.id}.{node.attr}"
            if name not in imported and _needs_its_own_import(name):
                missing.add(f"{path.relative_to(REPO)}: {name}")
    return sorted(missing)


@functools.cache
def _needs_its_own_import(name: str) -> bool:
    """Whether ``pkg.sub`` is a module that ``import pkg`` alone does not make available (in a
    fresh interpreter: this one has imported much more)."""
    import importlib.util

    try:
        if importlib.util.find_spec(name) is None:
            return False
    except (ImportError, ValueError):
        return False
    root, sub = name.split(".", 1)
    probe = f"import {root}; print(hasattr({root}, {sub!r}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return done.stdout.strip() != "True"


def test_every_module_imports_the_submodules_it_uses() -> None:
    """`sources/dma/archive.py` used `urllib.request` and `urllib.error` importing only
    `urllib.parse`: it worked by the accident of another module's import order."""
    missing = [m for f in sorted((REPO / "src").rglob("*.py")) for m in
               _submodules_used_without_import(f)]  # fmt: skip
    assert missing == []
