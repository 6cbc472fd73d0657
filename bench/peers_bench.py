"""aislake against its peers on the same day, every contender in one run (issue 23, goal 1).

For each ``--sizes`` day (a DMA-format day the simulator writes, 2024-03-01), each in a fresh
process, wall seconds and the largest process's peak RSS:

- **bare DuckDB**: the day's CSV copied to one Parquet file, and sorted by (MMSI, time): the
  floor of anything that reads the day, and of anything that writes it in vessel order;
- **aislake, the whole day**: ``dagster asset materialize --select '*'`` (bronze from a zip
  mirror, silver, every daily gold product and every check), as a user runs it, on a Dagster
  instance that exists (made untimed before); with silver's own step time from the run's step
  stats;
- **AISdb** (PyPI ``aisdb``, its own virtualenv): ingest into its SQLite database
  (``decode_msgs``, its Rust decoder) plus tracks (``TrackGen``, ``split_timedelta`` at 30
  minutes, distance per vessel). AISdb 1.7.2 decodes no NMEA from a file here (its issue #93:
  every ``.nm4`` line is skipped) and reads no DMA layout: the day is converted, untimed, to the
  Spire (exactEarth) CSV it reads (``bench/peers/spire_header.csv``, its test file's header);
- **MovingPandas** (PyPI ``movingpandas``, its own virtualenv): the DMA CSV read with pandas,
  one trajectory per vessel, split at silences of 30 minutes, stops (30 minutes within
  0.5 nm); only for days up to ``--movingpandas-max-rows`` (it takes minutes at 1 M rows).

Where their outputs overlap they are compared: vessels, track segments cut at a 30-minute
silence (aislake also cuts at an impossible speed), and distance per vessel (the median of each
peer's relative difference from aislake's over the vessels both report). Each size's results go
to stdout as JSON and to bench/out/peers/results.json as soon as it is done and, with
``--write-docs``, into docs/benchmarks.md between the ``<!-- peers -->`` markers; ``--keep``
keeps the other sizes of earlier runs.
Never run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from docs_block import write_block

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "peers"
HERE = REPO / "bench" / "peers"
DAY = dt.date(2024, 3, 1)
PEERS = {"aisdb": "aisdb==1.7.2", "movingpandas": "movingpandas==0.23.0"}
DAY_SELECTION = "* and not key:traffic_density_monthly_gold"
# Runs a command and prints the largest peak RSS (kB) of the processes it waited for.
WITH_PEAK = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(done.returncode)"
)


def timed(command: list[str], env: dict[str, str] | None = None) -> dict:
    """``command`` in a fresh process: wall seconds, peak RSS of its largest process, stdout."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WITH_PEAK, *command], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed:\n{done.stderr[-3000:]}")
    peak = re.findall(r"^PEAK (\d+)$", done.stderr, flags=re.M)
    return {"seconds": seconds, "peak_rss_mb": int(peak[-1]) / 1024, "stdout": done.stdout}


def peer_python(name: str) -> Path:
    """The peer's own virtualenv under bench/out/peers (made and filled from PyPI once)."""
    venv = OUT / "venvs" / name
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEERS[name]], check=True)
    return python


def simulated_day(rows: int) -> tuple[Path, dict[str, float]]:
    """The day's DMA CSV and the distance each vessel really sailed (the simulator's truth)."""
    from aislake.simulate.dmafile import write_dma_csv
    from aislake.simulate.traffic import FleetSize

    path = OUT / str(rows) / f"aisdk-{DAY}.csv"
    sailed = path.with_name("sailed.json")
    if not (path.exists() and sailed.exists()):
        path.parent.mkdir(parents=True, exist_ok=True)
        written, truth = write_dma_csv(path, DAY, FleetSize.for_rows(rows))
        sailed.write_text(json.dumps({str(m): v.distance_nm for m, v in truth.vessels.items()}))
        print(f"  simulated {written:,} rows", flush=True)
    return path, json.loads(sailed.read_text())


