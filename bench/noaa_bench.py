"""A NOAA day at full size: an 8 M-row csv2 day (zstd CSV) against bare DuckDB, in one run.

Each contender runs in a fresh process on the same simulated file (so peak RSS is its own):

  zstd_verify         aislake's bronze verification: the whole ``.csv.zst`` decoded with
                      ``zstandard`` (frame checksums), the file hashed, lines counted;
  zstd_decode         the same, writing the decoded CSV (what keeping a plain CSV in bronze
                      would cost instead);
  duckdb_zst          bare DuckDB straight from the ``.csv.zst`` to Parquet (DuckDB decodes
                      zstd itself; a compressed file is read by one thread);
  duckdb_csv          bare DuckDB from the decoded CSV to Parquet (parallel reader);
  duckdb_sorted       bare DuckDB from the ``.csv.zst``, sorted by (mmsi, time): the floor of
                      silver's layout;
  aislake_silver      ``build_silver(source="noaa")`` on the ``.csv.zst`` bronze keeps: typing,
                      NOAA's mapping, the rules, dedup, motion flags, sort, rejects,
                      reconciliation, publish;
  aislake_silver_csv  the same on the decoded CSV;

and, unless ``--no-chain``, the whole NOAA day through Dagster (``dagster asset materialize
--select '*'`` with ``AISLAKE_SOURCES=noaa``: bronze from a file:// mirror, silver, checks and
every gold product). Ratios are against ``duckdb_zst``, the bare path from the file NOAA serves
to Parquet.

    pip install -e '.[bench]'
    python bench/noaa_bench.py --rows 8000000 --write-docs

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

sys.path.insert(0, str(Path(__file__).parent))
from silver_bench import busy_seconds, measure

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "noaa"
DAY = dt.date(2024, 3, 1)
# Every asset of the day: the monthly rollup has its own partition key (a run of its own).
DAY_SELECTION = "* and not key:traffic_density_monthly_gold"
MEMORY_LIMIT = "1GB"

READ = "header=true, delim=','"  # DuckDB's default quote is '"', as NOAA's
SILVER = f"""
import datetime as dt, sys
from pathlib import Path
from aislake.duck.engine import DuckDBSettings, connect
from aislake.silver.build import build_silver
from aislake.storage.store import LocalStore
csv, lake = Path(sys.argv[1]), Path(sys.argv[2])
store = LocalStore(lake)
key = "bronze/noaa/" + csv.name
target = Path(store.uri(key)); target.parent.mkdir(parents=True, exist_ok=True)
if not target.exists(): target.symlink_to(csv)
con = connect(store, DuckDBSettings("{MEMORY_LIMIT}", None, str(lake.parent / "spill")))
r = build_silver(con, store, key, dt.date.fromisoformat(sys.argv[3]), source="noaa")
assert r.rows + r.rejects == r.rows_in
print(r.silver_bytes, r.rows, sep=",")
"""

BARE = f"""
import sys, duckdb
from pathlib import Path
src, out = sys.argv[1], Path(sys.argv[2]) / "bare.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{{src}}', {READ})) TO '{{out}}' (FORMAT parquet, "
            "COMPRESSION zstd)")
print(out.stat().st_size, con.execute(f"SELECT count(*) FROM '{{out}}'").fetchone()[0], sep=",")
"""
CONTENDERS = {
    "zstd_verify": """
import datetime as dt, sys
from pathlib import Path
from aislake.sources.noaa.archive import verify_zstd_csv
zst = Path(sys.argv[1])
day = verify_zstd_csv(zst, dt.date.fromisoformat(sys.argv[3]), zst.as_uri(), zst.name)
print(day.decoded_bytes, day.rows, sep=",")
""",
    "zstd_decode": """
import sys
from pathlib import Path
from aislake.bronze.lines import LineCounter
from aislake.bronze.zstd import decode
zst, out = Path(sys.argv[1]), Path(sys.argv[2]) / "day.csv"
out.parent.mkdir(parents=True, exist_ok=True)
counter = LineCounter()
with zst.open("rb") as src, out.open("wb") as dst:
    for text in decode(iter(lambda: src.read(4 << 20), b""), str(zst)):
        counter.feed(text)
        dst.write(text)
print(out.stat().st_size, counter.lines, sep=",")
""",
    "duckdb_zst": BARE,
    "duckdb_csv": BARE,  # the same statement on the decoded CSV
    "duckdb_sorted": f"""
import sys, duckdb
from pathlib import Path
src, out = sys.argv[1], Path(sys.argv[2]) / "sorted.parquet"
out.parent.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute("SET memory_limit = '{MEMORY_LIMIT}'")
con.execute(f"COPY (SELECT * FROM read_csv('{{src}}', {READ}) ORDER BY 1, 2) TO '{{out}}' "
            "(FORMAT parquet, COMPRESSION zstd)")  # mmsi, base_date_time
