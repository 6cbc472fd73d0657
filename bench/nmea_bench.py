"""Raw NMEA: the decoder's speed on one core against pyais, and a day of NMEA through silver
against the DMA CSV day of the same reports. Never run by the tests.

1. **Decoder**, one core (the process pinned to CPU 0), on a realistic mix: a simulated day as
   shore receivers log it (tag blocks from three receivers, about 4 % of messages type 5 in two
   sentences, types 18, 24, 4, 21, checksum errors, lost fragments). Each in a fresh process:
   - ``aislake_frames``: framing and decoding into columns, in memory (the decoder proper);
   - ``aislake_day``: :func:`decode_day`, the whole first step of silver: also the raw lines,
     receivers and rejects, written to two Parquet files;
   - ``pyais``: ``pyais.decode`` of every message (multi-sentence ones joined by group), on the
     first ``--pyais-lines`` lines (it is about 30 times slower), rate scaled from those.
2. **Silver**: ``build_silver`` on the NMEA day (zstd bronze, one receiver: each report once)
   and on the DMA CSV day simulated from the same fleet and seed (the same reports), each in a
   fresh process, both cores, DuckDB limit 1 GB; and the realistic NMEA day (1-3 receivers).

    python bench/nmea_bench.py --sizes 1000000 4000000 15000000 --write-docs
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
OUT = REPO / "bench" / "out" / "nmea"
DAY = dt.date(2024, 3, 1)

REPORT_PEAK = """
print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])
"""

DECODE_FRAMES = """
import os, sys, time
import numpy as np
os.sched_setaffinity(0, {0})
from aislake.sources.nmea.decode import blocks
from aislake.sources.nmea.messages import decode_payloads
from aislake.sources.nmea.sentences import frame
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
lines = messages = 0
for block in blocks([data]):
    buf = np.frombuffer(block, dtype=np.uint8)
    f = frame(buf)
    rows = np.flatnonzero((f.reason == 0) & (f.count == 1))
    d = decode_payloads(buf, f.payload_start[rows], f.payload_end[rows] - f.payload_start[rows],
                        f.fill[rows])
    lines += len(f.lines)
    messages += len(rows)
print(time.perf_counter() - started, lines, messages, sep=",")
"""

DECODE_DAY = """
import datetime as dt, os, sys, time
from pathlib import Path
os.sched_setaffinity(0, {0})
from aislake.sources.nmea.decode import decode_day
data = open(sys.argv[1], "rb").read()
out = Path(sys.argv[2])
started = time.perf_counter()
r = decode_day([data], dt.date.fromisoformat(sys.argv[3]), out / "m.parquet", out / "r.parquet")
print(time.perf_counter() - started, r.lines, r.messages, sep=",")
"""

PYAIS = """
import os, sys, time
os.sched_setaffinity(0, {0})
import pyais
lines = open(sys.argv[1], "rb").read().split(b"\\n")[: int(sys.argv[2])]
started = time.perf_counter()
groups = {}
messages = 0
for line in lines:
    if not line.startswith(b"\\\\"):
        continue
    tag, sentence = line[1:].split(b"\\\\", 1)
    try:
        if b"g:" in tag:
            g = tag.split(b"g:")[1].split(b",")[0].split(b"*")[0]
            n, of, gid = g.split(b"-")
            groups.setdefault(gid, []).append(sentence)
            if n != of:
                continue
            parts = groups.pop(gid)
            pyais.decode(*parts)
        else:
            pyais.decode(sentence)
        messages += 1
    except Exception:
        pass
print(time.perf_counter() - started, len(lines), messages, sep=",")
"""

SILVER = """
import datetime as dt, sys, time
from pathlib import Path
from aislake.duck.engine import DuckDBSettings, connect
from aislake.silver.build import build_silver
from aislake.storage.store import LocalStore
bronze, lake, source, day = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
store = LocalStore(lake)
name = f"nmea-{day}.nmea.zst" if source == "nmea" else f"aisdk-{day}.csv"
key = f"bronze/{source}/{name}"
target = Path(store.uri(key)); target.parent.mkdir(parents=True, exist_ok=True)
if not target.exists(): target.symlink_to(bronze)
con = connect(store, DuckDBSettings("1GB", None, str(lake.parent / "spill")))
started = time.perf_counter()
r = build_silver(con, store, key, dt.date.fromisoformat(day), source=source)
print(time.perf_counter() - started, r.decoded.get("lines", r.rows_in), r.rows, sep=",")
print(r.extra)
"""


def run(code: str, *args: str) -> dict:
    """``code`` in a fresh Python: what it printed first (seconds, lines, rows), its peak RSS."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT_PEAK, *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    out = done.stdout.strip().splitlines()
    seconds, lines, rows = out[0].split(",")
    return {
        "seconds": float(seconds),
        "wall": time.perf_counter() - started,
        "lines": int(lines),
        "rows": int(rows),
        "peak_rss_mb": int(out[-1]) / 1024,
        "phases": out[1] if len(out) > 2 else "",
    }