DMA_READ = (
    "read_csv({csv}, header = true, all_varchar = true, strict_mode = false, ignore_errors = true)"
)
# Spire's fields from DMA's (by Spire's header names); every other field empty.
SPIRE_FIELDS = {
    "MMSI": '"MMSI"',
    "Message_ID": """CASE "Type of mobile" WHEN 'Class B' THEN '18' ELSE '1' END""",
    "Repeat_indicator": "'0'",
    "Time": """strftime(strptime("# Timestamp", '%d/%m/%Y %H:%M:%S'), '%Y%m%d_%H%M%S')""",
    "Millisecond": "'0'",
    "Vessel_Name": "coalesce(\"Name\", '')",
    "Call_sign": "coalesce(\"Callsign\", '')",
    "IMO": "CASE WHEN \"IMO\" = 'Unknown' THEN '' ELSE coalesce(\"IMO\", '') END",
    "Dimension_to_Bow": "coalesce(\"A\", '')",
    "Dimension_to_stern": "coalesce(\"B\", '')",
    "Dimension_to_port": "coalesce(\"C\", '')",
    "Dimension_to_starboard": "coalesce(\"D\", '')",
    "Draught": "coalesce(\"Draught\", '')",
    "Destination": "coalesce(\"Destination\", '')",
    "ROT": "coalesce(\"ROT\", '')",
    "SOG": "coalesce(\"SOG\", '')",
    "Accuracy": "'0'",
    "Longitude": '"Longitude"',
    "Latitude": '"Latitude"',
    "COG": "coalesce(\"COG\", '')",
    "Heading": "coalesce(\"Heading\", '')",
}


def to_spire(csv: Path) -> Path:
    """The day as the Spire CSV AISdb reads (Class A/B positions: DMA's static-only rows at
    lat 91 / lon 181 would be positions to AISdb), written by DuckDB, untimed."""
    import duckdb

    spire = csv.with_name(f"spire-{DAY:%Y%m%d}.csv")
    if spire.exists():
        return spire
    header = (HERE / "spire_header.csv").read_text().strip().split(",")
    select = ", ".join(f'{SPIRE_FIELDS.get(name, repr(""))} AS "{name}"' for name in header)
    source = DMA_READ.format(csv=f"'{csv}'")
    duckdb.sql(
        f"""COPY (SELECT {select} FROM {source}
                  WHERE "Type of mobile" IN ('Class A', 'Class B')
                    AND abs(TRY_CAST("Latitude" AS DOUBLE)) <= 90
                    AND abs(TRY_CAST("Longitude" AS DOUBLE)) <= 180
                  ORDER BY "# Timestamp")
            TO '{spire}' (HEADER, FORCE_QUOTE *)"""
    )
    return spire


def bare_duckdb(csv: Path, sort: bool) -> dict:
    """DuckDB reading the CSV (its types sniffed) into one Parquet file, sorted by vessel and
    time when ``sort``."""
    target = csv.with_name("bare.parquet")
    order = 'ORDER BY "MMSI", "# Timestamp"' if sort else ""
    sql = (
        f"COPY (SELECT * FROM read_csv('{csv}', header = true, strict_mode = false, "
        f"ignore_errors = true) {order}) TO '{target}' (FORMAT parquet)"
    )
    result = timed([sys.executable, "-c", "import duckdb, sys; duckdb.sql(sys.argv[1])", sql])
    result.pop("stdout")
    target.unlink(missing_ok=True)
    return result


