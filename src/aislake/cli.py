"""The ``aislake`` command."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import dagster as dg

if TYPE_CHECKING:
    from aislake.ops.demo import DemoReport

T = TypeVar("T")


def _day(text: str) -> dt.date:
    from aislake.ais.days import parse_day

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _instance() -> dg.DagsterInstance:
    """The Dagster instance at DAGSTER_HOME (default ./data/dagster_home), so that
    `dagster dev` started with the same DAGSTER_HOME shows these runs."""
    from aislake.instance import open_instance

    return open_instance()


def cmd_demo(args: argparse.Namespace) -> int:
    from aislake.ops.demo import run_demo, run_nmea_demo

    what = {"dma": "DMA", "noaa": f"NOAA ({args.noaa_format})", "nmea": "raw NMEA"}[args.source]
    print(f"aislake demo: simulating {what} day {args.date} into {args.workdir}/mirror ...")
    with _instance() as instance:
        if args.source == "nmea":
            print(
                f"aislake demo: and replaying it as a live feed into a receiver for "
                f"{args.feed_seconds:g} s (its chunks: today's NMEA) ...",
                flush=True,
            )
            reports = run_nmea_demo(
                args.date, Path(args.workdir), instance=instance, feed_seconds=args.feed_seconds
            )
        else:
            reports = [
                run_demo(
                    args.date,
                    Path(args.workdir),
                    instance=instance,
                    source=args.source,
                    noaa_format=args.noaa_format,
                )
            ]
    for report in reports:
        _print_demo(report)
    report = reports[-1]
    print(
        f"\nSee it in the UI: DAGSTER_HOME={os.environ['DAGSTER_HOME']} "
        f"AISLAKE_SOURCES={','.join(report.lake_sources) or report.source} "
        f"AISLAKE_LAKE_DIR={Path(args.workdir, 'lake').absolute()} dagster dev"
    )
    if not all(r.success for r in reports):
        print("demo FAILED: see the Dagster logs above", file=sys.stderr)
        return 1
    return 0


def _print_demo(report: DemoReport) -> None:
    from aislake.gold.registry import BY_NAME, partition_prefix

    print(f"\n== {report.source} {report.day} ==")
    part = f"source={report.source}/dt={report.day}/"
    print(f"\nlake:    {report.lake}")
    print(f"bronze:  {report.bronze}")
    print(f"silver:  {report.silver_rows:,} rows  (silver/ais/{part})")
    print(f"rejects: {report.rejects_by_reason}  (silver/ais_rejects/{part})")
    for name in report.gold_products:
        product = BY_NAME.get(name)
        print(f"gold:    {partition_prefix(product, report.day) if product else f'gold/{name}/'}")
    print(f"\n{'ship type':<14}{'vessels':>8}{'messages':>10}{'nm':>10}{'h under way':>13}")
    for ship_type, vessels, messages, nm, hours in report.summary:
        print(f"{ship_type:<14}{vessels:>8}{messages:>10,}{nm:>10,.1f}{hours:>13,.1f}")
    print(
        "\nchecks:  "
        + ", ".join(f"{k} {'passed' if v else 'FAILED'}" for k, v in report.checks.items())
    )


def _defs() -> dg.Definitions:
    from aislake.definitions import defs

    return defs()


def _asset_key(loaded: dg.Definitions, name: str) -> dg.AssetKey:
    keys = {k.to_user_string(): k for k in loaded.resolve_asset_graph().get_all_asset_keys()}
    if name not in keys:
        raise SystemExit(f"aislake: no asset {name!r}; the assets are: {', '.join(sorted(keys))}")
    return keys[name]


def _upstream(loaded: dg.Definitions, key: dg.AssetKey) -> list[dg.AssetKey]:
    """Every asset ``key`` depends on, in the graph's order (bronze before silver, silver before
    the products it feeds)."""
    graph = loaded.resolve_asset_graph()
    ancestors = graph.get_ancestor_asset_keys(key)
    return [k for k in graph.toposorted_asset_keys if k in ancestors]


def backfill_ranges(
    loaded: dg.Definitions, names: list[str], upstream: bool, first: str, last: str
) -> dict[str, tuple[str, str] | None]:
    """Each asset a backfill of ``names`` (``*``: every asset; with ``upstream``, each one's
    upstream assets too) targets, in the graph's order, with its own partitions of the days
    ``first``..``last`` (None: an asset without partitions, rebuilt once)."""
    graph = loaded.resolve_asset_graph()
    chosen: set[dg.AssetKey] = set()
    for name in names:
        if name == "*":
            chosen |= set(graph.get_all_asset_keys())
            continue
        key = _asset_key(loaded, name)
        chosen |= {key, *(_upstream(loaded, key) if upstream else [])}
    from aislake.defs.partitions import partition_key_for

    ranges: dict[str, tuple[str, str] | None] = {}
    for key in (k for k in graph.toposorted_asset_keys if k in chosen):
        partitions_def = graph.get(key).partitions_def
        start = partition_key_for(partitions_def, first)
        end = partition_key_for(partitions_def, last)
        ranges[key.to_user_string()] = (start, end) if start and end else None
    return ranges


def _check_day(day: dt.date) -> str:
    from aislake.defs.partitions import daily_partitions

    key = day.isoformat()
    days = daily_partitions()
    if not days.has_partition_key(key):
        first, last = days.get_first_partition_key(), days.get_last_partition_key()
        raise SystemExit(f"aislake: {key} is not a partition: days run from {first} to {last}")
    return key


def cmd_materialize(args: argparse.Namespace) -> int:
    from aislake.defs.partitions import partition_key_for
    from aislake.defs.sources import ACCEPT_TAG
    from aislake.instance import cli_run_tags, release_dead_runs

    loaded = _defs()
    graph = loaded.resolve_asset_graph()
    key = _asset_key(loaded, args.asset)
    day = _check_day(args.date)
    with _instance() as instance:
        upstream = _upstream(loaded, key)

        def held(k: dg.AssetKey) -> bool:
            partitions_def = graph.get(k).partitions_def
            partition = partition_key_for(partitions_def, day)
            if partitions_def is None or partition is None:
                return instance.get_latest_materialization_event(k) is not None
            status = instance.get_status_by_partition(k, [partition], partitions_def) or {}
            return getattr(status.get(partition), "value", None) == "MATERIALIZED"

        def latest(k: dg.AssetKey) -> float:
            event = instance.get_latest_materialization_event(k)
            return event.timestamp if event else 0.0

        # A product over every day (no partitions: port visits, voyages, gaps) is stale, not
        # held, once anything it reads changed after it was built or is built in this run: the
        # days it stitches must be the days the lake holds.
        missing: list[dg.AssetKey] = []
        for k in upstream:
            parents = graph.get(k).parent_keys
            stale = graph.get(k).partitions_def is None and (
                any(p in missing for p in parents) or any(latest(p) > latest(k) for p in parents)
            )
            if stale or not held(k):
                missing.append(k)
        selection = [*missing, key]
        names = ", ".join(k.to_user_string() for k in selection)
        print(
            f"aislake: materialising {names} for {day} (upstream already there: "
            f"{', '.join(k.to_user_string() for k in upstream if k not in missing) or 'none'})"
        )
        for line in release_dead_runs(instance):
            print(f"aislake: {line}")
        job = loaded.resolve_implicit_global_asset_job_def()
        tags = {**cli_run_tags(), **({ACCEPT_TAG: "true"} if args.accept_replacement else {})}
        # One run per partition key: the day (with what has no partitions), then the month.
        monthly = [
            k
            for k in selection
            if isinstance(graph.get(k).partitions_def, dg.MonthlyPartitionsDefinition)
        ]
        runs = [[k for k in selection if k not in monthly], monthly]
        success = True
        for part in (r for r in runs if r):
            partition = next(
                (p for k in part if (p := partition_key_for(graph.get(k).partitions_def, day))),
                None,
            )
            run = functools.partial(
                job.execute_in_process,
                partition_key=partition,
                instance=instance,
                asset_selection=part,
                raise_on_error=False,
                tags=tags,
            )
            try:
                result = _interruptible(run)
            except KeyboardInterrupt:
                for line in release_dead_runs(instance, own=True):
                    print(f"aislake: {line}")
                raise
            for step in instance.get_run_step_stats(result.run_id):
                seconds = (step.end_time or 0) - (step.start_time or 0)
                status = step.status.value.lower() if step.status else "?"
                print(f"  {step.step_key:<28} {status:<10} {seconds:6.1f} s")
            for check in result.get_asset_check_evaluations():
                print(f"  check {check.check_name:<22} {'passed' if check.passed else 'FAILED'}")
            print(f"aislake: run {result.run_id} {'succeeded' if result.success else 'FAILED'}")
            success = result.success
            if not success:
                break
    return 0 if success else 1


def _interruptible(work: Callable[[], T]) -> T:
    """``work()`` in a worker thread, the main thread waiting on it, so that SIGINT/SIGTERM
    stop the command at once. In the main thread Dagster's in-process executor would take the
    signals over and act on them only between events (a download gives none for minutes)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="aislake-run", daemon=True)  # dies with us
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def _bar(done: int, failed: int, total: int, width: int = 30) -> str:
    filled = int(width * (done + failed) / total) if total else width
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total} done, {failed} failed"


