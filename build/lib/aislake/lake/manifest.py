"""Bronze's manifest: the facts of a raw file measured while it streamed in, stored beside it.

Silver reconciles its rows with the file's lines; counting them again would mean reading the
whole file once more (on S3, downloading it). Bronze counts them anyway, while it verifies the
download, and publishes them in ``<bronze key>.manifest.json`` right after the file. A manifest
whose byte count does not match the stored file (a file replaced by hand) is ignored.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from aislake.lake.layout import manifest_key
from aislake.lake.store import ObjectStore


@dataclass(frozen=True)
class BronzeManifest:
    bytes: int
    sha256: str
    lines: int  # after the header, blank ones included (aislake.lake.lines)
    source_url: str


def write_manifest(store: ObjectStore, bronze: str, manifest: BronzeManifest) -> None:
    with tempfile.TemporaryDirectory(prefix="aislake-manifest-") as tmp:
        path = Path(tmp) / "manifest.json"
        path.write_text(json.dumps(asdict(manifest), indent=2) + "\n")
        store.put_file(path, manifest_key(bronze))


def read_manifest(store: ObjectStore, bronze: str) -> BronzeManifest | None:
    """The manifest of the stored bronze file, or ``None`` (none, unreadable, or not of this
    file's size)."""
    key = manifest_key(bronze)
    if not store.exists(key):
        return None
    try:
        manifest = BronzeManifest(**json.loads(store.read_range(key, 1 << 16)))
    except (ValueError, TypeError):
        return None
    return manifest if manifest.bytes == store.size(bronze) else None


class CollapseError(RuntimeError):
    """A new version of a partition is a small fraction of the stored one: not published."""


def refuse_collapse(what: str, stored: int | None, new: int, min_share: float) -> None:
    """Raise :class:`CollapseError` when ``new`` rows (or lines) would replace ``stored`` ones
    and are fewer than ``min_share`` of them (0 turns the guard off). A source that re-publishes
    a day broken (a header-only file, a truncated export) must not replace a good day."""
    if stored and min_share > 0 and new < stored * min_share:
        raise CollapseError(
            f"{what}: the new version has {new:,} rows against {stored:,} stored "
            f"(under {min_share:.0%} of them); the stored version is kept. If the source really "
            "shrank, set AISLAKE_REPLACE_MIN_SHARE=0 for this run."
        )
