"""A month's backfill through ``aislake backfill`` on a real ``dagster dev`` (issue 23, goal 3).

``--days`` simulated DMA days of about ``--rows`` rows each (from 2024-03-01) are put on a
``file://`` mirror as DMA's zips; ``dagster dev`` (webserver and daemon, the instance
``aislake`` writes: 2 runs at once, one DuckDB step at a time) runs them as one Dagster asset
backfill of every asset, launched and followed by ``aislake backfill '*' --from .. --to ..``,
as a user runs it. Reported: the backfill's wall time, days an hour, each run's wall time, the
peak memory of the largest process and of all of them together (sampled from /proc every
second). Never run by the tests.

The days are one simulated day with its date rewritten for each day of the month (the
simulator takes about a minute a 4 M-row day; the rewrite a few seconds): the same traffic
every day, so a vessel's last position of a day and its first of the next need not meet (the
events that follow midnight see a jump). Only the throughput is measured here.

Results to stdout, to bench/out/backfill/results.json and, with ``--write-docs``, into
docs/benchmarks.md between the ``<!-- backfill -->`` markers (``--table-only``: the table again
from the last run's instance, without running).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

from docs_block import write_block

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "backfill"
BIN = Path(sys.executable).parent
FIRST = dt.date(2024, 3, 1)


def mirror_days(rows: int, days: int) -> Path:
    """``days`` zips on a mirror folder, each the simulated day with its date rewritten."""
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.traffic import FleetSize

    mirror = OUT / f"mirror-{rows}"
    mirror.mkdir(parents=True, exist_ok=True)
    source = OUT / f"aisdk-{FIRST}-{rows}.csv"
    if not source.exists():
        written, _ = write_dma_csv(source, FIRST, FleetSize.for_rows(rows))
        print(f"simulated {written:,} rows", flush=True)
    stamp = FIRST.strftime("%d/%m/%Y").encode()
    for n in range(days):
        day = FIRST + dt.timedelta(days=n)
        target = mirror / f"aisdk-{day}.zip"
        if target.exists():
            continue
        partial = target.with_name(f".{target.name}.tmp")
        new = day.strftime("%d/%m/%Y").encode()
        with (
            source.open("rb") as src,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
            zf.open(f"aisdk-{day}.csv", "w", force_zip64=True) as dst,
        ):
            tail = b""
            while chunk := src.read(1 << 24):
                # Whole lines only, so a stamp never straddles two chunks.
                chunk = tail + chunk
                cut = chunk.rfind(b"\n") + 1
                tail = chunk[cut:]
                dst.write(chunk[:cut].replace(stamp, new))
            dst.write(tail.replace(stamp, new))
        partial.rename(target)
        print(f"  mirror {target.name}", flush=True)
    return mirror


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MemorySampler:
    """Every second: the RSS of each process in a process group, the largest one and the sum."""

    def __init__(self, pgid: int) -> None:
        self.pgid, self.largest_mb, self.total_mb = pgid, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss_mb(self) -> list[float]:
        sizes = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) != self.pgid:  # the process group
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            sizes = self._rss_mb()
            if sizes:
                self.largest_mb = max(self.largest_mb, max(sizes))
                self.total_mb = max(self.total_mb, sum(sizes))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_backfill(mirror: Path, days: int) -> dict:
    from aislake.instance import prepare_home

    root = OUT / "run"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(prepare_home(root / "home")),
        "AISLAKE_LAKE_DIR": str(root / "lake"),
        "AISLAKE_WORKDIR": str(root / "work"),
        "AISLAKE_DUCKDB_TEMP_DIR": str(root / "spill"),
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
    }
    for name in ("MINIO_ENDPOINT", "AISLAKE_DUCKDB_MEMORY_LIMIT", "AISLAKE_MEMORY_BUDGET"):
        env.pop(name, None)
    # The instance's databases made first, as aislake's commands make them (under a lock): on a
    # fresh home, dagster dev's webserver and daemon creating them at once can leave two
    # alembic heads and a broken instance.
    init = "from aislake.instance import open_instance; open_instance().dispose()"
    subprocess.run([sys.executable, "-c", init], env=env, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (root / "dagster-dev.log").open("wb")
    proc = subprocess.Popen(
        [
            str(BIN / "dagster"),
            "dev",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            "aislake.definitions",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # The webserver answers before the code location is loaded (a backfill launched then
        # gets an HTTP 500): wait for the repository.
        deadline = time.monotonic() + 180
        while not _repository_loaded(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dagster dev did not start")
            time.sleep(1)
        last = FIRST + dt.timedelta(days=days - 1)
        command = [str(BIN / "aislake"), "backfill", "*", "--from", str(FIRST), "--to", str(last)]
        command += ["--url", url, "--poll", "5"]
        with MemorySampler(proc.pid) as memory:
            started = time.perf_counter()
            done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        print(done.stdout[-2000:], done.stderr[-2000:], flush=True)
        runs = _runs(Path(env["DAGSTER_HOME"]))
    finally:
        for sig, wait in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=wait)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        log.close()
    return {
        "days": days,
        "exit": done.returncode,
        "seconds": seconds,
        "days_per_hour": days / seconds * 3600,
        "largest_process_mb": memory.largest_mb,
        "all_processes_mb": memory.total_mb,
        "runs": runs,
    }


def _repository_loaded(url: str) -> bool:
    query = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            data = json.loads(response.read())
    except OSError:
        return False
    return bool((data.get("data") or {}).get("repositoriesOrError", {}).get("nodes"))


def _runs(home: Path) -> list[dict]:
    """Each run of the backfill: its partition, assets, status, start and end (seconds)."""
    code = (
        "import dagster as dg, json\n"
        "with dg.DagsterInstance.get() as i:\n"
        "    out = []\n"
        "    for r in i.get_runs():\n"
        "        s = i.get_run_stats(r.run_id)\n"
        "        out.append({'partition': r.tags.get('dagster/partition'), "
        "'assets': sorted(k.to_user_string() for k in r.asset_selection or []), "
        "'status': r.status.value, 'start': s.start_time or 0, 'end': s.end_time or 0})\n"
        "    print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def table(result: dict, rows: int) -> str:
    """The backfill in two phases: the day runs (bronze, silver and the products that read only
    that day, a run per day) and the rest (what reads the day before or every day: small runs
    that wait for the days)."""
    runs = result["runs"]
    day_runs = [r for r in runs if "dma_ais_bronze" in r["assets"]]
    rest = [r for r in runs if r not in day_runs]
    start = min(r["start"] for r in runs)
    days_done = max(r["end"] for r in day_runs) - start
    seconds = sorted(r["end"] - r["start"] for r in day_runs)
    rest_seconds = sorted(r["end"] - r["start"] for r in rest)
    failed = sum(1 for r in runs if r["status"] != "SUCCESS")
    return "\n".join(
        [
            f"Run on {dt.date.today()}, 2 cores, Python {sys.version.split()[0]}: "
            f"{result['days']} days of about {rows:,} rows, `aislake backfill '*'` on "
            "`dagster dev` (2 runs at once, one DuckDB step at a time).",
            "",
            "| days | wall | days an hour | runs (failed) | the day runs: all done after; "
            "each, median (longest) | the other runs: count; each, median (longest) "
            "| largest process | all processes |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {result['days']} | {result['seconds'] / 60:.1f} min "
            f"| {result['days_per_hour']:.1f} | {len(runs)} ({failed}) "
            f"| {days_done / 60:.1f} min; {seconds[len(seconds) // 2]:.0f} s "
            f"({seconds[-1]:.0f} s) | {len(rest)}; {rest_seconds[len(rest_seconds) // 2]:.1f} s "
            f"({rest_seconds[-1]:.1f} s) "
            f"| {result['largest_process_mb']:,.0f} MB | {result['all_processes_mb']:,.0f} MB |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="no run: the table again from the last run's instance (bench/out/backfill/run)",
    )
    args = parser.parse_args()
    if args.table_only:
        result = json.loads((OUT / "results.json").read_text())
        result["runs"] = _runs(OUT / "run" / "home")
    else:
        mirror = mirror_days(args.rows, args.days)
        result = run_backfill(mirror, args.days)
    (OUT / "results.json").write_text(json.dumps(result, indent=1))
    print(table(result, args.rows))
    if args.write_docs:
        write_block("backfill", table(result, args.rows), "A month's backfill (issue 23)")
    if result["exit"] != 0:
        raise SystemExit(f"the backfill ended with exit code {result['exit']}")


if __name__ == "__main__":
    main()