def cmd_backfill(args: argparse.Namespace) -> int:
    import time

    from aislake import settings
    from aislake.ops.graphql import DagsterApiError, DagsterWebserver

    url = args.url or settings.current().dagster_url
    client = DagsterWebserver(url)
    try:
        if args.retry_failed:
            backfill_id = client.retry_failed(args.retry_failed)
            print(
                f"aislake: backfill {backfill_id} re-runs the failed partitions of "
                f"{args.retry_failed}"
            )
        else:
            if not (args.asset and args.date_from and args.date_to):
                raise SystemExit(
                    "aislake: backfill needs ASSET --from DAY --to DAY (or --retry-failed ID)"
                )
            if args.date_from > args.date_to:
                raise SystemExit("aislake: --from must not be after --to")
            a, b = _check_day(args.date_from), _check_day(args.date_to)
            ranges = backfill_ranges(_defs(), args.asset, args.upstream, a, b)
            # Dagster refuses a title with '*', '%' or '"'.
            named = " ".join("every asset" if n == "*" else n for n in args.asset)
            title = f"aislake backfill {named} {a}..{b}" + (" --upstream" if args.upstream else "")
            backfill_id = client.launch_backfill(ranges, title)
            print(f"aislake: backfill {backfill_id} launched for {', '.join(ranges)} {a}..{b}")
        print(f"  follow it in the UI: {url.rstrip('/')}/runs/b/{backfill_id}")
        if args.no_wait:
            return 0
        deadline = time.monotonic() + args.timeout
        last = ""
        while True:
            status = client.backfill_status(backfill_id)
            done = sum(x.materialized for x in status.assets)
            failed = sum(x.failed for x in status.assets)
            total = sum(x.targeted for x in status.assets)
            line = f"  {_bar(done, failed, total)}  ({status.status.lower()})"
            if line != last:
                print(line, flush=True)
                last = line
            if status.done:
                break
            if time.monotonic() > deadline:
                print(f"aislake: still running after {args.timeout:.0f} s; it goes on in Dagster")
                return 2
            time.sleep(args.poll)
    except DagsterApiError as exc:
        raise SystemExit(f"aislake: {exc}") from exc
    for asset in status.assets:
        print(
            f"  {asset.asset:<28} {asset.materialized}/{asset.targeted} materialised, "
            f"{asset.failed} failed"
        )
    if status.succeeded:
        print(f"aislake: backfill {backfill_id} completed")
        return 0
    print(
        f"aislake: backfill {backfill_id} ended {status.status}; re-run its failures with "
        f"`aislake backfill --retry-failed {backfill_id}`"
    )
    return 1


