"""Bronze's manifest: the facts of a raw file measured while it streamed in, stored beside it.

Silver reconciles its rows with the file's data lines; counting them again would mean reading
the whole file once more (on S3, downloading it). Bronze counts them anyway, while it verifies the
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
    data_lines: int
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
