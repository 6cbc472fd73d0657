"""The code itself: its import layers, Dagster's validation of the code location, modules that
import what they use, the SQL files a wheel carries."""

from __future__ import annotations

import functools
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO

BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_the_import_layers_hold() -> None:
    """The tree is the architecture: each layer imports only the layers below it, sources are
    independent of each other, nothing below the wiring imports Dagster (pyproject's
    import-linter contracts; docs/architecture.md). Lint, formatting and types are ``make
    check``, a step of its own before the tests."""
    done = _run(str(BIN / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


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
    missing = [
        m for f in sorted((REPO / "src").rglob("*.py")) for m in _submodules_used_without_import(f)
    ]
    assert missing == []


def test_every_sql_file_ships_in_the_package() -> None:
    """A wheel (the Docker image, a pip install) carries every .sql file the code runs."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["aislake"]
    package = REPO / "src" / "aislake"
    shipped = {f for g in globs for f in package.glob(g)}
    assert sorted(set(package.rglob("*.sql")) - shipped) == []
    # and the map's page, its script and the pinned Leaflet with its licence
    static = {f for f in (package / "map" / "static").rglob("*") if f.is_file()}
    assert static and sorted(static - shipped) == []
