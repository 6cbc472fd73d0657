"""The ``aislake`` command."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path

import dagster as dg


def _day(text: str) -> dt.date:
    from aislake.lake.days import parse_day

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _instance() -> dg.DagsterInstance:
    """The Dagster instance at DAGSTER_HOME (default ./data/dagster_home), so that
    `dagster dev` started with the same DAGSTER_HOME shows these runs."""
    home = Path(os.environ.get("DAGSTER_HOME") or "data/dagster_home").absolute()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def cmd_demo(args: argparse.Namespace) -> int:
    from aislake.ops.demo import run_demo

    print(f"aislake demo: simulating DMA day {args.date} into {args.workdir}/mirror ...")
    with _instance() as instance:
        report = run_demo(args.date, Path(args.workdir), instance=instance)
    print(f"\nlake:    {report.lake}")
    print(f"bronze:  {report.bronze}")
    print(f"silver:  {report.silver_rows:,} rows  (silver/ais/source=dma/dt={report.day}/)")
    print(f"rejects: {report.rejects_by_reason}  (silver/ais_rejects/source=dma/dt={report.day}/)")
    for product in report.gold_products:
        print(f"gold:    gold/{product}/dt={report.day}/")
    print(f"\n{'ship type':<14}{'vessels':>8}{'messages':>10}{'nm':>10}{'h under way':>13}")
    for ship_type, vessels, messages, nm, hours in report.summary:
        print(f"{ship_type:<14}{vessels:>8}{messages:>10,}{nm:>10,.1f}{hours:>13,.1f}")
    print(
        "\nchecks:  "
        + ", ".join(f"{k} {'passed' if v else 'FAILED'}" for k, v in report.checks.items())
    )
    print(
        f"\nSee it in the UI: DAGSTER_HOME={os.environ['DAGSTER_HOME']} "
        f"AISLAKE_LAKE_DIR={Path(args.workdir, 'lake').absolute()} dagster dev"
    )
    if not report.success:
        print("demo FAILED: see the Dagster logs above", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aislake",
        description="aislake: an AIS data lake on Dagster (DMA -> bronze, silver, gold).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="offline demo: a simulated DMA day through bronze, silver and gold on the local lake",
        description="Simulate a DMA day into DIR/mirror, serve it over HTTP on loopback, and "
        "materialise bronze, silver and gold (with checks) into DIR/lake with real Dagster.",
    )
    demo.add_argument("--date", type=_day, default=dt.date(2024, 1, 15), help="YYYY-MM-DD")
    demo.add_argument("--workdir", default="data", help="folder for the mirror and the lake")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
