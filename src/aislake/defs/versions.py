"""Code versions from content: an asset's ``code_version`` is a hash of the files its step runs,
so Dagster's "code version changed" is true exactly when the logic is (a comment counts too:
the snapshot of the graph, tests/wiring/defs, shows each change in review)."""

import hashlib
from pathlib import Path
from types import ModuleType

SRC = Path(__file__).resolve().parents[1]  # src/aislake


def files_version(*parts: ModuleType | Path) -> str:
    """12 hex digits of the SHA-256 of ``parts``' files (a package: every .py and .sql in it),
    each with its path under ``src/aislake`` (or under its own folder), in order."""
    digest = hashlib.sha256()
    for part in parts:
        path = Path(part.__file__ or "") if isinstance(part, ModuleType) else part
        if path.name == "__init__.py":
            path = path.parent
        files = sorted([*path.rglob("*.py"), *path.rglob("*.sql")]) if path.is_dir() else [path]
        for f in files:
            name = f.relative_to(SRC if f.is_relative_to(SRC) else path.parent).as_posix()
            digest.update(name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:12]
