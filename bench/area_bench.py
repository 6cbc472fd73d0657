"""What a box over a month reads: the Great Belt, over a simulated month, in silver and
``vessel_positions`` (ordered by vessel) against ``positions_by_area`` (ordered by place).

``--days`` simulated DMA days of ``--rows`` rows each go through silver, ``vessel_positions``
and ``positions_by_area`` (in one process, no Dagster; the days are built once and kept in
bench/out/area unless ``--rebuild``). Then, for each dataset, over the month's current files:

- **bytes read**: the compressed bytes of the row groups whose ``lat``/``lon`` statistics meet
  the box (what a reader that prunes by statistics reads: DuckDB, Spark, Trino, Polars), against
  the whole month's bytes;
- **seconds**: DuckDB counting the positions in the box (median of 3, warm cache);
- the positions found, which must agree between the two gold tables.

Results go to stdout as JSON and, with ``--write-docs``, into docs/benchmarks.md between the
``<!-- area -->`` markers. Never run by the tests.

    python bench/area_bench.py --days 30 --rows 1000000 --write-docs
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from docs_block import write_block

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "area"
FIRST = dt.date(2024, 3, 1)
# The Great Belt (Storebælt) between Funen and Zealand: (lon_min, lat_min, lon_max, lat_max).
GREAT_BELT = (10.75, 55.05, 11.25, 55.65)


def build_month(days: int, rows: int, rebuild: bool) -> Path:
    """The simulated month's lake (silver and the two gold tables of every day)."""
    import shutil

    from aislake.duck.engine import DuckDBSettings, connect, default_memory_limit
    from aislake.gold.registry import build_product
    from aislake.silver.build import build_silver
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.traffic import FleetSize
    from aislake.storage.current import partition_keys
    from aislake.storage.layout import gold_prefix
    from aislake.storage.store import LocalStore

    lake = OUT / f"lake-{days}x{rows}"
    if rebuild:
        shutil.rmtree(lake, ignore_errors=True)
    store = LocalStore(lake)
    con = connect(store, DuckDBSettings(default_memory_limit(None), None, str(OUT / "spill")))
    for n in range(days):
        day = FIRST + dt.timedelta(days=n)
        if partition_keys(store, gold_prefix("positions_by_area", day)):
            continue
        started = time.perf_counter()
        csv = OUT / f"aisdk-{day}.csv"
        write_dma_csv(csv, day, FleetSize.for_rows(rows))
        store.put_file(csv, f"bronze/dma/{csv.name}")
        csv.unlink()
        build_silver(con, store, f"bronze/dma/{csv.name}", day)
        store.delete([f"bronze/dma/{csv.name}"])
        for product in ("vessel_positions", "positions_by_area"):
            build_product(con, store, product, day)
        print(f"{day}: built in {time.perf_counter() - started:.1f} s", flush=True)
    return lake


def bytes_in_box(paths: list[str], box: tuple[float, float, float, float]) -> tuple[int, int, int]:
    """(bytes of the row groups whose lat/lon statistics meet the box, all bytes, row groups
    that meet it) over ``paths``."""
    import pyarrow.parquet as pq

    lon0, lat0, lon1, lat1 = box
    met = total = groups = 0
    for path in paths:
        meta = pq.read_metadata(path)
        names = [meta.schema.column(i).path for i in range(meta.num_columns)]
        lat, lon = names.index("lat"), names.index("lon")
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            size = sum(group.column(c).total_compressed_size for c in range(meta.num_columns))
            total += size
            la, lo = group.column(lat).statistics, group.column(lon).statistics
            if la.min <= lat1 and la.max >= lat0 and lo.min <= lon1 and lo.max >= lon0:
                met += size
                groups += 1
    return met, total, groups


def measure(lake: Path, box: tuple[float, float, float, float]) -> dict:
    import duckdb

    from aislake.storage.current import dataset_keys
    from aislake.storage.store import LocalStore

    store = LocalStore(lake)
    lon0, lat0, lon1, lat1 = box
    results = {}
    for name, prefix in (
        ("silver (by vessel)", "silver/ais/"),
        ("vessel_positions (by vessel)", "gold/vessel_positions/"),
        ("positions_by_area (by place)", "gold/positions_by_area/"),
    ):
        paths = [store.uri(k) for k in dataset_keys(store, prefix)]
        met, total, groups = bytes_in_box(paths, box)
        con = duckdb.connect()
        sql = (
            f"SELECT count(*) FROM read_parquet({paths}) "
            f"WHERE lat BETWEEN {lat0} AND {lat1} AND lon BETWEEN {lon0} AND {lon1}"
        )
        seconds = []
        for _ in range(4):
            started = time.perf_counter()
            (found,) = con.execute(sql).fetchone()  # type: ignore[misc]
            seconds.append(time.perf_counter() - started)
        results[name] = {
            "files": len(paths),
            "bytes_total": total,
            "bytes_read": met,
            "share_read": met / total,
            "row_groups_read": groups,
            "seconds": statistics.median(seconds[1:]),
            "positions_in_box": found,
        }
    return results


def table(results: dict, days: int, rows: int) -> str:
    lines = [
        f"The Great Belt box (lon {GREAT_BELT[0]}-{GREAT_BELT[2]}, lat {GREAT_BELT[1]}-"
        f"{GREAT_BELT[3]}) over {days} simulated days of {rows:,} rows "
        f"(`python bench/area_bench.py --days {days} --rows {rows}`), one run, "
        f"{dt.date.today()}: bytes of the row groups whose statistics meet the box (what a "
        "pruning reader reads), and DuckDB counting the positions in it (median of 3, warm).",
        "",
        "| dataset | files | MB in the month | MB read | share read | row groups read | "
        "seconds | positions in the box |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['files']} | {r['bytes_total'] / 1e6:,.0f} | "
            f"{r['bytes_read'] / 1e6:,.1f} | {r['share_read']:.1%} | {r['row_groups_read']} | "
            f"{r['seconds']:.3f} | {r['positions_in_box']:,} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="simulate and build the days anew")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lake = build_month(args.days, args.rows, args.rebuild)
    results = measure(lake, GREAT_BELT)
    print(json.dumps(results, indent=1))
    text = table(results, args.days, args.rows)
    print(text)
    if args.write_docs:
        write_block("area", text, "A box over a month: positions by place (issue 22)")


if __name__ == "__main__":
    main()
