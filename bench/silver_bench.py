"""Silver and the whole day at full scale: aislake against bare DuckDB and pandas, on one file.

For each size (simulated DMA days of 1 M, 4 M, 15 M and 30 M rows by default) it times, in the
same run and each in a fresh process (so peak RSS is that process's own):

  (a) aislake's silver step alone (``build_silver``: typing, rules, dedup, jump flags, sort,
      rejects), DuckDB limit 1 GB;
  (b) bare DuckDB: ``COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet)``, lines it
      cannot read skipped (``ignore_errors``: the simulated days carry real days' quirks);
  (c) bare DuckDB sorted by (MMSI, time): the floor of silver's layout;
  (d) pandas: ``read_csv`` + ``to_parquet`` (pyarrow), up to ``--pandas-max`` rows;
  (e) ``dagster asset materialize --select dma_ais_silver`` as a user runs it: silver and its
      checks, default settings, the day already in bronze;

and for each ``--chain-sizes`` day the whole chain (``dagster asset materialize --select '*'``:
bronze from a file:// zip, silver, every gold product but the monthly rollup, every check), default
settings.

    pip install -e '.[bench]'
    python bench/silver_bench.py --write-docs

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
# Every asset of the day: the monthly rollup has its own partition key (a run of its own).
DAY_SELECTION = "* and not key:traffic_density_monthly_gold"
# aislake's DuckDB settings for the silver step: both cores, a memory limit well under the 2 GB
# RSS goal (DuckDB spills sorts beyond it), a spill folder on local disk.
SILVER_MEMORY_LIMIT = "1GB"

CONTENDERS = {
    "aislake": """
import datetime as dt, sys
from pathlib import Path
from aislake.duck.engine import DuckDBSettings, connect
from aislake.silver.build import build_silver
from aislake.storage.store import LocalStore
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
con.execute(f"COPY (SELECT * FROM read_csv('{csv}', header=true, delim=',', quote='\\"', "
            "ignore_errors=true)) "
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
con.execute(f"COPY (SELECT * FROM read_csv('{csv}', header=true, delim=',', quote='\\"', "
            "ignore_errors=true) "
            f"ORDER BY 3, 1) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")  # MMSI, # Timestamp
print(out.stat().st_size, con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0], sep=",")
""",
    "pandas": """
