"""System packages some tests need (Debian's Chromium, PostgreSQL), installed on first need.

The README's test command is all a newcomer runs: where a package is missing and the tests run
as root on Debian (a fresh machine, CI), it is installed with apt-get; elsewhere the test fails
naming the command to run. Nothing is mocked in its place.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

_updated = False
# The suite runs on two workers (pytest-xdist): one installs at a time (dpkg has one lock), and
# a worker that waited finds what the other installed.
_LOCK = Path(tempfile.gettempdir()) / "aislake-tests-apt.lock"


def require(package: str, find: Callable[[], Path | None]) -> Path:
    """What ``find`` finds, installing Debian's ``package`` first when it finds nothing."""
    global _updated
    found = find()
    if found:
        return found
    apt = shutil.which("apt-get")
    if not apt or os.geteuid() != 0:
        pytest.fail(f"{package} is needed: apt-get install {package} (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = find()
        if found:
            return found
        if not _updated:
            subprocess.run([apt, "update", "-qq"], check=True, env=env, capture_output=True)
            _updated = True
        done = subprocess.run(
            [apt, "install", "-y", "-qq", package], env=env, capture_output=True, text=True
        )
    found = find()
    if not found:
        pytest.fail(f"installing {package} failed: {done.stderr[-2000:]}")
    return found


# Chromium on a machine with no internet: without the background-networking flags it keeps
# trying Google's hosts (refused here); as root it needs --no-sandbox; no GPU.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium() -> Path:
    def find() -> Path | None:
        path = shutil.which("chromium") or shutil.which("chromium-browser")
        return Path(path) if path else None

    return require("chromium", find)


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl)."""

    def find() -> Path | None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        return found[-1].parent if found else None

    return require("postgresql", find)
