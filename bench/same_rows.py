"""Row identity of two lakes: build a lake from fixed inputs, then compare two builds dataset by
dataset (``EXCEPT ALL`` both ways), to show a refactor or an optimisation changed no row.

``build OUT --rows N``: into ``OUT/lake``, a simulated DMA day of about N rows (2024-03-01), a
simulated NOAA day of about N/4 rows (the same date), the real 2021 DMA extract from
``../shared/samples``, then every gold product in the registry's order (daily and monthly for
both dates, history once). Run it on two commits (a worktree of the old one) and ``compare``.

``compare A B``: every partition that either lake's pointers name, row for row. Exit 1 on any
difference. ``--new-columns`` leaves out columns B added; ``--retyped`` compares B's values of
columns whose type changed as A's type (and says so). Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "samples" / "dma" / "aisdk-2021-02-09-10k.csv"
DAY, REAL_DAY = dt.date(2024, 3, 1), dt.date(2021, 2, 9)


def build(out: Path, rows: int) -> None:
    from aislake.duck.engine import DuckDBSettings, connect, default_memory_limit
    from aislake.gold.registry import PRODUCTS, build_product
    from aislake.silver.build import build_silver
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.noaafile import noaa_fleet_for_rows, write_noaa_day
    from aislake.simulate.traffic import FleetSize
    from aislake.storage.store import LocalStore

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    store = LocalStore(out / "lake")
    con = connect(store, DuckDBSettings(default_memory_limit(None), None, str(out / "spill")))
    started = time.perf_counter()
    csv = out / f"aisdk-{DAY}.csv"
    write_dma_csv(csv, DAY, FleetSize.for_rows(rows))
    store.put_file(csv, f"bronze/dma/{csv.name}")
    csv.unlink()
    print("dma silver", build_silver(con, store, f"bronze/dma/{csv.name}", DAY).rows)
    noaa = write_noaa_day(DAY, out / "noaa", "csv2", noaa_fleet_for_rows(rows // 4))
    store.put_file(noaa.path, f"bronze/noaa/ais-{DAY}.csv.zst")
    key = f"bronze/noaa/ais-{DAY}.csv.zst"
    print("noaa silver", build_silver(con, store, key, DAY, source="noaa").rows)
    store.put_file(SAMPLE, f"bronze/dma/aisdk-{REAL_DAY}.csv")
    print(
        "real silver", build_silver(con, store, f"bronze/dma/aisdk-{REAL_DAY}.csv", REAL_DAY).rows
    )
    for p in PRODUCTS:
        for period in (None,) if p.partitioning == "history" else (REAL_DAY, DAY):
            print(p.name, period, build_product(con, store, p.name, period).rows)
    print(f"built in {time.perf_counter() - started:.0f} s")


def _datasets(lake: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pointer in sorted((lake / "_current").rglob("*.json")):
        for prefix, keys in json.loads(pointer.read_text())["files"].items():
            found[prefix] = [str(lake / k) for k in keys]
    return found


def compare(
    a: Path, b: Path, new_columns: tuple[str, ...] = (), retyped: tuple[str, ...] = ()
) -> int:
    con = duckdb.connect()
    da, db = _datasets(a), _datasets(b)
    differing = sorted(set(da) ^ set(db))
    for prefix in differing:
        print(f"ONLY IN {'A' if prefix in da else 'B'}: {prefix}")
    for prefix in sorted(set(da) & set(db)):
        ra, rb = (
            f"read_parquet({files!r}, hive_partitioning = false, union_by_name = true)"
            for files in (da[prefix], db[prefix])
        )
        # Columns B added (``--new-columns``, where A has none of that name) are left out of B's.
        in_a = {c for (c, *_) in con.execute(f"DESCRIBE SELECT * FROM {ra}").fetchall()}
        added = [
            c
            for (c, *_) in con.execute(f"DESCRIBE SELECT * FROM {rb}").fetchall()
            if c in new_columns and c not in in_a
        ]
        if added:
            rb = f"(SELECT * EXCLUDE ({', '.join(added)}) FROM {rb})"
        cols_a = con.execute(f"DESCRIBE SELECT * FROM {ra}").fetchall()
        cols_b = con.execute(f"DESCRIBE SELECT * FROM {rb}").fetchall()
        # Columns whose type B changed (``--retyped``): B's values compared as A's type.
        cast = [
            (ca[0], ca[1], cb[1])
            for ca, cb in zip(cols_a, cols_b, strict=False)
            if ca[0] == cb[0] and ca[1] != cb[1] and ca[0] in retyped
        ]
        if cast and len(cols_a) == len(cols_b):
            for name, type_a, type_b in cast:
                print(f"RETYPED {prefix} {name}: {type_a} -> {type_b}")
            casts = ", ".join(f"CAST({n} AS {t}) AS {n}" for n, t, _ in cast)
            rb = f"(SELECT * REPLACE ({casts}) FROM {rb})"
            cols_b = con.execute(f"DESCRIBE SELECT * FROM {rb}").fetchall()
        if cols_a != cols_b:
            print(f"COLUMNS DIFFER {prefix}")
            differing.append(prefix)
            continue
        (rows,) = con.execute(f"SELECT count(*) FROM {ra}").fetchone() or (0,)
        (gone,) = con.execute(
            f"SELECT count(*) FROM (FROM {ra} EXCEPT ALL FROM {rb})"
        ).fetchone() or (0,)
        (new,) = con.execute(
            f"SELECT count(*) FROM (FROM {rb} EXCEPT ALL FROM {ra})"
        ).fetchone() or (0,)
        same = gone == new == 0
        if not same:
            differing.append(prefix)
        print(f"{'same' if same else 'DIFFER':6} {rows:>12,} rows  {prefix}  (-{gone} +{new})")
    print(f"{len(set(da) | set(db))} datasets, {len(differing)} differing")
    return 1 if differing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("out", type=Path)
    b.add_argument("--rows", type=int, default=4_000_000)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument(
        "--new-columns", nargs="*", default=(), help="columns B added, left out of its rows"
    )
    c.add_argument(
        "--retyped", nargs="*", default=(), help="columns whose type B changed: compared as A's"
    )
    args = parser.parse_args()
    if args.command == "build":
        build(args.out, args.rows)
    else:
        sys.exit(
            compare(args.a / "lake", args.b / "lake", tuple(args.new_columns), tuple(args.retyped))
        )


if __name__ == "__main__":
    main()
