"""Bronze's replacement protocol: a re-fetched day waits until silver accepts it.

A first fetch of a day is published at its key at once (nothing to protect). A re-fetch of a
stored day is not: it goes to ``_pending/<bronze key>`` with its manifest, and the stored file
stays the day. Silver reads the pending file when there is one, judges the day it makes against
the stored silver (``aislake.bronze.manifest.refuse_worse_day``) and then

- accepts it: silver is published (its pointer), then the pending file is moved over the stored
  one (:func:`promote`); a run killed between the two leaves the pending file, and the next
  silver run builds the same rows from it and promotes it;
- refuses it: the pending file goes to ``_refused/<bronze key>`` for inspection
  (:func:`set_aside`), and bronze and silver stay the good day they were.

A re-fetch whose bytes equal the stored file's (same SHA-256) changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from aislake.bronze.manifest import BronzeManifest, read_manifest, write_manifest
from aislake.storage.layout import manifest_key, pending_key, refused_key
from aislake.storage.store import ObjectStore


def publish(store: ObjectStore, key: str, path: Path, manifest: BronzeManifest) -> str:
    """Publish the verified day at ``path`` as bronze ``key``: at ``key`` itself when no day is
    stored there, else at its pending key for silver to judge. Returns where it went, or
    ``key`` unchanged when the stored file is byte for byte the same (the file is left)."""
    if store.exists(key):
        stored = read_manifest(store, key)
        if stored and stored.sha256 == manifest.sha256:
            _remove(store, pending_key(key))  # the source agrees with the stored day again
            return key
        target = pending_key(key)
    else:
        target = key
    store.move_in(path, target)
    write_manifest(store, target, manifest)
    return target


def to_read(store: ObjectStore, key: str) -> str:
    """The bronze file silver should read for ``key``: the pending one if a re-fetch waits."""
    pending = pending_key(key)
    return pending if store.exists(pending) else key


def promote(store: ObjectStore, key: str) -> bool:
    """Make the pending file (if any) the stored bronze ``key``; whether there was one."""
    return _move(store, pending_key(key), key)


def set_aside(store: ObjectStore, key: str) -> bool:
    """Move the pending file (if any) to the refused place; whether there was one."""
    return _move(store, pending_key(key), refused_key(key))


def _move(store: ObjectStore, source: str, target: str) -> bool:
    if not store.exists(source):
        return False
    store.move(source, target)  # the data first: a manifest of another size is ignored
    if store.exists(manifest_key(source)):
        store.move(manifest_key(source), manifest_key(target))
    return True


def _remove(store: ObjectStore, key: str) -> None:
    store.delete([k for k in (key, manifest_key(key)) if store.exists(k)])
