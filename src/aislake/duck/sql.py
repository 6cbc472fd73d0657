"""SQL text from values: the one escaping helper, and lists of the lake's files for DuckDB.

Every value that becomes part of a statement (a path, a key, a secret, a setting) goes through
:func:`sql_literal`; nothing is concatenated into SQL unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aislake.storage.current import partition_keys
from aislake.storage.store import ObjectStore


def sql_literal(value: str | int | float | bool) -> str:
    """A SQL literal for ``value``: strings single-quoted with quotes doubled."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def keys_literal(store: ObjectStore, keys: list[str]) -> str:
    """A DuckDB list literal of ``keys``' URIs (``[]`` when none)."""
    return "[" + ", ".join(sql_literal(store.uri(k)) for k in keys) + "]"


def partition_files(store: ObjectStore, prefix: str) -> str:
    """A DuckDB list literal of the partition's current Parquet files (``[]`` when none)."""
    return keys_literal(store, partition_keys(store, prefix))


# Row groups of DuckDB's default size: large enough for fast scans, small enough that min/max
# statistics on the sort key (mmsi, ts) let a reader skip most of a day for one vessel.
ROW_GROUP_ROWS = 122_880


def parquet_options(row_group_rows: int = ROW_GROUP_ROWS) -> str:
    """The options of every Parquet file the lake writes (``COPY ... TO ... (options)``)."""
    return f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {int(row_group_rows)}"


PARQUET_OPTIONS = parquet_options()


_COMMENT = re.compile(r"--[^\n]*")
_PARAMETER = re.compile(r"\$([a-z_]+)")


def parameter_names(sql: str) -> list[str]:
    """The ``$name`` parameters ``sql`` binds (its comments left out), in order of appearance."""
    return list(dict.fromkeys(_PARAMETER.findall(_COMMENT.sub("", sql))))


def bind(sql: str, values: Mapping[str, object]) -> dict[str, object]:
    """The values of the parameters ``sql`` binds, taken from ``values`` (DuckDB refuses a value
    the statement does not name); a parameter ``values`` lacks is a ``KeyError``."""
    names = parameter_names(sql)
    missing = [n for n in names if n not in values]
    if missing:
        raise KeyError(f"no value for the SQL parameters {', '.join(missing)}")
    return {n: values[n] for n in names}
