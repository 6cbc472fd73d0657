"""What every gold product shares: its parameters, silver of the day, the port list, its SQL
file with its bound parameters and inputs, and writing a partition as a new published version.

A product's SQL is a static file, ``sql/<name>.sql``, that runs as written: it reads its inputs
as relations named after them (``silver``, ``rejects``, ``vessel_positions``, ... and ``ports``),
created as TEMP VIEWs before it runs; its scalars are bound ``$name`` parameters (the fields of
:class:`GoldParams`, the motion rules, ``$day``); what products share are DuckDB macros
(``aislake/duck/macros.sql``, ``aislake/ais/motion.sql``, ``gold/macros.sql``)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from aislake.ais.motion import MotionRules
from aislake.duck.sql import PARQUET_OPTIONS, keys_literal, parameter_names, sql_literal
from aislake.sources.dma.reader import DMA_NULL_TEXTS
from aislake.storage.current import day_keys
from aislake.storage.store import ObjectStore
from aislake.storage.tables import publish

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).parent / "sql"
# gold's shared macros, created before a product's SQL runs (registry.build_product)
GOLD_MACROS = Path(__file__).with_name("macros.sql")


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
    event_slot_minutes: float = 10.0  # GFW encounters: positions resampled to 10 minutes
    event_max_gap_minutes: float = 30.0  # slots of one event at most this far apart
    event_min_port_km: float = 10.0  # GFW: events more than 10 km from an anchorage
    encounter_max_km: float = 0.5  # GFW: two vessels within 500 m ...
    encounter_min_hours: float = 2.0  # ... for at least 2 hours ...
    encounter_max_sog_kn: float = 2.0  # ... each with a median speed under 2 kn
    loitering_max_sog_kn: float = 2.0  # GFW: a vessel under 2 kn ...
    loitering_min_hours: float = 1.0  # ... for at least an hour, away from port
    cq_cpa_nm: float = 0.5  # close quarters: a predicted CPA under 0.5 nm ...
    cq_tcpa_minutes: float = 6.0  # ... within 6 minutes (TCPA), both under way
    cq_search_nm: float = 2.0  # pairs looked at within cells this wide (and their neighbours)
    cq_max_gap_minutes: float = 3.0  # alert minutes of one situation at most this far apart
    transmitter_min_positions: int = 10  # an MMSI's segment with fewer positions is noise
    event_lookback_hours: float = 24.0  # loitering and encounters followed back across midnight
    cq_lookback_minutes: float = 60.0  # ... close quarters (a situation lasts minutes)
    cq_min_closing_kn: float = 1.0  # a relative speed below this has no time to a CPA

    def motion(self) -> MotionRules:
        return MotionRules(
            max_speed_kn=self.max_speed_kn, max_gap_minutes=self.track_max_gap_minutes
        )


def day_files(store: ObjectStore, day: dt.date) -> tuple[str, str]:
    """The day's silver positions of every source, as a DuckDB relation, and the current rejects
    files, as a list literal; each source's two of one publish (silver's commit names its
    rejects' version).

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
    selects: list[tuple[str, dict[str, object]]],
    options: str = PARQUET_OPTIONS,
) -> GoldResult:
    """Write the rows of ``selects`` (each a SELECT and its bound parameters) as the partition
    at ``prefix``, replacing it whole: one file each (``part-0.parquet``, ``part-1.parquet``,
    ...), how a product bounds memory by working on a share of the vessels at a time.
    """
    for place in store.clean_stale_staging():
        log.warning("removed %s, left by a writer that is gone", place)
    staged = store.staging_prefix()
    try:
        for i, (sql, params) in enumerate(selects):
            key = f"{staged}/part-{i}.parquet"
            store.prepare_write(key)
            target = sql_literal(store.uri(key))
            con.execute(f"COPY (\n{sql}\n) TO {target} ({options})", params)
        (published,) = publish(store, {prefix: staged}).values()
    finally:
        store.discard_prefix(staged)
    files = keys_literal(store, published)
    count = con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
    return GoldResult(
        product, published[0], int(count[0]) if count else 0, sum(store.size(k) for k in published)
    )


UNDER_WAY_MIN_SOG = 0.5


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


def product_sql(name: str) -> str:
    """The static SQL of product ``name``: ``sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text()


def sql_params(
    sql: str, params: GoldParams, day: dt.date | None, **extra: object
) -> dict[str, object]:
    """The values of the parameters ``sql`` binds: each field of ``params``, the motion rules
    (``MotionRules.sql_params``), ``under_way_sog``, DMA's ``null_texts``, the partition's
    ``day`` and ``extra``. A parameter with no value is an error, not a NULL."""
    values: dict[str, object] = {
        **asdict(params),
        **params.motion().sql_params(),
        "under_way_sog": UNDER_WAY_MIN_SOG,
        "null_texts": list(DMA_NULL_TEXTS),
        "day": day,
        **extra,
    }
    names = parameter_names(sql)
    missing = [n for n in names if values.get(n) is None]
    if missing:
        raise ValueError(f"no value for the SQL parameters {', '.join(missing)}")
    return {n: values[n] for n in names}


def empty_relation(columns: tuple[tuple[str, str, str], ...]) -> str:
    """A relation with ``columns`` (name, SQL type, meaning) and no rows: what a product reads of
    an upstream product that has no partition yet."""
    cols = ", ".join(f"NULL::{t} AS {n}" for n, t, _ in columns)
    return f"(SELECT {cols} WHERE false)"
