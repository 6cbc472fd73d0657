"""Memory and disk limits: silver under a tight memory limit yields the same rows; a
step that cannot write its files (a file-size limit: a full disk as the process meets it) fails
clearly, and the day stored before is untouched."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from aislake.duck.engine import DuckDBSettings, connect
from aislake.silver.build import build_silver
from aislake.storage.store import LocalStore
from conftest import SIM_DAY

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.fixture
def lake(sim_file, tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path / "lake")
    csv = tmp_path / "day.csv"
    with zipfile.ZipFile(sim_file.path) as zf:
        csv.write_bytes(zf.read("aisdk-2024-01-15.csv"))
    store.put_file(csv, "bronze/dma/day.csv")
    return store


def _silver(store: LocalStore, settings: DuckDBSettings | None = None) -> list[tuple]:
    result = build_silver(connect(store, settings), store, "bronze/dma/day.csv", SIM_DAY)
    files = ", ".join(f"'{store.uri(k)}'" for k in result.silver_keys)
    return connect(store).execute(f"SELECT * FROM read_parquet([{files}]) ORDER BY ALL").fetchall()


def test_a_tight_memory_limit_gives_the_same_rows(lake: LocalStore, tmp_path: Path) -> None:
    roomy = _silver(lake)
    spill = tmp_path / "spill"
    tight = _silver(lake, DuckDBSettings("64MB", 1, str(spill)))  # 24 MB: a block does not fit
    assert tight == roomy
    assert not any(spill.iterdir())  # its spill folder went with the connection


def test_a_step_that_cannot_write_fails_and_keeps_the_stored_day(
    lake: LocalStore, tmp_path: Path
) -> None:
    before = _silver(lake)
    keys = sorted(lake.list_keys("silver/"))
    code = (
        "import datetime as dt, sys; from pathlib import Path\n"
        "from aislake.duck.engine import DuckDBSettings, connect\n"
        "from aislake.silver.build import build_silver\n"
        "from aislake.storage.store import LocalStore\n"
        "s = LocalStore(Path(sys.argv[1]))\n"
        "c = connect(s, DuckDBSettings('1GB', None, sys.argv[2]))\n"
        "build_silver(c, s, 'bronze/dma/day.csv', dt.date(2024, 1, 15))\n"
    )

    def small_files() -> None:  # no file over 512 kB: as a full disk meets the writer
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails (EFBIG) instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))

    done = subprocess.run(
        [sys.executable, "-c", code, str(lake.root), str(tmp_path / "spill")],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_files,
        env={**os.environ},
    )
    assert done.returncode != 0
    assert "File too large" in done.stderr or "Could not write" in done.stderr, done.stderr[-1500:]
    assert sorted(lake.list_keys("silver/")) == keys  # the stored day, as it was
    assert _silver(lake) == before  # (and a run with room rebuilds it identically)


def test_one_giant_line_is_a_reject_within_the_memory_budget(tmp_path: Path) -> None:
    """The fault probe's day: a small zip whose one line holds a Name of hundreds of MB among
    1,000 ordinary lines (the probe's was 2 GB: DuckDB failed out of memory at 3.66 GB, the
    1,000 good rows lost). Bronze names the expansion and the long line; silver, in a process
    of its own, takes the line aside as ``line_too_long`` and keeps the 1,000 rows, its peak
    memory far below the line's size."""
    from aislake.sources.dma.archive import extract_day_csv
    from dmarows import HEADER, TAIL, row

    giant = 600 * 1024 * 1024
    zip_path = tmp_path / "aisdk-2024-01-15.zip"
    with (
        zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("aisdk-2024-01-15.csv", "w", force_zip64=True) as out,
    ):
        out.write(
            (
                "\n".join([HEADER, *(row(mmsi=str(219000001 + i)) for i in range(500))]) + "\n"
            ).encode()
        )
        head, tail = row(mmsi="219999999", tail=TAIL.replace("Undefined", "\0")).split("\0")
        out.write(head.encode())
        block = b"X" * (16 * 1024 * 1024)
        for _ in range(giant // len(block)):
            out.write(block)
        out.write((tail + "\n").encode())
        out.write(("\n".join(row(mmsi=str(219001001 + i)) for i in range(500)) + "\n").encode())
    csv = extract_day_csv(zip_path, SIM_DAY, tmp_path / "day.csv", zip_path.as_uri(), False)
    assert csv.long_lines and csv.expansion > 100 and csv.rows == 1001
    store = LocalStore(tmp_path / "lake")
    store.move_in(csv.path, "bronze/dma/day.csv")
    code = (
        "import datetime as dt, sys; from pathlib import Path\n"
        "from aislake.duck.engine import connect\n"
        "from aislake.silver.build import build_silver\n"
        "from aislake.storage.store import LocalStore\n"
        "s = LocalStore(Path(sys.argv[1]))\n"
        "r = build_silver(connect(s), s, 'bronze/dma/day.csv', dt.date(2024, 1, 15))\n"
        # VmHWM: this process's own peak (ru_maxrss would carry the forking pytest's over exec)
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(r.rows, r.rejects_by_reason, hwm)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(store.root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("1000 {'line_too_long': 1} "), done.stdout
    peak = int(done.stdout.split()[-1]) * 1024
    assert peak < giant / 2, f"peak {peak / 1e6:.0f} MB"
    print(f"peak RSS {peak / 1e6:.0f} MB for a {giant / 1e6:.0f} MB line")
