"""What publishing a day atomically costs: aislake's version pointer against DuckDB's COPY and a
Delta Lake commit, on the same silver day.

Silver of a simulated day (``--rows``) is built once; then each contender, in a fresh process,
writes that day's rows as a new version of a partition that already holds one (a re-run):

- **copy**: bare DuckDB ``COPY (SELECT * FROM silver) TO part.parquet`` (zstd): no atomicity;
- **pointer**: aislake's way: ``COPY`` to a staging key, ``ObjectStore.publish`` (move to a key
  of its own, the pointer written last, the old version removed), on the local lake;
- **delta**: ``deltalake.write_deltalake`` of the same rows (DuckDB's Arrow stream) replacing the
  day's partition of a Delta table (``mode="overwrite"`` with a predicate): one commit.

It reports seconds, the ratio to **copy** and peak RSS. ``pip install -e '.[bench]'`` brings
``deltalake``. Never run by the tests.

    python bench/publish_bench.py --rows 15000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
DAY = dt.date(2024, 3, 1)

PEAK = """
print("VmHWM", next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""

CONTENDERS = {
    "copy": """
import sys, duckdb
silver, work = sys.argv[1], sys.argv[2]
con = duckdb.connect(); con.execute("SET memory_limit = '1GB'")
for version in (1, 2):  # a first run, then the re-run that replaces it
    con.execute(f"COPY (SELECT * FROM read_parquet('{silver}')) TO '{work}/part.parquet' "
                "(FORMAT parquet, COMPRESSION zstd)")
""",
    "pointer": """
import sys, duckdb
from pathlib import Path
from aislake.storage.layout import pointer_key
from aislake.storage.store import LocalStore
silver, work = sys.argv[1], sys.argv[2]
store = LocalStore(Path(work) / "lake")
con = duckdb.connect(); con.execute("SET memory_limit = '1GB'")
prefix = "silver/ais/source=dma/dt=2024-03-01/"
for version in (1, 2):
    staged = store.staging_prefix()
    store.prepare_write(f"{staged}/part-0.parquet")
    con.execute(f"COPY (SELECT * FROM read_parquet('{silver}')) TO "
                f"'{store.uri(staged + '/part-0.parquet')}' (FORMAT parquet, COMPRESSION zstd)")
    store.publish({prefix: staged}, pointer_key(prefix))
""",
    "delta": """
import sys, duckdb
from deltalake import write_deltalake
silver, work = sys.argv[1], sys.argv[2]
con = duckdb.connect(); con.execute("SET memory_limit = '1GB'")
for version in (1, 2):
    rows = con.execute(f"SELECT * REPLACE (DATE '2024-03-01' AS dt) FROM read_parquet('{silver}')")
    write_deltalake(f"{work}/delta", rows.to_arrow_reader(122880), mode="overwrite",
                    partition_by=["dt"], predicate="dt = '2024-03-01'")
""",
}


def silver_day(rows: int) -> Path:
    """The silver file of a simulated day of ``rows`` rows (built once, kept in bench/out)."""
    out = OUT / f"publish-silver-{rows}.parquet"
    if out.exists():
        return out
    from aislake.duck.engine import DuckDBSettings, connect
    from aislake.silver.build import build_silver
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.traffic import FleetSize
    from aislake.storage.store import LocalStore

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        csv = Path(tmp) / f"aisdk-{DAY}.csv"
        write_dma_csv(csv, DAY, FleetSize.for_rows(rows))
        store = LocalStore(Path(tmp) / "lake")
        store.put_file(csv, "bronze/dma/day.csv")
        csv.unlink()
        con = connect(store, DuckDBSettings("1GB", None, tmp))
        result = build_silver(con, store, "bronze/dma/day.csv", DAY)
        files = ", ".join(f"'{store.uri(k)}'" for k in result.silver_keys)
        # The day as silver holds it, plus the `dt` its path gives (read_parquet's hive columns).
        con.execute(f"COPY (SELECT * FROM read_parquet([{files}])) TO '{out}' (FORMAT parquet)")
    return out


def measure(name: str, silver: Path) -> dict:
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CONTENDERS[name] + PEAK, str(silver), work],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed: {done.stderr[-2000:]}")
    return {"seconds": seconds, "peak_mb": int(done.stdout.split()[-1]) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=15_000_000)
    parser.add_argument("--skip", nargs="*", default=[])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    silver = silver_day(args.rows)
    import duckdb

    (rows,) = duckdb.sql(f"SELECT count(*) FROM '{silver}'").fetchone()  # type: ignore[misc]
    print(f"silver day: {rows:,} rows, {silver.stat().st_size / 1e6:,.0f} MB; two versions each")
    results = {n: measure(n, silver) for n in CONTENDERS if n not in args.skip}
    base = results.get("copy", {}).get("seconds")
    for name, r in results.items():
        ratio = f"x{r['seconds'] / base:.2f}" if base else ""
        print(
            f"{name:8s} {r['seconds']:7.2f} s  {2 * rows / r['seconds']:>12,.0f} rows/s  "
            f"{ratio:>6s}  peak {r['peak_mb']:6.0f} MB"
        )


if __name__ == "__main__":
    main()
