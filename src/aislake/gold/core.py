"""What every gold product shares: its parameters and inputs, silver of the day, vessels, the
port list, the metric grid, SQL files, and writing a partition as a new published version."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import duckdb

from aislake.ais.motion import MotionRules
from aislake.duck.sql import PARQUET_OPTIONS, keys_literal, sql_literal
from aislake.storage.layout import pointer_key
from aislake.storage.pointers import day_keys
from aislake.storage.store import ObjectStore

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).parent / "sql"


class NoSilverError(RuntimeError):
    """Gold was asked for a day that has no silver."""


@dataclass(frozen=True)
class GoldResult:
    product: str
    key: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class GoldParams:
    """The parameters of the gold algorithms (docs/gold.md explains each)."""

    track_max_gap_minutes: float = 30.0
    max_speed_kn: float = 50.0
    simplify_tolerance_deg: float = 0.0005  # ~55 m north-south, ~30 m east-west at 56 N
    stop_max_sog_kn: float = 0.5
    stop_min_minutes: float = 30.0
    stop_max_gap_minutes: float = 120.0
    stop_max_spread_nm: float = 0.5
    density_cell_m: int = 1000  # EMODnet: 1 km cells of EPSG:3035
    anchorage_cell_m: int = 500  # GFW: S2 cells of level 14 (~0.5 km)
    anchorage_min_vessels: int = 20  # GFW: distinct vessels that stopped in the cell
    anchorage_name_max_km: float = 20.0  # a known port this close names an anchorage
    visit_entry_km: float = 3.0  # GFW: a visit starts within 3 km of an anchorage
    visit_exit_km: float = 4.0  # ... and ends beyond 4 km
    visit_stop_sog_kn: float = 0.2  # GFW: stopped below 0.2 kn ...
    visit_move_sog_kn: float = 0.5  # ... and moving again above 0.5 kn
    visit_stop_min_minutes: float = 5.0  # a stop shorter than this is no evidence
    port_gap_hours: float = 4.0  # a silence this long inside a visit is evidence (port gap)
    gap_min_hours: float = 6.0  # AIS gaps: silences at least this long while under way
    gap_min_move_nm: float = 1.0  # ... under way: SOG >= 0.5 kn before, or moved this far

    def motion(self) -> MotionRules:
        return MotionRules(
            max_speed_kn=self.max_speed_kn, max_gap_minutes=self.track_max_gap_minutes
        )


@dataclass(frozen=True)
class Inputs:
    """What a product's SQL reads, as DuckDB expressions.

    ``day``: the partition's day (daily), the month's first day (monthly), None (history).
    ``silver`` and ``rejects``: the day's silver positions and rejects files (daily products
    that read silver). ``upstream``: for each product read, its stored rows as a relation.
    """

    day: dt.date | None
    params: GoldParams
    silver: str = ""
    rejects: str = "[]"
    upstream: dict[str, str] = field(default_factory=dict)
    buckets: int = 1

    @property
    def date(self) -> dt.date:
        """The partition's day, for a product that has one (daily or monthly)."""
        if self.day is None:
            raise ValueError("a product over the whole history has no day")
        return self.day

    @property
    def day_sql(self) -> str:
        return f"DATE {sql_literal(self.date.isoformat())}"


def day_files(store: ObjectStore, day: dt.date) -> tuple[str, str]:
    """The day's silver positions of every source, as a DuckDB relation, and the current rejects
    files, as a list literal; each source's two from one read of its pointer (one version).

    With one source the relation is its files. With several, a position two archives both hold
    (the same MMSI, second and place) is kept once, from the first source by name: gold over
    DMA and NOAA counts nothing twice.
    """
    sources = sorted(
        {k.split("/")[2] for k in store.list_keys("silver/ais/") if f"/dt={day}/" in k}
    )
    silver: list[str] = []
    rejects: list[str] = []
    with_rows = 0
    for source in sources:
        s_keys, r_keys = day_keys(store, source.removeprefix("source="), day)
        silver += s_keys
        rejects += r_keys
        with_rows += bool(s_keys)
    if not silver:
        raise NoSilverError(
            f"no silver for {day} in the lake: materialise a source's silver (dma_ais_silver, "
            f"noaa_ais_silver) for {day} first"
        )
    files = f"read_parquet({keys_literal(store, silver)}, hive_partitioning = false)"
    if with_rows > 1:
        files = f"""(SELECT * FROM {files}
            QUALIFY row_number() OVER (PARTITION BY mmsi, ts, lat, lon ORDER BY source) = 1)"""
    return files, keys_literal(store, rejects)