print(out.stat().st_size, con.execute(f"SELECT count(*) FROM '{{out}}'").fetchone()[0], sep=",")
""",
    "aislake_silver": SILVER,
    "aislake_silver_csv": SILVER,
}


def simulated_day(rows: int) -> tuple[Path, int]:
    """The csv2 mirror of an ``rows``-row day (cached in bench/out/noaa)."""
    from aislake.simulate.noaafile import noaa_fleet_for_rows, write_noaa_day

    mirror = OUT / f"mirror-{rows}"
    meta = OUT / f"mirror-{rows}.json"
    if meta.exists():
        return mirror, json.loads(meta.read_text())["rows"]
    started = time.perf_counter()
    sim = write_noaa_day(DAY, mirror, "csv2", noaa_fleet_for_rows(rows), level=3)
    meta.write_text(json.dumps({"rows": sim.rows}))
    print(f"  simulated {sim.rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return mirror, sim.rows


def dagster_chain(mirror: Path) -> dict:
    """NOAA's bronze -> silver (+checks) -> gold for the day, as a user runs it."""
    home, lake = OUT / "dagster_home", OUT / "chain_lake"
    subprocess.run(["rm", "-rf", str(home), str(lake)], check=True)
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "AISLAKE_SOURCES": "noaa",
        "AISLAKE_LAKE_DIR": str(lake),
        "AISLAKE_NOAA_CSV2_BASE_URL": mirror.as_uri(),
        "AISLAKE_DUCKDB_MEMORY_LIMIT": MEMORY_LIMIT,
        "AISLAKE_DUCKDB_TEMP_DIR": str(OUT / "spill"),
        "AISLAKE_WORKDIR": str(OUT),
    }
    (OUT / "spill").mkdir(exist_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "asset",
            "materialize",
            "-m",
            "aislake.definitions",
            "--select",
            DAY_SELECTION,
            "--partition",
            DAY.isoformat(),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError("the Dagster chain failed:\n" + done.stderr[-3000:])
    total = time.perf_counter() - started
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        steps = instance.get_run_step_stats(run.run_id)
    return {
        "total_seconds": total,
        "steps": {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in steps},
        "work_seconds": busy_seconds([(s.start_time or 0, s.end_time or 0) for s in steps]),
    }


def table(
    rows: int, results: dict[str, dict], zst_mb: float, csv_mb: float, chain: dict | None
) -> str:
    base = results["duckdb_zst"]["seconds"]
    lines = [
        f"NOAA csv2 day, {rows:,} rows: {zst_mb:,.0f} MB zstd, {csv_mb:,.0f} MB decoded.",
        "",
        "| contender | wall s | rows/s | peak RSS MB | output MB | vs bare DuckDB from .zst |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['seconds']:.1f} | {rows / r['seconds']:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} | {r['output_bytes'] / 1e6:,.0f} | "
            f"{r['seconds'] / base:.2f}x |"
        )
    sec = {name: r["seconds"] for name, r in results.items()}
    ours = sec["zstd_verify"] + sec["aislake_silver"]
    as_csv = sec["zstd_decode"] + sec["aislake_silver_csv"]
    lines += [
        "",
        f"Bronze keeps the `.csv.zst` (DuckDB reads it directly): verify + silver = {ours:.1f} s, "
        f"{ours / base:.2f}x bare DuckDB from the .zst ({base:.1f} s). Keeping the decoded CSV "
        f"instead: decode + silver = {as_csv:.1f} s ({as_csv / base:.2f}x), and bronze "
        f"{csv_mb / zst_mb:.1f}x larger; bare, decode + parallel read = "
        f"{sec['zstd_decode'] + sec['duckdb_csv']:.1f} s against {base:.1f} s from the .zst.",
    ]
    if chain:
        idle = chain["total_seconds"] - chain["work_seconds"]
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in chain["steps"].items())
        lines += [
            "",
            f"Whole NOAA day through Dagster (`AISLAKE_SOURCES=noaa dagster asset materialize "
            f"--select '*'`): {chain['total_seconds']:.1f} s wall "
            f"({chain['total_seconds'] / base:.1f}x bare DuckDB from the .zst); steps: {steps}; "
            f"no step running {idle:.1f} s.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=8_000_000)
    parser.add_argument("--no-chain", action="store_true")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    mirror, rows = simulated_day(args.rows)
    zst = next(mirror.rglob("*.csv.zst"))
    work = OUT / "work"
    results: dict[str, dict] = {}
    decoded = work / "decoded"
    for name, code in CONTENDERS.items():
        subprocess.run(["rm", "-rf", str(work / name)], check=True)
        if name in ("zstd_verify", "zstd_decode"):
            argv = (str(zst), str(decoded), DAY.isoformat())
        elif name in ("duckdb_zst", "duckdb_sorted"):
            argv = (str(zst), str(work / name))
        elif name == "aislake_silver":
            argv = (str(zst), str(work / name / "lake"), DAY.isoformat())
        elif name == "aislake_silver_csv":
            argv = (str(decoded / "day.csv"), str(work / name / "lake"), DAY.isoformat())
        else:
            argv = (str(decoded / "day.csv"), str(work / name))
        results[name] = measure(code, *argv)
        print(
            f"  {name:15} {results[name]['seconds']:7.1f} s  "
            f"{results[name]['peak_rss_mb']:7.0f} MB RSS",
            flush=True,
        )
    chain = None if args.no_chain else dagster_chain(mirror)
    text = table(
        rows, results, zst.stat().st_size / 1e6, (decoded / "day.csv").stat().st_size / 1e6, chain
    )
    (OUT / "results.json").write_text(json.dumps({"results": results, "chain": chain}, indent=1))
    subprocess.run(["rm", "-rf", str(work)], check=True)
    print(text)
    if args.write_docs:
        write_docs(text)


def write_docs(text: str) -> None:
    """Replace the NOAA section of docs/benchmarks.md (between its markers)."""
    doc = REPO / "docs" / "benchmarks.md"
    start, end = "<!-- noaa-results -->", "<!-- /noaa-results -->"
    body = doc.read_text()
    stamp = f"Run on {dt.date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}."
    block = f"{start}\n{stamp} `python bench/noaa_bench.py --write-docs`\n\n{text}\n{end}"
    if start in body:
        before, rest = body.split(start, 1)
        body = before + block + rest.split(end, 1)[1]
    else:
        section = f"## NOAA: an 8 M-row day\n\n{block}\n\n## Results\n"
        body = body.replace("## Results\n", section, 1)
    doc.write_text(body)


if __name__ == "__main__":
    main()
