"""Silver at full scale: aislake's silver step against bare DuckDB and pandas, on the same file.

For each size (simulated DMA days of 1 M, 4 M and 15 M rows by default) it times, in the same
run and each in a fresh process (so peak RSS is that step's own):

  (a) aislake's silver step (``build_silver``: typing, rules, dedup, jump flags, sort, rejects);
  (b) bare DuckDB: ``COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet)``;
  (c) pandas: ``read_csv`` + ``to_parquet`` (pyarrow);

and, for the largest size, (d) the whole bronze -> silver -> gold chain through Dagster
(``dagster asset materialize``), reading the zip from a file:// mirror, so the orchestration
overhead shows as a share of the day.

    pip install -e '.[bench]'
    python bench/silver_bench.py --sizes 1000000 4000000 15000000 --write-docs

Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
DAY = dt.date(2024, 3, 1)
# aislake's DuckDB settings for the silver step: both cores, a memory limit well under the 2 GB
# RSS goal (DuckDB spills sorts beyond it), a spill folder on local disk.
SILVER_MEMORY_LIMIT = "1GB"

CONTENDERS = {
    "aislake": """
import datetime as dt, sys
from pathlib import Path
from aislake.lake.duck import DuckDBSettings, connect
from aislake.lake.silver import build_silver
from aislake.lake.store import LocalStore
csv, lake, limit = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
store = LocalStore(lake)
key = "bronze/dma/" + csv.name
target = Path(store.uri(key)); target.parent.mkdir(parents=True, exist_ok=True)
if not target.exists(): target.symlink_to(csv)
con = connect(store, DuckDBSettings(limit, None, str(lake.parent / "spill")))
r = build_silver(con, store, key, dt.date.fromisoformat(sys.argv[4]))
print(r.silver_bytes, r.rows, sep=",")
""",
    "duckdb": """
import sys, duckdb
from pathlib import Path
csv, out = sys.argv[1], Path(sys.argv[2]) / "bare.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{csv}', header=true, delim=',', quote='\\"')) "
            f"TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
print(out.stat().st_size, con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0], sep=",")
""",
    # The floor of silver's layout: the same bare read, plus the one sort by (mmsi, time) that
    # silver's readers rely on (the text timestamps of one day sort as times do).
    "duckdb_sorted": """
import sys, duckdb
from pathlib import Path
csv, out = sys.argv[1], Path(sys.argv[2]) / "sorted.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute("SET memory_limit = '1GB'")
con.execute(f"COPY (SELECT * FROM read_csv('{csv}', header=true, delim=',', quote='\\"') "
            f"ORDER BY 3, 1) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")  # MMSI, # Timestamp
print(out.stat().st_size, con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0], sep=",")
""",
    "pandas": """
import sys
from pathlib import Path
import pandas as pd
csv, out = sys.argv[1], Path(sys.argv[2]) / "pandas.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
df = pd.read_csv(csv)
df.to_parquet(out, compression="zstd")
print(out.stat().st_size, len(df), sep=",")
""",
}


# Peak RSS as the child itself sees it: VmHWM belongs to the process's own address space, reset
# by exec. (getrusage's ru_maxrss would include the benchmark's own RSS, inherited at fork.)
REPORT_PEAK = """
print("VmHWM", next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def measure(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python; wall time, its own peak RSS, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT_PEAK, *args], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"contender failed: {done.stderr[-2000:]}")
    lines = done.stdout.strip().splitlines()
    size, rows = lines[-2].split(",")
    return {
        "seconds": seconds,
        "peak_rss_mb": int(lines[-1].split()[1]) / 1024,
        "output_bytes": int(size),
        "rows_out": int(rows),
    }