def days(rows: int) -> dict[str, Path]:
    """The NMEA days (one receiver, and one to three) and the DMA CSV of the same fleet."""
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.nmeafile import NmeaQuirks, write_nmea_day
    from aislake.simulate.traffic import FleetSize

    folder = OUT / str(rows)
    paths = {
        "nmea_one": folder / "one" / f"{DAY}.nmea",
        "nmea_many": folder / "many" / f"{DAY}.nmea",
        "dma": folder / f"aisdk-{DAY}.csv",
    }
    fleet = FleetSize.for_rows(rows)
    if not paths["dma"].exists():
        started = time.perf_counter()
        written, _ = write_dma_csv(paths["dma"], DAY, fleet)
        print(f"  DMA day: {written:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    for kind, quirks in (("one", NmeaQuirks(max_copies=1)), ("many", NmeaQuirks())):
        path = paths[f"nmea_{kind}"]
        if not path.exists():
            started = time.perf_counter()
            day = write_nmea_day(path.parent, DAY, fleet, quirks=quirks, compression="")
            print(
                f"  NMEA day ({kind}): {day.lines:,} lines, {day.reports:,} reports in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
        zst = path.with_suffix(".nmea.zst")
        if not zst.exists():
            subprocess.run(["zstd", "-q", "-3", "-f", str(path), "-o", str(zst)], check=False)
            if not zst.exists():
                import zstandard

                zst.write_bytes(zstandard.ZstdCompressor(level=3).compress(path.read_bytes()))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--pyais-lines", type=int, default=60_000)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        print(f"size {size:,}", flush=True)
        paths = days(size)
        many = paths["nmea_many"]
        row: dict = {"size": size}
        row["frames"] = run(DECODE_FRAMES, str(many))
        work = OUT / "work"
        work.mkdir(exist_ok=True)
        row["decode_day"] = run(DECODE_DAY, str(many), str(work), DAY.isoformat())
        row["pyais"] = run(PYAIS, str(many), str(args.pyais_lines))
        for name, source, bronze in (
            ("silver_dma", "dma", paths["dma"]),
            ("silver_nmea_one", "nmea", paths["nmea_one"].with_suffix(".nmea.zst")),
            ("silver_nmea_many", "nmea", many.with_suffix(".nmea.zst")),
        ):
            lake = OUT / "lakes" / f"{name}-{size}"
            subprocess.run(["rm", "-rf", str(lake)], check=True)
            row[name] = run(SILVER, str(bronze), str(lake), source, DAY.isoformat())
            print(f"  {name}: {row[name]['seconds']:.1f} s", flush=True)
        for k in ("frames", "decode_day", "pyais"):
            r = row[k]
            print(f"  {k}: {r['lines'] / r['seconds'] / 1e6:.2f} M lines/s", flush=True)
        results.append(row)
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    text = table(results)
    print(text)
    if args.write_docs:
        write_docs(text)


def table(results: list[dict]) -> str:
    rows = [
        "| day | contender | lines | rows out | seconds | lines/s (M) | vs pyais | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        pyais_rate = r["pyais"]["lines"] / r["pyais"]["seconds"]
        for name, label in (
            ("frames", "aislake decoder (frames + fields, in memory), 1 core"),
            ("decode_day", "aislake decode_day (+ raw lines, rejects, Parquet), 1 core"),
            ("pyais", f"pyais 3.3.1 (first {r['pyais']['lines']:,} lines), 1 core"),
        ):
            x = r[name]
            rate = x["lines"] / x["seconds"]
            rows.append(
                f"| {r['size'] / 1e6:g} M | {label} | {x['lines']:,} | {x['rows']:,} | "
                f"{x['seconds']:.2f} | {rate / 1e6:.2f} | {rate / pyais_rate:.0f}x | "
                f"{x['peak_rss_mb']:.0f} |"
            )
    rows += [
        "",
        "| day | silver of | bronze lines | silver rows | seconds | vs DMA CSV | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        dma = r["silver_dma"]["seconds"]
        for name, label in (
            ("silver_dma", "DMA CSV"),
            ("silver_nmea_one", "NMEA, one receiver (the same reports)"),
            ("silver_nmea_many", "NMEA, 1-3 receivers (copies collapsed)"),
        ):
            x = r[name]
            rows.append(
                f"| {r['size'] / 1e6:g} M | {label} | {x['lines']:,} | {x['rows']:,} | "
                f"{x['seconds']:.1f} | {x['seconds'] / dma:.2f}x | {x['peak_rss_mb']:.0f} |"
            )
    return "\n".join(rows)


def write_docs(text: str) -> None:
    doc = REPO / "docs" / "benchmarks.md"
    body = doc.read_text()
    start, end = "<!-- nmea results -->", "<!-- /nmea results -->"
    stamp = f"Run on {dt.date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}."
    before, rest = body.split(start, 1)
    doc.write_text(f"{before}{start}\n{stamp}\n\n{text}\n{end}{rest.split(end, 1)[1]}")


if __name__ == "__main__":
    main()
