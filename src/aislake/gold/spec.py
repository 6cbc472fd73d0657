"""What a gold product is: :class:`GoldProduct`, the one definition each product module
(``aislake.gold.products``) gives, and the types it is made of."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import duckdb

from aislake.duck.engine import MACROS, SPATIAL_MACROS
from aislake.gold.core import GoldParams, Inputs

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
    reads: tuple[str, ...]  # "silver" and the products it is built from
    sql: Callable[[Inputs], str | list[str]]
    measures: Callable[[GoldParams], dict[str, str]]
    summary: Summary | None = None
    spatial: bool = False  # needs DuckDB's spatial extension
    bucketed: bool = False  # built a share of the vessels at a time (see vessel_tracks_sql)

    @property
    def asset(self) -> str:
        return f"{self.name}_gold"

    @property
    def measure_names(self) -> list[str]:
        return list(self.measures(GoldParams()))

    @property
    def code_version(self) -> str:
        """A hash of the product's SQL as its default parameters render it, and of the DuckDB
        macros it may call (``aislake/duck/*.sql``)."""
        sample = Inputs(
            dt.date(2000, 1, 1),
            GoldParams(),
            silver="<silver>",
            rejects="<rejects>",
            upstream={u: f"<{u}>" for u in self.reads},
            buckets=1,
        )
        sql = self.sql(sample)
        text = sql if isinstance(sql, str) else "\n".join(sql)
        macros = MACROS.read_text() + SPATIAL_MACROS.read_text()
        return hashlib.sha256((text + macros).encode()).hexdigest()[:12]
