"""The events' pair search on a big day: a grid join, not every vessel against every other.

Over a lake that ``bench/same_rows.py build OUT --rows N`` made (its simulated DMA day,
2024-03-01, with every gold product), in one process:

- each event product (``loitering``, ``encounters``, ``close_quarters``) built for the day: wall
  seconds, rows, and the ratio to the **baseline**, bare DuckDB reading the day's
  ``vessel_positions`` and resampling it once (each vessel's last position a minute: the input
  close quarters pairs);
- the **pairs looked at**: the candidate pairs the grid join yields (same slot, own and
  neighbouring cells) against the pairs every vessel against every other in each slot would be
  (n(n-1)/2 per slot), for encounters' 10-minute slots and close quarters' minutes;
- each event product again with **the day before** in the lake (the day's vessel_positions
  written one day earlier, as ``bench/events_bench.py`` finds no real day before): what
  following events across midnight costs (the products then read two days' positions);
- the process's peak RSS (VmHWM).

It adds that day before to the lake it is given.

Results to stdout as JSON and, with ``--write-docs``, into docs/benchmarks.md between the
``<!-- events -->`` markers. Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from docs_block import write_block

REPO = Path(__file__).resolve().parents[1]
DAY = dt.date(2024, 3, 1)
EVENTS = ("loitering", "encounters", "close_quarters")

# Pairs looked at, per slot: every pair (all against all), and the grid's candidates (the
# products' own join, on cells of `cell_km`).
PAIRS_SQL = """
WITH slots AS (
    SELECT *, floor(lat * 111.32 / $cell_km)::BIGINT AS cy,
           floor(lon * cos(radians(lat)) * 111.32 / $cell_km)::BIGINT AS cx
    FROM slotted(vessel_positions, $minutes)
), around AS (
    SELECT s.*, s.cx + dx AS nx, s.cy + dy AS ny
    FROM slots AS s, range(-1, 2) AS t1 (dx), range(-1, 2) AS t2 (dy)
)
SELECT (SELECT sum(n * (n - 1) / 2)::BIGINT
        FROM (SELECT count(*) AS n FROM slots GROUP BY slot)) AS every_pair,
       (SELECT count(*) FROM slots AS a
        INNER JOIN around AS b
            ON a.slot = b.slot AND a.cx = b.nx AND a.cy = b.ny AND a.mmsi < b.mmsi)
           AS grid_candidates,
       (SELECT count(DISTINCT mmsi) FROM slots) AS vessels
"""


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    return kb / 1024


def run(lake: Path) -> dict:
    from aislake.duck.engine import connect, run_sql_file
    from aislake.gold.core import GOLD_MACROS, GoldParams, write_gold
    from aislake.gold.registry import build_product
    from aislake.storage.current import partition_keys
    from aislake.storage.layout import gold_prefix
    from aislake.storage.store import LocalStore

    store = LocalStore(lake)
    con = connect(store)
    files = [store.uri(k) for k in partition_keys(store, gold_prefix("vessel_positions", DAY))]
    positions_view = (
        f"CREATE OR REPLACE TEMP VIEW vessel_positions AS SELECT * FROM read_parquet({files!r})"
    )
    con.execute(positions_view)
    run_sql_file(con, GOLD_MACROS)
    (positions,) = con.execute("SELECT count(*) FROM vessel_positions").fetchone() or (0,)
    started = time.perf_counter()
    con.execute("SELECT count(*) FROM slotted(vessel_positions, 1)").fetchone()
    baseline = time.perf_counter() - started
    result: dict = {"positions": positions, "baseline_s": round(baseline, 2), "products": {}}
    for name in EVENTS:
        started = time.perf_counter()
        built = build_product(con, store, name, DAY)
        seconds = time.perf_counter() - started
        result["products"][name] = {
            "seconds": round(seconds, 2),
            "rows": built.rows,
            "x_baseline": round(seconds / baseline, 2),
        }
    con.execute(positions_view)  # a product's build drops the views it read
    run_sql_file(con, GOLD_MACROS)
    before = DAY - dt.timedelta(days=1)
    shifted = (
        f"SELECT * REPLACE (dt - 1 AS dt, ts - INTERVAL 1 DAY AS ts) FROM read_parquet({files!r})"
    )
    write_gold(
        con, store, "vessel_positions", gold_prefix("vessel_positions", before), [(shifted, {})]
    )
    for name in EVENTS:
        started = time.perf_counter()
        built = build_product(con, store, name, DAY)
        seconds = time.perf_counter() - started
        alone = result["products"][name]["seconds"]
        result["products"][name] |= {
            "seconds_with_day_before": round(seconds, 2),
            "rows_with_day_before": built.rows,
            "x_alone": round(seconds / alone, 2) if alone else None,
        }
    con.execute(positions_view)
    run_sql_file(con, GOLD_MACROS)
    p = GoldParams()
    for label, minutes, cell_km in (
        ("encounters", p.event_slot_minutes, p.encounter_max_km),
        ("close_quarters", 1, p.cq_search_nm * 1.852),
    ):
        every, grid, vessels = con.execute(
            PAIRS_SQL, {"minutes": minutes, "cell_km": cell_km}
        ).fetchone() or (0, 0, 0)
        result[f"pairs_{label}"] = {
            "vessels": vessels,
            "every_pair": every,
            "grid_candidates": grid,
            "share": round(grid / every, 6) if every else None,
        }
    result["peak_rss_mb"] = round(peak_rss_mb())
    return result


def table(r: dict) -> str:
    lines = [
        f"Day of {r['positions']:,} vessel positions; baseline (bare DuckDB resampling the day "
        f"to a position a vessel a minute): {r['baseline_s']} s; peak RSS {r['peak_rss_mb']} MB.",
        "",
        "| product | seconds | rows | x baseline | with the day before: seconds | rows | x alone |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, x in r["products"].items():
        lines.append(
            f"| `{name}` | {x['seconds']} | {x['rows']:,} | {x['x_baseline']} "
            f"| {x['seconds_with_day_before']} | {x['rows_with_day_before']:,} | {x['x_alone']} |"
        )
    lines += [
        "",
        "| pair search | vessels | every pair in each slot | grid candidates | share |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label in ("encounters", "close_quarters"):
        x = r[f"pairs_{label}"]
        lines.append(
            f"| {label} | {x['vessels']:,} | {x['every_pair']:,} | {x['grid_candidates']:,} "
            f"| {x['share']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake", type=Path, help="OUT/lake of bench/same_rows.py build")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    result = run(args.lake)
    print(json.dumps(result, indent=1))
    if args.write_docs:
        write_block("events", table(result), "Events: the pair search")


if __name__ == "__main__":
    main()
