"""Bronze's manifest: the facts of a raw file measured while it streamed in, stored beside it.

Silver reconciles its rows with the file's lines; counting them again would mean reading the
whole file once more (on S3, downloading it). Bronze counts them anyway, while it verifies the
download, and publishes them in ``<bronze key>.manifest.json`` right after the file. A manifest
whose byte count does not match the stored file (a file replaced by hand) is ignored.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from aislake.ais.schema import EXPECTED_REJECT_REASONS
from aislake.storage.layout import manifest_key
from aislake.storage.store import ObjectStore


@dataclass(frozen=True)
class BronzeManifest:
    bytes: int
    sha256: str
    lines: int  # after the header, blank ones included (aislake.bronze.lines)
    source_url: str
    # A line of 64 KiB or more may be in the file (``aislake.bronze.sanitize``); manifests
    # written before this was measured say False.
    long_lines: bool = False


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
            f"shrank, {ACCEPT_HINT}."
        )


ACCEPT_HINT = (
    "run once with AISLAKE_ACCEPT_REPLACEMENT=true (or the run tag "
    "aislake/accept_replacement=true: `aislake materialize ... --accept-replacement`)"
)


@dataclass(frozen=True)
class DayCounts:
    """What a silver day holds, for judging a replacement: valid rows, and rejects that are not
    normal traffic (static reports without a position, duplicates)."""

    rows: int
    unexpected_rejects: int

    @classmethod
    def of(cls, rows: int, rejects_by_reason: Mapping[str, int]) -> DayCounts:
        """A day's counts from its rows and its rejects by reason."""
        unexpected = sum(
            n for r, n in rejects_by_reason.items() if r not in EXPECTED_REJECT_REASONS
        )
        return cls(rows, unexpected)

    @property
    def reject_share(self) -> float:
        """Share of unexpected rejects among rows that were not expected rejects."""
        considered = self.rows + self.unexpected_rejects
        return self.unexpected_rejects / considered if considered else 0.0


def refuse_worse_day(
    what: str, stored: DayCounts | None, new: DayCounts, max_drop: float, max_reject_rise: float
) -> None:
    """Raise :class:`CollapseError` when a new version of a day would replace ``stored`` with
    fewer valid rows than ``1 - max_drop`` of them, or a share of unexpected rejects more than
    ``max_reject_rise`` above the stored one: a re-fetch with half its lines, or with the same
    lines and many of them garbled, does not replace a good day (bronze stays as it was too)."""
    if stored is None or stored.rows == 0:
        return
    if new.rows < stored.rows * (1 - max_drop):
        raise CollapseError(
            f"{what}: the new version has {new.rows:,} rows against {stored.rows:,} stored "
            f"(a drop of {1 - new.rows / stored.rows:.1%}, more than {max_drop:.0%}); the stored "
            f"version is kept (bronze too). If the source really shrank, {ACCEPT_HINT}."
        )
    if new.reject_share > stored.reject_share + max_reject_rise:
        raise CollapseError(
            f"{what}: the new version rejects {new.reject_share:.1%} of its rows against "
            f"{stored.reject_share:.1%} stored (more than {max_reject_rise:.0%} points worse); "
            f"the stored version is kept (bronze too). To take it anyway, {ACCEPT_HINT}."
        )
