"""Every gold product, in build order, each defined once in a module of its own
(``aislake.gold.products``): name, what a row is, columns, partitioning, what it reads,
the measurements its checks want to be zero, and the figures the UI shows; its SQL is the file
``gold/sql/<name>.sql`` (``aislake.gold.core`` says how it runs).

The Dagster assets and checks (``defs/gold``), the lake's query views (``query/views.py``),
the CLI's help and the tests all loop over :data:`PRODUCTS`; :func:`build_product` builds any
of them. A product's ``code_version`` is a hash of its SQL file (and the macros it may call,
and its parameters' defaults), so it changes when the SQL does."""

from __future__ import annotations

import calendar
import datetime as dt

import duckdb

from aislake.ais.schema import REJECT_COLUMNS
from aislake.duck.engine import load_spatial, run_sql_file
from aislake.duck.sql import ROW_GROUP_ROWS, keys_literal, parquet_options
from aislake.gold.core import (
    GOLD_MACROS,
    GoldParams,
    GoldResult,
    day_files,
    empty_relation,
    ports_values,
    sql_params,
    write_gold,
)
from aislake.gold.functions import register_functions
from aislake.gold.geometry import geoparquet_option, with_geometry
from aislake.gold.products import (
    ais_daily_summary,
    ais_gaps,
    anchorages,
    close_quarters,
    encounters,
    loitering,
    port_visits,
    positions_by_area,
    traffic_density,
    traffic_density_monthly,
    vessel_positions,
    vessel_registry,
    vessel_runs,
    vessel_stops,
    vessel_tracks,
    voyages,
)
from aislake.gold.spec import GoldProduct, Partitioning
from aislake.storage.current import dataset_keys, partition_keys
from aislake.storage.layout import gold_partition_prefix
from aislake.storage.store import ObjectStore

PRODUCTS: tuple[GoldProduct, ...] = (
    vessel_positions.PRODUCT,
    positions_by_area.PRODUCT,
    ais_daily_summary.PRODUCT,
    vessel_registry.PRODUCT,
    vessel_tracks.PRODUCT,
    vessel_stops.PRODUCT,
    traffic_density.PRODUCT,
    traffic_density_monthly.PRODUCT,
    anchorages.PRODUCT,
    vessel_runs.PRODUCT,
    port_visits.PRODUCT,
    voyages.PRODUCT,
    ais_gaps.PRODUCT,
    loitering.PRODUCT,
    encounters.PRODUCT,
    close_quarters.PRODUCT,
)


# A bucketed product is built a share of the vessels at a time, about this many positions (of
# the relation it reads first) per share: tracks' line aggregation holds a share's points in
# memory (measured: fits DuckDB's 1 GB at 3 M); vessel_positions' sorts of a 15 M-row day took
# 5 GB at once, 1.4 GB peak RSS in shares of 3 M (and no more time: 74 s against 75 s).
BUCKET_POSITIONS = 3_000_000


class NoInputError(RuntimeError):
    """A product was asked for a partition whose input is not in the lake yet."""


BY_NAME = {p.name: p for p in PRODUCTS}


def product(name: str) -> GoldProduct:
    if name not in BY_NAME:
        raise ValueError(f"unknown gold product {name!r}: the products are {', '.join(BY_NAME)}")
    return BY_NAME[name]


def period_start(partitioning: Partitioning, period: dt.date | str | None) -> dt.date | None:
    """The day a partition key stands for: the day, the month's first day, or None (history)."""
    if partitioning == "history":
        return None
    if period is None:
        raise ValueError(f"a {partitioning} product needs a partition")
    day = period if isinstance(period, dt.date) else dt.date.fromisoformat(period)
    return day.replace(day=1) if partitioning == "monthly" else day


def partition_prefix(p: GoldProduct, period: dt.date | str | None) -> str:
    return gold_partition_prefix(p.name, p.partitioning, period_start(p.partitioning, period))


