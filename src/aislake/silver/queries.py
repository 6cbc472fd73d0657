"""Silver's SQL: the static files of ``sql/``, one per step (``classify``, ``neighbours``,
``silver_rows``, ``rejects``). Each runs as written in DuckDB's shell once its inputs exist:
relations it reads by name (views the steps create over their files) and ``$name`` parameters
bound to values, never SQL pasted in."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aislake.duck.sql import bind

SQL_DIR = Path(__file__).with_name("sql")


@cache
def silver_sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text()


def query(name: str, **values: object) -> tuple[str, dict[str, object]]:
    """Step ``name``'s SELECT and the values of the parameters it binds (from ``values``)."""
    sql = silver_sql(name)
    return sql, bind(sql, values)