def cmd_status(args: argparse.Namespace) -> int:
    from aislake.ops.status import asset_status, summary

    loaded = _defs()
    keys = (
        [_asset_key(loaded, args.asset)]
        if args.asset
        else sorted(
            loaded.resolve_asset_graph().get_all_asset_keys(), key=lambda k: k.to_user_string()
        )
    )
    ranged = bool(args.date_from or args.date_to)
    with _instance() as instance:
        for key in keys:
            statuses = asset_status(
                instance, loaded, key.to_user_string(), args.date_from, args.date_to
            )
            counts = summary(statuses)
            print(
                f"{key.to_user_string()}: "
                + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            )
            for s in statuses:
                if s.state != "missing" or ranged:
                    checks = " ".join(f"{c}={r}" for c, r in s.checks.items())
                    print(f"  {s.day}  {s.state:<13} {checks}")
    return 0


def _as_of(text: str) -> int | dt.datetime:
    """``--as-of``: a table version, or a moment (ISO 8601; UTC unless it says otherwise)."""
    if text.isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a version number or a moment like 2024-01-16T08:00:00, got {text!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def cmd_query(args: argparse.Namespace) -> int:
    import csv

    import duckdb

    from aislake.defs.resources import query_storage
    from aislake.query.views import NotReadOnlyError, check_read_only, lake_connection
    from aislake.storage.store import StoreError

    store = query_storage().store()
    try:
        con, views = lake_connection(store, read_only=not args.writable, as_of=args.as_of)
        if not args.writable:
            check_read_only(con, args.sql, store)
        relation = con.execute(args.sql)
    except (NotReadOnlyError, StoreError) as exc:
        raise SystemExit(f"aislake: {exc}") from exc
    except duckdb.Error as exc:
        raise SystemExit(
            f"aislake: {exc}\n  tables: {', '.join(views) or 'none (the lake is empty)'}"
        ) from exc
    columns = [d[0] for d in relation.description or []]
    rows = relation.fetchall()
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return 0
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from aislake.defs.resources import query_storage
    from aislake.map.queries import MapLake
    from aislake.map.server import MapServer
    from aislake.query.views import lake_root

    store = query_storage().store()
    lake = MapLake(store, timeout_s=args.timeout)
    days = lake.days()
    server = MapServer(lake, args.host, args.port)
    print(f"aislake map: {server.url}  (the lake at {lake_root(store)}; Ctrl-C stops)")
    if not days:
        print("aislake map: the lake has no tracks yet: run `aislake demo` first", file=sys.stderr)
    else:
        print(f"aislake map: {len(days)} day(s) built, {days[0]} to {days[-1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_vacuum(args: argparse.Namespace) -> int:
    import datetime as dt

    from aislake import settings
    from aislake.defs.resources import lake_storage
    from aislake.storage.upkeep import vacuum

    days = settings.current().retention_days if args.retention_days is None else args.retention_days
    storage = lake_storage()
    done = vacuum(storage.store(), dt.timedelta(days=days), dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for table in done:
        print(
            f"aislake: {table.root} (version {table.version}): {verb} {len(table.removed)} files, "
            f"{table.bytes_removed / 1e6:.1f} MB"
        )
    total = sum(t.bytes_removed for t in done) / 1e6
    print(
        f"aislake: {len(done)} tables in {storage.describe()}, {verb} {total:.1f} MB "
        f"(files no version of the last {days:g} days uses)"
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from aislake.defs.resources import lake_storage
    from aislake.storage.migrate import convert_to_tables

    storage = lake_storage()
    committed = convert_to_tables(storage.store())
    for prefix in committed:
        print(f"aislake: committed {prefix}")
    print(f"aislake: {len(committed)} partitions committed to tables in {storage.describe()}")
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    from aislake import settings
    from aislake.defs.resources import lake_storage
    from aislake.sources.nmea.receiver import Endpoint, Receiver

    endpoint = Endpoint.parse("tcp", args.tcp) if args.tcp else Endpoint.parse("udp", args.udp)
    journal = Path(args.journal or settings.current().archives["nmea"].journal_dir)
    storage = lake_storage()
    receiver = Receiver(
        endpoint,
        args.feed,
        storage.store(),
        journal,
        chunk_seconds=args.chunk_seconds,
        flush_seconds=args.flush_seconds,
    )
    where = f"{endpoint.protocol}://{endpoint.host}:{endpoint.port}"
    print(
        f"aislake receive: {where} as feed {args.feed!r}, journal {journal}, chunks of "
        f"{args.chunk_seconds} s into {storage.describe()}",
        flush=True,
    )
    try:
        receiver.run()
    except KeyboardInterrupt:
        receiver.stop.set()
        receiver.journal.flush(force=True)
        print(f"aislake receive: stopped after {receiver.lines:,} lines", file=sys.stderr)
        return 0
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from aislake.simulate.feed import replay_file

    print(f"aislake replay: {args.file} on tcp://{args.host}:{args.port}", flush=True)
    sent = replay_file(Path(args.file), args.host, args.port, args.rate, args.loop)
    print(f"aislake replay: {sent:,} lines sent")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from aislake.gold.registry import PRODUCTS

    parser = argparse.ArgumentParser(
        prog="aislake",
        description="aislake: an AIS data lake on Dagster (DMA, NOAA -> bronze, silver, gold).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="offline demo: a simulated DMA or NOAA day through bronze, silver and gold on the "
        "local lake",
        description="Simulate a DMA (or NOAA) day into DIR/mirror, serve it over HTTP on "
        "loopback, and materialise bronze, silver and gold (with checks) into DIR/lake with "
        "real Dagster.",
    )
    demo.add_argument(
        "--source",
        choices=("dma", "noaa", "nmea"),
        default="dma",
        help="which archive (nmea: a receiver's log, and a replayed live feed)",
    )
    demo.add_argument(
        "--feed-seconds",
        type=float,
        default=60.0,
        help="nmea: how long the replayed feed runs into the receiver",
    )
    demo.add_argument(
        "--noaa-format",
        choices=("csv2", "legacy"),
        default="csv2",
        help="NOAA layout: csv2 (zstd CSV, every year) or legacy (daily zip, 2018-2024)",
    )
    demo.add_argument("--date", type=_day, default=dt.date(2024, 1, 15), help="YYYY-MM-DD")
    demo.add_argument("--workdir", default="data", help="folder for the mirror and the lake")
    demo.set_defaults(func=cmd_demo)

    mat = sub.add_parser(
        "materialize",
        help="materialise an asset for a day, with the upstream partitions that are missing",
        description="Materialise ASSET for DAY in-process on the instance at DAGSTER_HOME, "
        "first materialising the upstream partitions of that day that are not there yet (and "
        "only those). Asset checks run with their assets.",
    )
    mat.add_argument("asset", help="e.g. dma_ais_silver, vessel_tracks_gold")
    mat.add_argument("--date", type=_day, required=True, help="the day, YYYY-MM-DD")
    mat.add_argument(
        "--accept-replacement",
        action="store_true",
        help="let a re-fetched day replace the stored one even if it has fewer valid rows or "
        "more rejects (the run tag aislake/accept_replacement=true)",
    )
    mat.set_defaults(func=cmd_materialize)

    back = sub.add_parser(
        "backfill",
        help="launch a Dagster asset backfill over a range of days and follow it",
        description="Launch a real Dagster asset backfill (one run per partition, run by the "
        "daemon of `dagster dev` or production, visible on the UI's backfill page, within the "
        "instance's concurrency limits) through the webserver's GraphQL API, then follow it.",
    )
    back.add_argument(
        "asset", nargs="*", help="e.g. dma_ais_silver; several, or '*' for every asset"
    )
    back.add_argument("--from", dest="date_from", type=_day, help="first day, YYYY-MM-DD")
    back.add_argument("--to", dest="date_to", type=_day, help="last day, YYYY-MM-DD")
    back.add_argument("--upstream", action="store_true", help="include every upstream asset")
    back.add_argument("--retry-failed", metavar="BACKFILL_ID", help="re-run only its failures")
    back.add_argument(
        "--url",
        default=None,
        help="the Dagster webserver (default $AISLAKE_DAGSTER_URL or http://127.0.0.1:3000)",
    )
    back.add_argument("--no-wait", action="store_true", help="launch and return")
    back.add_argument("--timeout", type=float, default=6 * 3600, help="seconds to follow it")
    back.add_argument("--poll", type=float, default=2.0, help="seconds between progress checks")
    back.set_defaults(func=cmd_backfill)

    stat = sub.add_parser(
        "status",
        help="per partition: materialised, failed or missing, with check results",
        description="Read the instance at DAGSTER_HOME: per asset, partition counts by state; "
        "per partition that is not missing (or every partition of --from/--to), its state and "
        "the latest result of each asset check.",
    )
    stat.add_argument("asset", nargs="?", help="one asset (default: all)")
    stat.add_argument("--from", dest="date_from", type=_day, help="first day to list")
    stat.add_argument("--to", dest="date_to", type=_day, help="last day to list")
    stat.set_defaults(func=cmd_status)

    query = sub.add_parser(
        "query",
        help="run SQL with DuckDB over the lake (local directory or S3)",
        description="Tables: silver_ais, rejects, vessel_registry_latest, and one per gold "
        f"product: {', '.join(p.name for p in PRODUCTS)} (those the lake "
        "holds). The lake is chosen by the same environment as the assets. Read-only: only "
        "SELECT and EXPLAIN run, and no file outside the lake can be read.",
    )
    query.add_argument("sql", help='e.g. "SELECT dt, count(*) FROM silver_ais GROUP BY dt"')
    query.add_argument("--csv", action="store_true", help="CSV output instead of a table")
    query.add_argument(
        "--writable",
        action="store_true",
        help="lift the read-only guard (COPY, ATTACH, files outside the lake): for a lake you own",
    )
    query.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="WHEN",
        help="the lake as it was then: a moment (2024-01-16T08:00, UTC unless an offset is "
        "given: every table's version of then) or a version number (of every table: most "
        "useful for one); files older than AISLAKE_RETENTION_DAYS may be vacuumed",
    )
    query.set_defaults(func=cmd_query)

    map_ = sub.add_parser(
        "map",
        help="a web map of the lake on localhost: tracks, visits, gaps, density, a time slider",
        description="Serve one page over the current lake (the same environment as the "
        "assets: a local folder or S3): pick a day or a range, see tracks coloured by ship "
        "type, port visits, anchorages, gaps and the density grid over an offline basemap, "
        "click a track, search a vessel, play the day (docs/map.md).",
    )
    map_.add_argument("--port", type=int, default=8765, help="port (0: a free one)")
    map_.add_argument("--host", default="127.0.0.1", help="address to listen on")
    map_.add_argument(
        "--timeout", type=float, default=30.0, help="seconds a request may take at most"
    )
    map_.set_defaults(func=cmd_map)

    migrate = sub.add_parser(
        "migrate",
        help="once, on a lake an older aislake wrote: make its datasets Delta Lake tables",
        description="Silver, rejects and gold are Delta Lake tables: a partition is what the "
        "table's log names. A lake an older aislake wrote has JSON version pointers "
        "(_current/...) or, older still, partitions of unversioned files: this commits each "
        "partition's current files to its table as they are (no data rewritten) and removes the "
        "pointers. Files a killed publish left (named by no pointer) are never committed. Safe "
        "to run again.",
    )
    migrate.set_defaults(func=cmd_migrate)

    vacuum = sub.add_parser(
        "vacuum",
        help="remove the files no version within the retention uses (AISLAKE_RETENTION_DAYS)",
        description="A replaced partition's files stay readable for time travel (aislake query "
        "--as-of) until they are older than the retention; this removes older ones from every "
        "table, and files a killed writer left that no commit names, and checkpoints each log. "
        "A file the current version uses is never removed. The lake_upkeep schedule runs it "
        "daily.",
    )
    vacuum.add_argument(
        "--retention-days",
        type=float,
        default=None,
        help="keep what versions of the last N days use (default AISLAKE_RETENTION_DAYS, 7)",
    )
    vacuum.add_argument("--dry-run", action="store_true", help="only say what would go")
    vacuum.set_defaults(func=cmd_vacuum)

    receive = sub.add_parser(
        "receive",
        help="a live NMEA receiver: a TCP feed (or UDP) into the lake's bronze, hour by hour",
        description="Connect to an NMEA feed (TCP; reconnects with backoff) or listen for UDP "
        "datagrams; stamp each line without a time with its receive time (a tag block); "
        "journal it (flushed every second, fsynced); publish each closed chunk atomically to "
        "bronze/nmea/feed/FEED/YYYY-MM-DD/HHMMSS.nmea.zst. Killed and started again, it "
        "recovers its journal (docs/nmea.md).",
    )
    where = receive.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", metavar="HOST:PORT", help="connect to this TCP feed")
    where.add_argument("--udp", metavar="[HOST:]PORT", help="listen for UDP datagrams here")
    receive.add_argument("--feed", default="feed", help="the feed's name (its chunks' folder)")
    receive.add_argument(
        "--journal", default=None, help="journal folder (default $AISLAKE_NMEA_JOURNAL)"
    )
    receive.add_argument(
        "--chunk-seconds", type=int, default=3600, help="a chunk's span (a divisor of a day)"
    )
    receive.add_argument(
        "--flush-seconds", type=float, default=1.0, help="journal flush interval (at most 1)"
    )
    receive.set_defaults(func=cmd_receive)

    replay = sub.add_parser(
        "replay",
        help="serve an NMEA file as a TCP feed on loopback (what a shore receiver sends)",
        description="Listen on HOST:PORT and send the file's lines to each client at RATE "
        "lines a second (tag blocks' times rewritten to now), as a live feed does.",
    )
    replay.add_argument("file", help="an NMEA file (.nmea, .nmea.gz or .nmea.zst)")
    replay.add_argument("--host", default="127.0.0.1")
    replay.add_argument("--port", type=int, default=10110)
    replay.add_argument("--rate", type=float, default=200.0, help="lines a second")
    replay.add_argument("--loop", action="store_true", help="start again at the end")
    replay.set_defaults(func=cmd_replay)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Our progress (downloads) at INFO; other libraries' INFO (alembic's migrations on every
    # instance start) only with --verbose.
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aislake").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    # Started in the background, a process may inherit SIGINT and SIGTERM ignored: the CLI
    # stops on both (a run it was executing is marked failed and its pool slots freed).
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("aislake: stopped by a signal", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    sys.exit(main())