def simulated_csv(rows: int) -> tuple[Path, int]:
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.traffic import FleetSize

    path = OUT / f"aisdk-{rows}.csv"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())["rows"]
    started = time.perf_counter()
    written, _ = write_dma_csv(path, DAY, FleetSize.for_rows(rows))
    meta.write_text(json.dumps({"rows": written}))
    print(f"  simulated {written:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return path, written


def dagster_chain(csv: Path, rows: int) -> dict:
    """bronze -> silver -> gold for one day via `dagster asset materialize`, from a zip mirror."""
    import zipfile

    mirror = OUT / "mirror"
    mirror.mkdir(parents=True, exist_ok=True)
    zpath = mirror / f"aisdk-{DAY.isoformat()}.zip"
    if not zpath.exists():
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.write(csv, f"aisdk-{DAY.isoformat()}.csv")
    home, lake = OUT / "dagster_home", OUT / "chain_lake"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "AISLAKE_LAKE_DIR": str(lake),
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
        "AISLAKE_DUCKDB_MEMORY_LIMIT": SILVER_MEMORY_LIMIT,
        "AISLAKE_DUCKDB_TEMP_DIR": str(OUT / "spill"),
        "AISLAKE_WORKDIR": str(OUT),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"), "asset", "materialize",
            "-m", "aislake.definitions", "--select", "*", "--partition", DAY.isoformat(),
        ],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        failures = [
            line for line in done.stderr.splitlines() if "FAILURE" in line or "Error" in line
        ]
        raise RuntimeError("the Dagster chain failed:\n" + "\n".join(failures[-20:]))
    total = time.perf_counter() - started
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        steps = instance.get_run_step_stats(run.run_id)
    step_seconds = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in steps}
    intervals = [(s.start_time or 0, s.end_time or 0) for s in steps]
    return {"rows": rows, "total_seconds": total, "steps": step_seconds,
            "work_seconds": busy_seconds(intervals)}  # fmt: skip


def busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """How long at least one step was running (steps overlap under the multiprocess executor)."""
    busy, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b > end:
            busy += b - max(a, end)
            end = b
    return busy


def table(results: list[dict], chain: dict | None) -> str:
    lines = [
        "| rows | contender | wall s | rows/s | MB/s (CSV) | peak RSS MB | output MB "
        "| vs bare DuckDB | vs sorted DuckDB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def ratio(r: dict, name: str) -> str:
        base = [x for x in results if x["rows"] == r["rows"] and x["name"] == name]
        return f"{r['seconds'] / base[0]['seconds']:.2f}x" if base else "-"

    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['name']} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f}"
            f" | {r['csv_mb'] / r['seconds']:.0f} | {r['peak_rss_mb']:,.0f}"
            f" | {r['output_bytes'] / 1e6:,.0f} | {ratio(r, 'duckdb')}"
            f" | {ratio(r, 'duckdb_sorted')} |"
        )
    text = "\n".join(lines)
    if chain:
        overhead = chain["total_seconds"] - chain["work_seconds"]
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in chain["steps"].items())
        text += (
            f"\n\nWhole chain through Dagster (`dagster asset materialize --select '*'`), "
            f"{chain['rows']:,} rows: {chain['total_seconds']:.1f} s wall; steps: {steps}; "
            f"no step running (process start-up, run and step bookkeeping) "
            f"{overhead:.1f} s = {overhead / chain['total_seconds']:.0%} of the day's wall time."
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000, 15_000_000])
    parser.add_argument("--skip", nargs="*", default=[], help="contenders to leave out")
    parser.add_argument("--no-chain", action="store_true", help="skip the Dagster chain run")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        print(f"{size:,} rows", flush=True)
        csv, rows = simulated_csv(size)
        csv_mb = csv.stat().st_size / 1e6
        for name, code in CONTENDERS.items():
            if name in args.skip:
                continue
            work = OUT / f"run-{name}-{size}"
            subprocess.run(["rm", "-rf", str(work)], check=True)
            extra = (SILVER_MEMORY_LIMIT, DAY.isoformat()) if name == "aislake" else ()
            r = measure(code, str(csv), str(work / "lake" if name == "aislake" else work), *extra)
            r.update(name=name, rows=rows, csv_mb=csv_mb)
            results.append(r)
            print(f"  {name:8} {r['seconds']:7.1f} s  {r['peak_rss_mb']:7.0f} MB RSS", flush=True)
            subprocess.run(["rm", "-rf", str(work)], check=True)
    (OUT / "results.json").write_text(json.dumps({"results": results}, indent=1))
    chain = None if args.no_chain else dagster_chain(*simulated_csv(max(args.sizes)))
    text = table(results, chain)
    (OUT / "results.json").write_text(json.dumps({"results": results, "chain": chain}, indent=1))
    print(text)
    if args.write_docs:
        write_docs(text)


def write_docs(text: str) -> None:
    """Replace the results section of docs/benchmarks.md (everything after its marker)."""
    doc = REPO / "docs" / "benchmarks.md"
    head = doc.read_text().split("<!-- results -->")[0] if doc.exists() else ""
    stamp = f"Run on {dt.date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}."
    doc.write_text(f"{head}<!-- results -->\n{stamp}\n\n{text}\n")


if __name__ == "__main__":
    main()