def write_gold(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    product: str,
    prefix: str,
    select: str | list[str],
) -> GoldResult:
    """Write the rows of ``select`` as the partition at ``prefix``, replacing it whole.

    A list of selects writes one file each (``part-0.parquet``, ``part-1.parquet``, ...): how a
    product bounds memory by working on a share of the vessels at a time.
    """
    selects = [select] if isinstance(select, str) else select
    for place in store.clean_stale_staging():
        log.warning("removed %s, left by a writer that is gone", place)
    staged = store.staging_prefix()
    try:
        for i, sql in enumerate(selects):
            key = f"{staged}/part-{i}.parquet"
            store.prepare_write(key)
            con.execute(f"COPY ({sql}) TO {sql_literal(store.uri(key))} ({PARQUET_OPTIONS})")
        (published,) = store.publish({prefix: staged}, pointer_key(prefix)).values()
    finally:
        store.discard_prefix(staged)
    files = keys_literal(store, published)
    count = con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
    return GoldResult(
        product, published[0], int(count[0]) if count else 0, sum(store.size(k) for k in published)
    )


UNDER_WAY_MIN_SOG = 0.5

SHIPS = "('Class A', 'Class B')"
# Station kinds (aislake.ais.mmsi) that are vessels: a coast station or AtoN that reports as
# Class A (seen on real DMA days) is not one.
VESSEL_KINDS = "('ship', 'craft_with_parent')"
IS_VESSEL = f"mobile_type IN {SHIPS} AND station_kind IN {VESSEL_KINDS}"


def exact_mean(x: str) -> str:
    """SQL: the mean of ``x`` whatever order DuckDB's threads add the values in (a sum of doubles
    depends on it in its last bits, so a stop's position rounded to 6 decimals could differ
    between runs): the values as decimals of 9 places, summed exactly (the macro of the same
    name, ``aislake/duck/macros.sql``)."""
    return f"exact_mean({x})"


def vessel_rows(files: str) -> str:
    """Every row of the day's vessels: transmitters of a vessel's MMSI form that reported as
    Class A or B. A vessel is one transmitter whatever mobile type some of its rows carry (DMA
    writes `Undefined` on some of a ship's rows): all of them are its own, counted once."""
    # The rows that say Class A/B as they are (the scan the filter is pushed into), then the
    # few others of the same transmitters: one semi-join over those few instead of every row.
    return f"""(SELECT * FROM {files} WHERE {IS_VESSEL}
                UNION ALL
                SELECT * FROM {files}
                WHERE station_kind IN {VESSEL_KINDS} AND (mobile_type IN {SHIPS}) IS NOT TRUE
                  AND mmsi IN (SELECT mmsi FROM {files} WHERE {IS_VESSEL}))"""


def ships(files: str) -> str:
    """The day's vessel positions (:func:`vessel_rows`) that are not flagged as position
    jumps."""
    return f"(SELECT * FROM {vessel_rows(files)} WHERE NOT speed_anomaly)"


def vessel_type_cte(source: str) -> str:
    """``vessel(mmsi, ship_type)``: each transmitter's most reported ship type that day (ties:
    the alphabetically first, so re-runs agree); transmitters that are not ships are grouped by
    their mobile type ('Base Station', 'AtoN'), ships that never said by 'Unknown'."""
    return f"""vessel AS (
        SELECT mmsi, coalesce(
                arg_max(ship_type, (n, ship_type)) FILTER (WHERE ship_type IS NOT NULL),
                CASE WHEN bool_or(mobile_type IN {SHIPS}) OR bool_and(mobile_type IS NULL)
                     THEN 'Unknown' ELSE min(mobile_type) END) AS ship_type
        FROM (SELECT mmsi, ship_type, any_value(mobile_type) AS mobile_type, count(*) AS n
              FROM {source} GROUP BY ALL)
        GROUP BY mmsi
    )"""


def ports_values() -> str:
    """The bundled port list as a DuckDB ``VALUES`` table ``ports(port, country, lat, lon)``."""
    from aislake.reference.ports import PORTS

    rows = ", ".join(
        f"({sql_literal(x.name)}, {sql_literal(x.country)}, {x.lat}, {x.lon})" for x in PORTS
    )
    return f"(VALUES {rows}) AS ports(port, country, port_lat, port_lon)"


def laea(lon: str, lat: str) -> str:
    """SQL: the point (lon, lat) in EPSG:3035 (ETRS89 Lambert azimuthal equal-area), metres: the
    macro of the same name (``aislake/duck/spatial_macros.sql``, with the spatial extension)."""
    return f"laea({lon}, {lat})"


def render(name: str, **values: object) -> str:
    """The SQL file ``sql/<name>.sql`` with its ``$placeholders`` filled in (every one must be
    given: a missing value is an error, not a silent ``$name`` in the SQL)."""
    return Template((SQL_DIR / f"{name}.sql").read_text()).substitute(
        {k: str(v) for k, v in values.items()}
    )


def empty_relation(columns: tuple[tuple[str, str, str], ...]) -> str:
    """A relation with ``columns`` (name, SQL type, meaning) and no rows: what a product reads of
    an upstream product that has no partition yet."""
    cols = ", ".join(f"NULL::{t} AS {n}" for n, t, _ in columns)
    return f"(SELECT {cols} WHERE false)"