def aislake_day(csv: Path, rows: int) -> dict:
    """The whole day through Dagster, as a user runs it; the lake kept for the comparison."""
    mirror = csv.parent / "mirror"
    mirror.mkdir(exist_ok=True)
    zpath = mirror / f"aisdk-{DAY}.zip"
    if not zpath.exists():
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.write(csv, f"aisdk-{DAY}.csv")
    home, lake = csv.parent / "dagster_home", csv.parent / "lake"
    subprocess.run(["rm", "-rf", str(home), str(lake)], check=True)
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "AISLAKE_LAKE_DIR": str(lake),
        "AISLAKE_DUCKDB_TEMP_DIR": str(csv.parent / "spill"),
        "AISLAKE_WORKDIR": str(csv.parent),
        "AISLAKE_DMA_BASE_URL": mirror.as_uri(),
    }
    env.pop("AISLAKE_DUCKDB_MEMORY_LIMIT", None)
    # The Dagster instance exists before the day, as it does for a user (its SQLite storage is
    # made on the first run ever: about 0.3 s, not timed).
    instance = "import dagster as dg; dg.DagsterInstance.get().dispose()"
    subprocess.run([sys.executable, "-c", instance], env=env, check=True, capture_output=True)
    command = ["-m", "dagster", "asset", "materialize", "-m", "aislake.definitions"]
    command += ["--select", DAY_SELECTION, "--partition", DAY.isoformat()]
    result = timed([sys.executable, *command], env)
    result.pop("stdout")
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        steps = {
            s.step_key: (s.end_time or 0) - (s.start_time or 0)
            for s in instance.get_run_step_stats(run.run_id)
        }
    result["silver_seconds"] = steps.get("dma_ais_silver", 0.0)
    result["outputs"] = aislake_outputs(lake)
    return result


def aislake_outputs(lake: Path) -> dict:
    """Vessels, track segments and distance per vessel from the day's vessel_tracks."""
    from aislake.duck.engine import connect
    from aislake.storage.current import partition_keys
    from aislake.storage.layout import gold_prefix
    from aislake.storage.store import LocalStore

    store = LocalStore(lake)
    files = [store.uri(k) for k in partition_keys(store, gold_prefix("vessel_tracks", DAY))]
    rows = (
        connect(store)
        .execute(
            f"SELECT mmsi, count(*), sum(distance_nm) FROM read_parquet({files!r}) GROUP BY mmsi"
        )
        .fetchall()
    )
    return {
        "vessels": len(rows),
        "segments": sum(int(n) for _, n, _ in rows),
        "distance_nm": {str(m): float(d) for m, _, d in rows},
    }


def peer(name: str, script: str, *args: str) -> dict:
    result = timed([str(peer_python(name)), str(HERE / script), *args])
    outputs = json.loads(result.pop("stdout").strip().splitlines()[-1])
    return {**result, "outputs": outputs}


def distance_error(outputs: dict, sailed: dict[str, float]) -> dict:
    """Each vessel's distance against the distance it really sailed (vessels that sailed more
    than a mile): the median and the 90th percentile of the relative error."""
    errors = sorted(
        abs(outputs["distance_nm"].get(m, 0.0) - nm) / nm for m, nm in sailed.items() if nm > 1
    )
    if not errors:
        return {"vessels": 0}
    return {
        "vessels": len(errors),
        "median": round(statistics.median(errors), 4),
        "p90": round(errors[int(0.9 * (len(errors) - 1))], 4),
    }


def run_size(rows: int, movingpandas_max_rows: int) -> dict:
    csv, sailed = simulated_day(rows)
    print(f"{rows:,} rows: bare DuckDB", flush=True)
    result: dict = {"rows": rows, "bare_copy": bare_duckdb(csv, sort=False)}
    result["sorted_copy"] = bare_duckdb(csv, sort=True)
    print("  aislake", flush=True)
    result["aislake"] = aislake_day(csv, rows)
    print("  AISdb", flush=True)
    spire = to_spire(csv)
    db = csv.with_name("aisdb.db")
    db.unlink(missing_ok=True)
    result["aisdb"] = peer("aisdb", "aisdb_day.py", str(spire), str(db), DAY.isoformat())
    db.unlink(missing_ok=True)
    if rows <= movingpandas_max_rows:
        print("  MovingPandas", flush=True)
        result["movingpandas"] = peer("movingpandas", "movingpandas_day.py", str(csv))
    for name in ("aislake", "aisdb", "movingpandas"):
        if name in result:
            result[name]["distance_error"] = distance_error(result[name]["outputs"], sailed)
    return result