def _upstream_keys(
    store: ObjectStore, p: GoldProduct, up: GoldProduct, day: dt.date | None
) -> list[str]:
    """The stored files of ``up`` that partition ``day`` of ``p`` reads."""
    if up.partitioning == "history":
        return partition_keys(store, gold_partition_prefix(up.name, "history", None))
    if p.partitioning == "daily":
        assert day is not None
        keys = partition_keys(store, gold_partition_prefix(up.name, "daily", day))
        if keys and p.follows_midnight:  # the day before too, where the lake holds it
            before = day - dt.timedelta(days=1)
            keys = partition_keys(store, gold_partition_prefix(up.name, "daily", before)) + keys
        return keys
    if p.partitioning == "monthly":
        assert day is not None
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        days = {f"dt={day + dt.timedelta(days=n)}" for n in range((last - day).days + 1)}
        return dataset_keys(store, f"gold/{up.name}/", lambda p: p.split("/")[2] in days)
    return dataset_keys(store, f"gold/{up.name}/")


def build_product(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    name: str,
    period: dt.date | str | None = None,
    params: GoldParams | None = None,
) -> GoldResult:
    """Build one gold product's partition (``period``: the day, a day of the month, or None for
    a history product) from what the lake holds, and publish it."""
    p = product(name)
    day = period_start(p.partitioning, period)
    inputs: dict[str, str] = {}
    if "silver" in p.reads and day:
        inputs["silver"], rejects = day_files(store, day)
        inputs["rejects"] = (
            f"read_parquet({rejects}, hive_partitioning = false)"
            if rejects != "[]"
            else empty_relation(tuple((c.name, c.sql_type, "") for c in REJECT_COLUMNS))
        )
    for up_name in (r for r in p.reads if r != "silver"):
        up = BY_NAME[up_name]
        keys = _upstream_keys(store, p, up, day)
        if keys:
            inputs[up_name] = (
                f"read_parquet({keys_literal(store, keys)}, hive_partitioning = false, "
                "union_by_name = true)"
            )
        elif p.partitioning == "history":
            inputs[up_name] = empty_relation(up.stored_columns)  # nothing yet: an empty product
        else:
            where = f" for {period}" if up.partitioning != "history" else ""
            raise NoInputError(
                f"{p.asset} needs {up.asset}{where}, which the lake does not hold yet: "
                f"materialise {up.asset}{where} first"
            )
    buckets = 1
    if p.bucketed:
        read = inputs["silver" if "silver" in p.reads else p.reads[0]]
        (positions,) = con.execute(f"SELECT count(*) FROM {read}").fetchone() or (0,)
        buckets = max(1, -(-int(positions) // BUCKET_POSITIONS))
    if p.spatial or p.geometry:
        load_spatial(con)
    try:
        selects = product_selects(con, p, inputs, day, params or GoldParams(), buckets)
        options = parquet_options(p.row_group_size or ROW_GROUP_ROWS)
        if p.geometry:
            options += f", {geoparquet_option(p.geometry)}"
        return write_gold(con, store, name, partition_prefix(p, day), selects, options)
    finally:
        for view in inputs:
            con.execute(f"DROP VIEW IF EXISTS {view}")


def product_selects(
    con: duckdb.DuckDBPyConnection,
    p: GoldProduct,
    inputs: dict[str, str],
    day: dt.date | None,
    params: GoldParams,
    buckets: int = 1,
) -> list[tuple[str, dict[str, object]]]:
    """Make ``con`` ready for ``p``'s SQL (gold's macros, the ``ports`` table, each of
    ``inputs``, a relation by name, as a TEMP VIEW of that name) and return its SQL with the
    values of its parameters: once, or once per share of the vessels for a bucketed product."""
    run_sql_file(con, GOLD_MACROS)
    register_functions(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE ports AS SELECT * FROM {ports_values()}")
    for view, relation in inputs.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {relation}")
    sql = with_geometry(p.sql, p.geometry) if p.geometry else p.sql
    if p.bucketed:
        return [
            (sql, sql_params(sql, params, day, bucket=b, buckets=buckets)) for b in range(buckets)
        ]
    return [(sql, sql_params(sql, params, day))]
