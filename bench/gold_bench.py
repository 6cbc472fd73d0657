"""Gold's cost on a real-size day, and the cost of stitching visits, voyages and gaps over a year.

For a simulated DMA day of ``--rows`` rows (silver built first, untimed), in one process:

- each gold product of the registry built for the day, in the registry's order (the monthly
  rollup from that one day; the history products from that one day of runs): wall seconds and
  the ratio to the **baseline**, bare DuckDB reading the same silver and writing it sorted by
  (mmsi, ts), the cost of one sort of the day;
- the stitching over a **year**: the day's ``vessel_runs`` repeated for 365 days (each copy
  shifted by whole days), and the SQL of ``port_visits``, ``voyages`` and ``ais_gaps`` run over
  it, as they run over a lake of a year;
- the process's peak RSS (VmHWM), with aislake's default DuckDB memory limit (the 2 GB budget
  less 0.75 GB).

Results go to stdout as JSON and, with ``--write-docs``, into docs/benchmarks.md between the
``<!-- gold -->`` markers. Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from docs_block import write_block

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "gold"
DAY = dt.date(2024, 3, 1)


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    return kb / 1024


def run(rows: int) -> dict:
    import shutil

    from aislake.duck.engine import DuckDBSettings, connect, default_memory_limit
    from aislake.gold.core import GoldParams
    from aislake.gold.registry import PRODUCTS, build_product, product, product_selects
    from aislake.silver.build import build_silver
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.traffic import FleetSize
    from aislake.storage.current import dataset_keys
    from aislake.storage.store import LocalStore

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    store = LocalStore(OUT / "lake")
    csv = OUT / f"aisdk-{DAY}.csv"
    written, _ = write_dma_csv(csv, DAY, FleetSize.for_rows(rows))
    store.put_file(csv, f"bronze/dma/{csv.name}")
    csv.unlink()
    # aislake's default DuckDB settings: the limit derived from the 2 GB memory budget.
    con = connect(store, DuckDBSettings(default_memory_limit(None), None, str(OUT / "spill")))
    silver = build_silver(con, store, f"bronze/dma/{csv.name}", DAY)
    files = "[" + ", ".join(f"'{store.uri(k)}'" for k in silver.silver_keys) + "]"

    started = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM read_parquet({files}) ORDER BY mmsi, ts) "
        f"TO '{OUT / 'sorted.parquet'}' (FORMAT parquet, COMPRESSION zstd)"
    )
    baseline = time.perf_counter() - started

    products = {}
    for p in PRODUCTS:
        started = time.perf_counter()
        result = build_product(con, store, p.name, None if p.partitioning == "history" else DAY)
        seconds = time.perf_counter() - started
        products[p.name] = {
            "seconds": round(seconds, 2),
            "rows": result.rows,
            "x_sort": round(seconds / baseline, 2),
        }

    runs_keys = dataset_keys(store, "gold/vessel_runs/")
    one_day = "[" + ", ".join(f"'{store.uri(k)}'" for k in runs_keys) + "]"
    year = OUT / "runs_year.parquet"
    shift = "INTERVAL (n) DAY"
    con.execute(
        f"COPY (SELECT * REPLACE (dt + {shift} AS dt, start_ts + {shift} AS start_ts, "
        f"end_ts + {shift} AS end_ts, stop_ts + {shift} AS stop_ts) "
        f"FROM read_parquet({one_day}), range(365) AS t(n)) TO '{year}' (FORMAT parquet)"
    )
    runs = f"read_parquet('{year}')"
    (year_rows,) = con.execute(f"SELECT count(*) FROM {runs}").fetchone() or (0,)
    stitched = {}
    params = GoldParams()
    started = time.perf_counter()
    inputs = {"vessel_runs": runs}
    ((visits_sql, values),) = product_selects(con, product("port_visits"), inputs, None, params)
    con.execute(f"CREATE TABLE visits AS {visits_sql}", values)
    stitched["port_visits"] = round(time.perf_counter() - started, 2)
    for name, reads in (
        ("voyages", {"port_visits": "visits", "vessel_runs": runs}),
        ("ais_gaps", {"vessel_runs": runs}),
    ):
        started = time.perf_counter()
        ((sql, values),) = product_selects(con, product(name), reads, None, params)
        con.execute(f"SELECT count(*) FROM (\n{sql}\n)", values).fetchone()
        stitched[name] = round(time.perf_counter() - started, 2)
    (visits,) = con.execute("SELECT count(*) FROM visits").fetchone() or (0,)
    return {
        "rows": written,
        "silver_rows": silver.rows,
        "baseline_sort_seconds": round(baseline, 2),
        "products": products,
        "year_of_runs": {"rows": year_rows, "visits": visits, "seconds": stitched},
        "peak_rss_mb": round(peak_rss_mb()),
    }


def markdown(r: dict) -> str:
    lines = [
        f"Gold on a simulated day of {r['rows']:,} rows ({r['silver_rows']:,} in silver), one "
        f"process, 2 cores (`python bench/gold_bench.py --rows {r['rows']}`); baseline: bare "
        f"DuckDB writing the day's silver sorted by (mmsi, ts), "
        f"**{r['baseline_sort_seconds']} s**. Peak RSS {r['peak_rss_mb']:,} MB.",
        "",
        "| product | seconds | x the sort | rows |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| `{n}` | {v['seconds']} | {v['x_sort']} | {v['rows']:,} |"
        for n, v in r["products"].items()
    ]
    y = r["year_of_runs"]
    lines += [
        "",
        f"Stitching a year: the day's runs repeated for 365 days ({y['rows']:,} runs, "
        f"{y['visits']:,} visits): port_visits {y['seconds']['port_visits']} s, voyages "
        f"{y['seconds']['voyages']} s, ais_gaps {y['seconds']['ais_gaps']} s.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    result = run(args.rows)
    print(json.dumps(result, indent=2))
    text = markdown(result)
    print(text)
    if args.write_docs:
        write_block("gold", text, "Gold")


if __name__ == "__main__":
    main()