def _slim(result: dict) -> dict:
    """The result without the per-vessel distances (for stdout)."""
    return {
        k: (
            {**v, "outputs": {o: x for o, x in v["outputs"].items() if o != "distance_nm"}}
            if isinstance(v, dict) and "outputs" in v
            else v
        )
        for k, v in result.items()
    }


def table(results: list[dict]) -> str:
    lines = [
        f"Run on {dt.date.today()}, 2 cores, Python {sys.version.split()[0]}; wall seconds "
        "(each contender in a fresh process; peak RSS of its largest process in MB).",
        "",
        "| rows | bare DuckDB COPY | sorted COPY | aislake whole day (silver) | AISdb ingest + "
        "tracks | MovingPandas trajectories + stops | aislake vs AISdb | aislake vs MovingPandas |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        a, db, mp = r["aislake"], r["aisdb"], r.get("movingpandas")
        dbo = db["outputs"]
        mp_cell = f"{mp['seconds']:.1f} ({mp['peak_rss_mb']:.0f} MB)" if mp else "not run"
        mp_ratio = f"{a['seconds'] / mp['seconds']:.2f}x" if mp else "-"
        lines.append(
            f"| {r['rows']:,} | {r['bare_copy']['seconds']:.1f} "
            f"| {r['sorted_copy']['seconds']:.1f} "
            f"| {a['seconds']:.1f} ({a['silver_seconds']:.1f}; {a['peak_rss_mb']:.0f} MB) "
            f"| {dbo['ingest_s']:.1f} + {dbo['tracks_s']:.1f} = {db['seconds']:.1f} "
            f"({db['peak_rss_mb']:.0f} MB) | {mp_cell} "
            f"| {a['seconds'] / db['seconds']:.2f}x "
            f"| {mp_ratio} |"
        )
    lines += [
        "",
        "| rows | vessels: aislake / AISdb / MovingPandas | track segments "
        "| distance per vessel against the distance sailed, median (90th percentile) error: "
        "aislake / AISdb / MovingPandas |",
        "| --- | --- | --- | --- |",
    ]

    def error(x: dict | None) -> str:
        e = x["distance_error"] if x else None
        return f"{e['median']:.1%} ({e['p90']:.1%})" if e and e.get("vessels") else "-"

    for r in results:
        a, db, mp = r["aislake"], r["aisdb"], r.get("movingpandas")
        mpv = mp["outputs"] if mp else {"vessels": "-", "segments": "-"}
        lines.append(
            f"| {r['rows']:,} | {a['outputs']['vessels']} / {db['outputs']['vessels']} "
            f"/ {mpv['vessels']} | {a['outputs']['segments']} / {db['outputs']['segments']} "
            f"/ {mpv['segments']} | {error(a)} / {error(db)} / {error(mp)} |"
        )
    return "\n".join(lines)


RESULTS = OUT / "results.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--movingpandas-max-rows", type=int, default=1_000_000)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the other sizes' results of earlier runs (bench/out/peers/results.json)",
    )
    args = parser.parse_args()
    kept = json.loads(RESULTS.read_text()) if args.keep and RESULTS.exists() else []
    results = {r["rows"]: r for r in kept if r["rows"] not in args.sizes}
    for rows in args.sizes:
        # Each size is saved (and the docs' table written) as soon as it is done, so a size
        # that fails later loses nothing measured before it.
        results[rows] = run_size(rows, args.movingpandas_max_rows)
        done = [results[r] for r in sorted(results)]
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(done, indent=1))
        print(json.dumps(_slim(results[rows]), indent=1), flush=True)
        if args.write_docs:
            write_block("peers", table(done), "aislake and its peers on the same day (issue 23)")
    print(table([results[r] for r in sorted(results)]))


if __name__ == "__main__":
    main()
