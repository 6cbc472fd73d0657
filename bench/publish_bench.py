"""What publishing a day atomically costs: aislake's Delta commit of DuckDB's files against
DuckDB's bare COPY, delta-rs writing the rows itself, and an Iceberg commit of the same files.

Silver of a simulated day (``--rows``) is built once; then each contender, in a fresh process,
writes that day's rows as a new version of a partition that already holds one (a re-run):

- **copy**: bare DuckDB ``COPY (SELECT * FROM silver) TO part.parquet`` (zstd): no atomicity;
- **table**: aislake's way: ``COPY`` to a staging key, ``aislake.storage.tables.publish`` (move
  to a key of its own, one Delta commit registering the file and removing the old one);
- **delta-write**: ``deltalake.write_deltalake`` of the same rows (DuckDB's Arrow stream)
  replacing the day's partition (``mode="overwrite"`` with a predicate): delta-rs rewrites them;
- **iceberg**: ``COPY`` (with the ``dt`` column Iceberg's identity partition needs in the file),
  then pyiceberg (SQLite catalog) deleting the day and ``add_files`` in one transaction.

Then the time for a reader to find the day's current files: through the table's log (``open``:
``aislake.storage.current.partition_keys``), against reading a JSON pointer naming them (how
aislake found them before the tables), each the median of 20.

It reports seconds, the ratio to **copy** and peak RSS. ``pip install -e '.[bench]'`` brings
``pyiceberg``. Never run by the tests.

    python bench/publish_bench.py --rows 15000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
    "table": """
import json, statistics, sys, time, duckdb
from pathlib import Path
from aislake.storage.current import partition_keys
from aislake.storage.store import LocalStore
from aislake.storage.tables import publish
silver, work = sys.argv[1], sys.argv[2]
store = LocalStore(Path(work) / "lake")
con = duckdb.connect(); con.execute("SET memory_limit = '1GB'")
prefix = "silver/ais/source=dma/dt=2024-03-01/"
commits = []
for version in (1, 2):
    staged = store.staging_prefix()
    store.prepare_write(f"{staged}/part-0.parquet")
    con.execute(f"COPY (SELECT * FROM read_parquet('{silver}')) TO "
                f"'{store.uri(staged + '/part-0.parquet')}' (FORMAT parquet, COMPRESSION zstd)")
    started = time.perf_counter()
    publish(store, {prefix: staged})
    commits.append(time.perf_counter() - started)
opens, reads = [], []
pointer = Path(work) / "pointer.json"
pointer.write_text(json.dumps({"files": {prefix: partition_keys(store, prefix)}}))
for _ in range(20):
    started = time.perf_counter(); partition_keys(store, prefix)
    opens.append(time.perf_counter() - started)
    started = time.perf_counter(); json.loads(pointer.read_text())["files"][prefix]
    reads.append(time.perf_counter() - started)
print("EXTRA", json.dumps({"commit_s": commits, "open_ms": statistics.median(opens) * 1e3,
                           "pointer_ms": statistics.median(reads) * 1e3}))
""",
    "iceberg": """
import sys, duckdb
from pyiceberg.catalog.sql import SqlCatalog
import pyarrow.parquet as pq
silver, work = sys.argv[1], sys.argv[2]
con = duckdb.connect(); con.execute("SET memory_limit = '1GB'")
catalog = SqlCatalog("bench", uri=f"sqlite:///{work}/catalog.db", warehouse=f"file://{work}")
catalog.create_namespace("silver")
table = None
for version in (1, 2):
    path = f"{work}/part-{version}.parquet"
    con.execute(f"COPY (SELECT *, DATE '2024-03-01' AS dt FROM read_parquet('{silver}')) "
                f"TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    if table is None:
        from pyiceberg.partitioning import PartitionField, PartitionSpec
        from pyiceberg.transforms import IdentityTransform
        schema = pq.read_schema(path)
        table = catalog.create_table("silver.ais", schema=schema)
        with table.update_spec() as spec:
            spec.add_identity("dt")
    with table.transaction() as tx:
        tx.delete("dt = '2024-03-01'")
        tx.add_files([path])
""",
    "delta-write": """
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
    extra = [json.loads(x[6:]) for x in done.stdout.splitlines() if x.startswith("EXTRA ")]
    return {
        "seconds": seconds,
        "peak_mb": int(done.stdout.split()[-1]) / 1024,
        **(extra or [{}])[0],
    }


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
            f"{name:12s} {r['seconds']:7.2f} s  {2 * rows / r['seconds']:>12,.0f} rows/s  "
            f"{ratio:>6s}  peak {r['peak_mb']:6.0f} MB"
        )
    if "table" in results:
        t = results["table"]
        commits = ", ".join(f"{s:.3f}" for s in t["commit_s"])
        print(
            f"table: the two commits (move and register) {commits} s; a reader finds the day's "
            f"files through the log in {t['open_ms']:.1f} ms "
            f"(a JSON pointer: {t['pointer_ms']:.2f} ms)"
        )


if __name__ == "__main__":
    main()
