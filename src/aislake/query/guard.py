"""What a read-only ``aislake query`` may run: SELECT trees whose every file reference stays inside
the lake, decided on the parsed statement before DuckDB runs anything.

DuckDB's own guard (``allowed_directories`` with external access off) stays on behind this one,
but it alone is not enough: it compares the path as written with a string prefix and normalises
the URL afterwards, so ``s3://ais-lake/../payroll/x.csv`` passed a lake at ``s3://ais-lake/``
and read (``EXPLAIN ANALYZE COPY ...``: wrote) another bucket. Here:

- only ``SELECT`` statements run, and ``EXPLAIN`` of one (never ``EXPLAIN ANALYZE``, which
  executes what it explains); each is parsed into DuckDB's own tree (``json_serialize_sql``);
- every table function's positional arguments must be literals (a path built by an expression
  cannot be judged), and every text literal among them, like every path used as a table
  (``FROM 'x.csv'``), must name a place inside the lake: no ``.`` or ``..`` segment, no escape,
  the lake's own bucket on S3; on a local lake, the path with its symlinks resolved (every match
  of a glob) inside the lake's folder resolved, so a link inside the lake that points out, or a
  sibling folder whose name starts with the lake's, is refused.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from aislake.storage.store import LocalStore, ObjectStore, S3Store


class NotReadOnlyError(ValueError):
    """A query that would write, attach, change settings or reach outside the lake."""


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$")
_GLOB = re.compile(r"[*?\[{]")


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str, store: ObjectStore) -> None:
    """Raise :class:`NotReadOnlyError` unless every statement of ``sql`` is a SELECT (or an
    EXPLAIN of one) that reads nothing outside ``store``'s lake."""
    for statement in con.extract_statements(sql):
        text = statement.query
        if statement.type == duckdb.StatementType.EXPLAIN:
            text = _explained(text)
        elif statement.type != duckdb.StatementType.SELECT:
            raise NotReadOnlyError(
                f"aislake query is read-only: a {statement.type.name} statement is refused "
                "(SELECT and EXPLAIN run; `aislake query --writable` lifts this on a lake you own)"
            )
        tree = _parsed(con, text)
        for path in _paths(tree):
            inside_lake(path, store)


def _explained(text: str) -> str:
    """The statement an ``EXPLAIN`` explains; refused unless it is a SELECT, and refused for
    ``EXPLAIN ANALYZE`` (it executes the statement)."""
    tokens = duckdb.tokenize(text)
    if len(tokens) < 2:
        raise NotReadOnlyError("aislake query is read-only: an empty EXPLAIN is refused")
    second = text[tokens[1][0] :]
    if re.match(r"(?i)analy[sz]e\b", second):
        raise NotReadOnlyError(
            "aislake query is read-only: EXPLAIN ANALYZE executes its statement and is refused "
            "(EXPLAIN alone runs)"
        )
    inner = duckdb.connect().extract_statements(second)
    if len(inner) != 1 or inner[0].type != duckdb.StatementType.SELECT:
        raise NotReadOnlyError("aislake query is read-only: only EXPLAIN of a SELECT runs")
    return inner[0].query


def _parsed(con: duckdb.DuckDBPyConnection, text: str) -> dict[str, Any]:
    row = con.execute("SELECT json_serialize_sql($sql)", {"sql": text}).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        raise NotReadOnlyError(
            f"aislake query is read-only: the statement could not be checked "
            f"({tree.get('error_message', 'not a SELECT')})"
        )
    return tree


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _paths(tree: dict[str, Any]) -> Iterator[str]:
    """Every place the statement names as a file: tables given as paths and the text literals
    among table functions' positional arguments (which must all be literals)."""
    for node in _nodes(tree):
        if node.get("type") == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if any(c in name for c in "/.:\\") or _GLOB.search(name):
                yield name
        elif node.get("type") == "TABLE_FUNCTION":
            function = node.get("function") or {}
            for arg in function.get("children", []):
                if (
                    arg.get("class") == "COMPARISON"
                    and arg.get("left", {}).get("class") == "COLUMN_REF"
                ):
                    continue  # a named parameter (header = true)
                yield from _literal_texts(arg, str(function.get("function_name")))


def _literal_texts(arg: dict[str, Any], function: str) -> Iterator[str]:
    if arg.get("class") == "CONSTANT":
        value = arg.get("value", {})
        if value.get("type", {}).get("id") == "VARCHAR" and not value.get("is_null"):
            yield str(value.get("value"))
        return
    if arg.get("class") == "FUNCTION" and arg.get("function_name") == "list_value":
        for child in arg.get("children", []):
            yield from _literal_texts(child, function)
        return
    raise NotReadOnlyError(
        f"aislake query is read-only: {function}(...) takes literal arguments here "
        "(a path built by an expression cannot be checked)"
    )


def inside_lake(path: str, store: ObjectStore) -> None:
    """Raise :class:`NotReadOnlyError` unless ``path`` names a place inside ``store``'s lake."""
    refused = NotReadOnlyError(
        f"aislake query reads the lake only: {path!r} is outside it (or not a plain path)"
    )
    if "\\" in path or "%" in path or "\x00" in path:
        raise refused
    scheme = _SCHEME.match(path)
    rest = scheme.group(2) if scheme else path
    if any(part in (".", "..") for part in rest.split("/")):
        raise refused
    if isinstance(store, S3Store):
        if not scheme or scheme.group(1).lower() not in ("s3", "s3a", "s3n"):
            raise refused
        bucket, _, key = rest.partition("/")
        if bucket != store.bucket or "//" in key:
            raise refused
        return
    assert isinstance(store, LocalStore)
    if scheme and scheme.group(1).lower() != "file":
        raise refused
    root = Path(os.path.realpath(store.root))
    target = Path(rest if os.path.isabs(rest) else os.path.join(os.getcwd(), rest))
    if _GLOB.search(str(target)):
        matches = [Path(m) for m in glob.glob(str(target), recursive=True)]
        prefix = Path(_GLOB.split(str(target), maxsplit=1)[0]).parent
        candidates = [prefix, *matches]
    else:
        candidates = [target]
    for candidate in candidates:
        real = Path(os.path.realpath(candidate))
        if real != root and root not in real.parents:
            raise refused
