"""What a killed process leaves behind, and cleaning it: staged objects, spill and work folders.

Every temporary place aislake makes is named after its owner, ``<host>@<pid>``, so that the next
process on the same host can tell a dead owner's leftovers (its pid is gone) from a live one's
work in progress, and remove only those. Places made by another host (a pod of its own) are
removed once older than :data:`MAX_AGE_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 24 * 3600


def owner() -> str:
    """This process as the owner of temporary places: ``<host>@<pid>``."""
    return f"{socket.gethostname()}@{os.getpid()}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def owner_gone(name: str, age_seconds: float | None = None) -> bool:
    """Whether the owner named at the start of ``name`` (``<host>@<pid>@...``) is gone: a dead
    process of this host, or a place of another host older than the maximum age."""
    parts = name.split("@")
    if len(parts) < 3 or not parts[1].isdigit():
        return False  # not named by aislake: left alone
    if parts[0] == socket.gethostname():
        return int(parts[1]) != os.getpid() and not pid_alive(int(parts[1]))
    return age_seconds is not None and age_seconds > MAX_AGE_SECONDS


def clean_folders(root: Path, prefix: str) -> list[Path]:
    """Remove the folders ``root/<prefix><owner>@...`` whose owner is gone; the removed ones."""
    removed = []
    for folder in sorted(root.glob(f"{prefix}*")) if root.is_dir() else []:
        try:
            age = time.time() - folder.stat().st_mtime
        except FileNotFoundError:
            continue  # its owner removed it meanwhile (processes on one host share the root)
        if folder.is_dir() and owner_gone(folder.name[len(prefix) :], age):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
            log.warning("removed %s, left by a process that is gone", folder)
    return removed
