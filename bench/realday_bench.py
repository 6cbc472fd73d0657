"""What the real-day rules cost silver: this checkout against a baseline commit, same CSVs.

The real-day rules (issue 10) add to silver a shift test on every row (two LIKEs), the repair of
lines broken by an unquoted comma, a line count from the bronze bytes (when there is no
manifest), the station kind and the 10 s speed floor. This benchmark measures them as a user
meets them, on two simulated days of the same size:

- **clean**: no unquoted commas (the simulator's other quirks on): the rules must cost nothing
  measurable;
- **commas**: the simulator's unquoted commas in a name, a destination and a call sign: the
  repair's own cost.

Each is run by ``build_silver`` of this checkout and of ``--baseline`` (a git worktree of that
commit, default the commit before the real-day rules), alternately, each run in a fresh
process, ``--repeat`` times; it reports the median seconds, rows/s, the ratio to the baseline
and peak RSS. Silver's row counts differ where the rules differ (repaired rows).

    python bench/realday_bench.py --rows 2000000 --repeat 3

Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
DAY = dt.date(2024, 3, 1)
BASELINE = "ecdc9224407fc12fe2a634c81c22d4edb7549d08"  # silver before the real-day rules

RUN = """
import datetime as dt, json, shutil, sys
from pathlib import Path
from aislake.duck.engine import DuckDBSettings, connect
from aislake.silver.build import build_silver
from aislake.storage.store import LocalStore
csv, lake = Path(sys.argv[1]), Path(sys.argv[2])
shutil.rmtree(lake, ignore_errors=True)
store = LocalStore(lake)
key = "bronze/dma/" + csv.name
target = Path(store.uri(key)); target.parent.mkdir(parents=True, exist_ok=True)
target.symlink_to(csv)
con = connect(store, DuckDBSettings("1GB", None, str(lake.parent / "spill")))
r = build_silver(con, store, key, dt.date.fromisoformat(sys.argv[3]))
print(r.rows, r.rejects)
print(json.dumps(getattr(r, "extra", {})))
print("VmHWM", next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def simulated(rows: int, commas: bool) -> Path:
    from aislake.simulate.dmafile import Quirks, write_dma_csv
    from aislake.simulate.traffic import FleetSize

    path = OUT / f"realday-{rows}-{'commas' if commas else 'clean'}.csv"
    if not path.exists():
        quirks = Quirks() if commas else Quirks(unquoted_comma_fields=())
        write_dma_csv(path, DAY, FleetSize.for_rows(rows), quirks=quirks)
    return path


def run(src: Path, csv: Path, lake: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(csv), str(lake), DAY.isoformat()],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    counts, phases, peak = done.stdout.strip().splitlines()[-3:]
    rows, rejects = (int(x) for x in counts.split())
    return {
        "seconds": seconds,
        "rows": rows,
        "rejects": rejects,
        "phases": json.loads(phases),
        "peak_mb": int(peak.split()[1]) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aislake-baseline-") as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            for day in ("clean", "commas"):
                csv = simulated(args.rows, day == "commas")
                lines = sum(1 for _ in csv.open("rb")) - 1
                results: dict[str, list[dict]] = {"baseline": [], "this": []}
                for _ in range(args.repeat):
                    for name, src in (("baseline", base / "src"), ("this", REPO / "src")):
                        results[name].append(run(src, csv, Path(tmp) / f"lake-{name}"))
                med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
                for name, runs in results.items():
                    print(
                        f"{day:6s} {name:8s} {lines:>10,} lines  median {med[name]:6.2f} s  "
                        f"{lines / med[name]:>10,.0f} lines/s  x{med[name] / med['baseline']:.3f}"
                        f"  peak {max(r['peak_mb'] for r in runs):6.0f} MB  "
                        f"silver {runs[-1]['rows']:,} rejects {runs[-1]['rejects']:,}  "
                        "runs " + ", ".join(f"{r['seconds']:.2f}" for r in runs)
                    )
                    if runs[-1]["phases"]:
                        print(f"{'':16}phases of the last run (s): {runs[-1]['phases']}")
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)],
                check=False,
                capture_output=True,
            )


if __name__ == "__main__":
    main()
