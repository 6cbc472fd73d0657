"""What a gold product is: :class:`GoldProduct`, the one definition each product module
(``aislake.gold.products``) gives, and the types it is made of."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import duckdb

from aislake.duck.engine import SPATIAL_MACROS, connection_macros
from aislake.gold.core import GOLD_MACROS, GoldParams, product_sql, sql_params
from aislake.gold.functions import SOURCES as FUNCTION_SOURCES
from aislake.gold.geometry import Geometry

Columns = tuple[tuple[str, str, str], ...]

Partitioning = Literal["daily", "monthly", "history"]

# A figure for the UI: ("md" | "json" | "int" | "float" | "heatmap", value). A heatmap's value
# is (cells as (cell_y, cell_x, value), cell metres, title, unit).
Figure = tuple[str, object]

Summary = Callable[[duckdb.DuckDBPyConnection, str, GoldParams], dict[str, Figure]]


@dataclass(frozen=True, kw_only=True)
class GoldProduct:
    name: str
    description: str
    row: str  # what a row is, in a phrase (docs/gold.md's overview)
    columns: Columns
    partitioning: Partitioning
    # "silver" (and with it "rejects") and the products it is built from: the relations its SQL
    # (gold/sql/<name>.sql) reads, by these names
    reads: tuple[str, ...]
    measures: Callable[[GoldParams], dict[str, str]]
    summary: Summary | None = None
    spatial: bool = False  # needs DuckDB's spatial extension
    bucketed: bool = False  # built a share of the vessels at a time ($bucket of $buckets)
    # events: a day without any is normal, so no `<name>_not_empty` warning
    rare: bool = False
    # a daily product that also reads its daily inputs' day before (events followed across
    # midnight: each reported on the day it is known to have ended)
    follows_midnight: bool = False
    # its rows as shapes: written as GeoParquet 1.1 (aislake.gold.geometry)
    geometry: Geometry | None = None
    # rows per Parquet row group, where not DuckDB's 122,880 (smaller: finer pruning by area)
    row_group_size: int | None = None

    @property
    def stored_columns(self) -> Columns:
        """Its columns as stored: ``columns``, then the geometry's two where it has one."""
        return self.columns + (self.geometry.columns if self.geometry else ())

    @property
    def asset(self) -> str:
        return f"{self.name}_gold"

    @property
    def measure_names(self) -> list[str]:
        return list(self.measures(GoldParams()))

    @property
    def sql(self) -> str:
        """Its SQL, as the file ``gold/sql/<name>.sql`` holds it."""
        return product_sql(self.name)

    @property
    def code_version(self) -> str:
        """A hash of the product's SQL file, of the DuckDB macros and Python functions it may call
        and of the default values of the parameters it binds."""
        sample = dict.fromkeys(("bucket", "buckets"), "<share>")
        defaults = sql_params(self.sql, GoldParams(), dt.date(2000, 1, 1), **sample)
        macros = [*connection_macros(), SPATIAL_MACROS.read_text(), GOLD_MACROS.read_text()]
        macros += [path.read_text() for path in FUNCTION_SOURCES]
        text = "\n".join(
            [
                self.sql,
                *macros,
                repr(sorted(defaults.items())),
                repr(self.geometry),
                repr(self.row_group_size),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]