import sys
from pathlib import Path
import pandas as pd
csv, out = sys.argv[1], Path(sys.argv[2]) / "pandas.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
df = pd.read_csv(csv, on_bad_lines='skip')
df.to_parquet(out, compression="zstd")
print(out.stat().st_size, len(df), sep=",")
""",
}


# Peak RSS as the child itself sees it: VmHWM belongs to the process's own address space, reset
# by exec. (getrusage's ru_maxrss would include the benchmark's own RSS, inherited at fork.)
REPORT_PEAK = """
print("VmHWM", next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


# `dagster` run in this Python, its peak RSS reported at exit: with aislake's default executor
# (in_process) every step runs in this process, so its VmHWM is the run's largest process.
DAGSTER_CLI = """
import atexit, sys
atexit.register(lambda: print("VmHWM", next(l.split()[1] for l in open("/proc/self/status")
                                             if l.startswith("VmHWM")), flush=True))
from dagster._cli import main
sys.argv = ["dagster", *sys.argv[1:]]
main()
"""


def dagster_materialize(select: str, env: dict[str, str]) -> dict:
    """`dagster asset materialize --select SELECT` for DAY, as a user runs it: wall time and
    the peak RSS of the run's process."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            DAGSTER_CLI,
            "asset",
            "materialize",
            "-m",
            "aislake.definitions",
            "--select",
            select,
            "--partition",
            DAY.isoformat(),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        failures = [ln for ln in done.stderr.splitlines() if "FAILURE" in ln or "Error" in ln]
        raise RuntimeError("the Dagster run failed:\n" + "\n".join(failures[-20:]))
    peak = next(ln for ln in done.stdout.splitlines() if ln.startswith("VmHWM"))
    return {"seconds": seconds, "peak_rss_mb": int(peak.split()[1]) / 1024}


def lake_env(lake: Path, home: Path, **extra: str) -> dict[str, str]:
    """aislake's settings for a bench run: default DuckDB memory (derived from the 2 GB
    budget), spills and downloads under bench/out."""
    home.mkdir(parents=True, exist_ok=True)
    (OUT / "spill").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "AISLAKE_LAKE_DIR": str(lake),
        "AISLAKE_DUCKDB_TEMP_DIR": str(OUT / "spill"),
        "AISLAKE_WORKDIR": str(OUT),
        **extra,
    }
    env.pop("AISLAKE_DUCKDB_MEMORY_LIMIT", None)
    return env


def dagster_silver(csv: Path, rows: int) -> dict:
    """`dagster asset materialize --select dma_ais_silver` (silver and its checks) with the
    day already in bronze (put there untimed, with its manifest, as dma_ais_bronze leaves it)."""
    import hashlib

    from aislake.bronze.lines import LineCounter
    from aislake.bronze.manifest import BronzeManifest, write_manifest
    from aislake.sources.registry import bronze_key
    from aislake.storage.store import LocalStore

    lake, home = OUT / "silver_lake", OUT / "silver_home"
    subprocess.run(["rm", "-rf", str(lake), str(home)], check=True)
    store = LocalStore(lake)
    key = bronze_key("dma", DAY)
    target = Path(store.uri(key))
    target.parent.mkdir(parents=True)
    target.symlink_to(csv)
    digest, counter = hashlib.sha256(), LineCounter()
    with csv.open("rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
            counter.feed(chunk)
    write_manifest(
        store,
        key,
        BronzeManifest(csv.stat().st_size, digest.hexdigest(), counter.lines, csv.as_uri()),
    )
    result = dagster_materialize("dma_ais_silver", lake_env(lake, home))
    subprocess.run(["rm", "-rf", str(lake), str(home)], check=True)
    return result


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
    """bronze -> silver -> gold with every check for one day via `dagster asset materialize
    --select '*'`, from a zip mirror (zipped untimed)."""
    import zipfile

    mirror = OUT / f"mirror-{rows}"
    mirror.mkdir(parents=True, exist_ok=True)
    zpath = mirror / f"aisdk-{DAY.isoformat()}.zip"
    if not zpath.exists():
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.write(csv, f"aisdk-{DAY.isoformat()}.csv")
    home, lake = OUT / "dagster_home", OUT / "chain_lake"
    subprocess.run(["rm", "-rf", str(home), str(lake)], check=True)
    env = lake_env(lake, home, AISLAKE_DMA_BASE_URL=mirror.as_uri())
    result = dagster_materialize(DAY_SELECTION, env)
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        steps = instance.get_run_step_stats(run.run_id)
    step_seconds = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in steps}
    intervals = [(s.start_time or 0, s.end_time or 0) for s in steps]
    subprocess.run(["rm", "-rf", str(lake)], check=True)
    return {
        "rows": rows,
        "total_seconds": result["seconds"],
        "steps": step_seconds,
        "work_seconds": busy_seconds(intervals),
        "peak_rss_mb": result["peak_rss_mb"],
    }


def busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """How long at least one step was running (steps overlap under the multiprocess executor)."""
    busy, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b > end:
            busy += b - max(a, end)
            end = b
    return busy


def table(results: list[dict], chains: list[dict]) -> str:
    lines = [
        "| rows | contender | wall s | rows/s | MB/s (CSV) | peak RSS MB | output MB "
        "| vs bare DuckDB | vs sorted DuckDB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def base(rows: int, name: str) -> float | None:
        found = [x for x in results if x["rows"] == rows and x["name"] == name]
        return found[0]["seconds"] if found else None

    def ratio(seconds: float, rows: int, name: str) -> str:
        b = base(rows, name)
        return f"{seconds / b:.2f}x" if b else "-"

    for r in results:
        out = f"{r['output_bytes'] / 1e6:,.0f}" if r.get("output_bytes") else "-"
        lines.append(
            f"| {r['rows']:,} | {r['name']} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f}"
            f" | {r['csv_mb'] / r['seconds']:.0f} | {r['peak_rss_mb']:,.0f} | {out}"
            f" | {ratio(r['seconds'], r['rows'], 'duckdb')}"
            f" | {ratio(r['seconds'], r['rows'], 'duckdb_sorted')} |"
        )
    text = "\n".join(lines)
    for chain in chains:
        idle = chain["total_seconds"] - chain["work_seconds"]
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in chain["steps"].items())
        text += (
            f"\n\nWhole day through Dagster (`dagster asset materialize --select '*'`: bronze from "
            f"a file:// zip, silver, every gold product but the monthly rollup, every check), "
            f"{chain['rows']:,} rows: "
            f"**{chain['total_seconds']:.1f} s** wall"
            f" ({ratio(chain['total_seconds'], chain['rows'], 'duckdb')} bare DuckDB), peak RSS "
            f"{chain['peak_rss_mb']:,.0f} MB; steps: {steps}; no step running {idle:.1f} s."
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000, 15_000_000, 30_000_000]
    )
    parser.add_argument("--skip", nargs="*", default=[], help="contenders to leave out")
    parser.add_argument(
        "--pandas-max",
        type=int,
        default=4_000_000,
        help="largest day pandas is given (it needs about 0.75 GB per M rows)",
    )
    parser.add_argument(
        "--chain-sizes",
        type=int,
        nargs="*",
        default=[200_000, 15_000_000],
        help="days taken through the whole chain in Dagster",
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in sorted(set(args.sizes) | set(args.chain_sizes)):
        print(f"{size:,} rows", flush=True)
        csv, rows = simulated_csv(size)
        csv_mb = csv.stat().st_size / 1e6
        for name, code in [*CONTENDERS.items(), ("dagster_silver", "")]:
            if name in args.skip or (name == "pandas" and size > args.pandas_max):
                continue
            if size not in args.sizes and name != "duckdb":  # a chain's day: its baseline only
                continue
            work = OUT / f"run-{name}-{size}"
            subprocess.run(["rm", "-rf", str(work)], check=True)
            if name == "dagster_silver":
                r = dagster_silver(csv, rows)
            else:
                extra = (SILVER_MEMORY_LIMIT, DAY.isoformat()) if name == "aislake" else ()
                lake = work / "lake" if name == "aislake" else work
                r = measure(code, str(csv), str(lake), *extra)
            r.update(name=name, rows=rows, csv_mb=csv_mb)
            results.append(r)
            print(f"  {name:14} {r['seconds']:7.1f} s  {r['peak_rss_mb']:7.0f} MB RSS", flush=True)
            subprocess.run(["rm", "-rf", str(work)], check=True)
        (OUT / "results.json").write_text(json.dumps({"results": results}, indent=1))
    chains = []
    for size in args.chain_sizes:
        chain = dagster_chain(*simulated_csv(size))
        chain["rows"] = simulated_csv(size)[1]
        chains.append(chain)
        print(
            f"  chain {size:,}: {chain['total_seconds']:.1f} s, {chain['peak_rss_mb']:.0f} MB RSS",
            flush=True,
        )
    text = table(results, chains)
    (OUT / "results.json").write_text(json.dumps({"results": results, "chains": chains}, indent=1))
    print(text)
    if args.write_docs:
        write_docs(text)


def write_docs(text: str) -> None:
    """Replace the results in docs/benchmarks.md (between its results markers)."""
    doc = REPO / "docs" / "benchmarks.md"
    body = doc.read_text()
    start, end = "<!-- results -->", "<!-- /results -->"
    stamp = f"Run on {dt.date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}."
    before, rest = body.split(start, 1)
    doc.write_text(f"{before}{start}\n{stamp}\n\n{text}\n{end}{rest.split(end, 1)[1]}")


if __name__ == "__main__":
    main()
