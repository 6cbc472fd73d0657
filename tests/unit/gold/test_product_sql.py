"""Each gold product's SQL file, on its own: it runs as written over exactly the relations the
product declares it reads (each an empty view with that relation's columns, nothing else
defined), with its parameters bound, and returns the columns the product declares, in order
and of the declared types."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from aislake.ais.schema import REJECT_COLUMNS, SILVER_COLUMNS
from aislake.duck.engine import load_spatial, open_duckdb
from aislake.duck.sql import parameter_names
from aislake.gold.core import GoldParams, empty_relation
from aislake.gold.registry import BY_NAME, PRODUCTS, product_selects
from aislake.gold.spec import GoldProduct


def _empty(name: str) -> str:
    if name == "silver":
        return empty_relation(tuple((c.name, c.sql_type, "") for c in SILVER_COLUMNS))
    if name == "rejects":
        return empty_relation(tuple((c.name, c.sql_type, "") for c in REJECT_COLUMNS))
    return empty_relation(BY_NAME[name].stored_columns)


@pytest.mark.parametrize("p", PRODUCTS, ids=lambda p: p.name)
def test_the_sql_file_reads_what_the_product_declares_and_returns_its_columns(
    p: GoldProduct,
) -> None:
    con = open_duckdb()
    load_spatial(con)
    reads = [*p.reads, *(["rejects"] if "silver" in p.reads else [])]
    inputs = {name: _empty(name) for name in reads}
    day = None if p.partitioning == "history" else dt.date(2024, 1, 15)
    ((sql, params), *_) = product_selects(con, p, inputs, day, GoldParams())
    assert set(params) == set(parameter_names(sql))
    described = con.execute(f"DESCRIBE (\n{sql}\n)", params).fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        (name, kind) for name, kind, _ in p.stored_columns
    ]


def test_a_relation_the_product_does_not_declare_is_not_there() -> None:
    con = open_duckdb()
    p = BY_NAME["vessel_runs"]  # reads vessel_positions and anchorages: only one given
    inputs = {"vessel_positions": _empty("vessel_positions")}
    ((sql, params),) = product_selects(con, p, inputs, dt.date(2024, 1, 15), GoldParams())
    with pytest.raises(duckdb.CatalogException, match="anchorages"):
        con.execute(f"DESCRIBE (\n{sql}\n)", params)


def test_a_parameter_without_a_value_is_an_error() -> None:
    con = open_duckdb()
    p = BY_NAME["vessel_stops"]
    with pytest.raises(ValueError, match="day"):
        product_selects(
            con, p, {"silver": _empty("silver"), "rejects": _empty("rejects")}, None, GoldParams()
        )
