"""The map's questions to the lake: each a static SQL file in ``sql/`` that runs as written over
relations named after the gold products it reads (TEMP VIEWs over the files of their current
versions, read from the tables' logs) with ``$name`` parameters bound, on a read-only DuckDB
connection that reaches no file outside the lake, interrupted when it takes too long.

Answers are cached under the files they read: a partition replaced by a new version has new file
names (``ObjectStore.publish``), so a replaced day is asked afresh, never served stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from aislake.duck.engine import connect, load_spatial
from aislake.duck.sql import sql_literal
from aislake.gold.registry import BY_NAME
from aislake.map.view import BadRequest, NotBuilt
from aislake.query.views import lake_root
from aislake.storage.current import partition_keys
from aislake.storage.layout import gold_partition_prefix
from aislake.storage.store import ObjectStore
from aislake.storage.tables import partitions

SQL = Path(__file__).with_name("sql")
# What each question reads (relations of the same names in its SQL).
READS: dict[str, tuple[str, ...]] = {
    "tracks": ("vessel_tracks", "vessel_registry"),
    "ships": ("vessel_positions", "vessel_registry"),
    "port_visits": ("port_visits", "vessel_registry"),
    "ais_gaps": ("ais_gaps", "vessel_registry"),
    "anchorages": ("anchorages",),
    "traffic_density": ("traffic_density",),
    "events": ("loitering", "encounters", "close_quarters"),
    "vessel": ("vessel_registry", "vessel_tracks"),
    "vessel_visits": ("port_visits",),
    "search": ("vessel_registry", "vessel_tracks"),
}
Rows = list[dict[str, Any]]


class TooSlow(TimeoutError):
    """A question ran longer than the map waits (HTTP 503)."""


def sql_text(question: str) -> str:
    return (SQL / f"{question}.sql").read_text()


@dataclass
class AnswerCache:
    """Encoded answers, least recently used dropped first, up to ``max_bytes``."""

    max_bytes: int = 256 << 20
    _items: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    _bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key: str, value: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


class MapLake:
    """The map's read-only access to ``store``'s gold products."""

    def __init__(self, store: ObjectStore, timeout_s: float = 30.0) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.cache = AnswerCache()
        self._con = connect(store)
        load_spatial(self._con)
        # Only the lake's files and the connection's spill folder; nothing can be changed after.
        spill = self._con.execute("SELECT current_setting('temp_directory')").fetchone()
        allowed = [lake_root(store), *([str(spill[0]).rstrip("/") + "/"] if spill else [])]
        self._con.execute(
            f"SET allowed_directories = [{', '.join(sql_literal(a) for a in allowed)}]"
        )
        self._con.execute("SET enable_external_access = false")
        self._con.execute("SET lock_configuration = true")

    def days(self) -> list[dt.date]:
        """The days whose tracks have a current version."""
        return sorted(
            dt.date.fromisoformat(dict(p.values)["dt"])
            for p in partitions(self.store, "gold/vessel_tracks")
        )

    def files(self, product: str, days: Iterable[dt.date]) -> list[str]:
        """The current files of ``product`` for ``days`` (its one partition if it has history
        partitioning); a day (or the history) with no current version is :class:`NotBuilt`."""
        spec = BY_NAME[product]
        periods: list[dt.date | None] = [None] if spec.partitioning == "history" else list(days)
        keys: list[str] = []
        for period in periods:
            prefix = gold_partition_prefix(product, spec.partitioning, period)
            found = partition_keys(self.store, prefix)
            if not found:
                when = f"for {period}" if period else "yet"
                raise NotBuilt(
                    f"the lake has no {product} {when}: build the day first (aislake "
                    f"backfill --from {period or 'DAY'} --to {period or 'DAY'}, or aislake demo)"
                )
            keys.extend(found)
        return keys

    def answer(
        self,
        question: str,
        days: Iterable[dt.date],
        params: dict[str, object],
        encode: Callable[[Rows], object],
    ) -> bytes:
        """``encode`` of the rows of ``question`` over ``days``, as JSON bytes: cached under the
        question, its parameters and the files it reads."""
        inputs = {name: self.files(name, days) for name in READS[question]}
        return self.cached(
            [question, sorted(params.items()), inputs],
            lambda: encode(self.rows(question, inputs, params)),
        )

    def cached(self, key: object, compute: Callable[[], object]) -> bytes:
        """``compute()`` as JSON bytes, made once per ``key`` (JSON-able) while cached."""
        digest = hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()
        found = self.cache.get(digest)
        if found is None:
            found = json.dumps(compute(), default=str).encode()
            self.cache.put(digest, found)
        return found

    def rows(self, question: str, inputs: dict[str, list[str]], params: dict[str, object]) -> Rows:
        """Run ``question``'s SQL over ``inputs`` (relation name: files), on a cursor of its own,
        interrupted after ``timeout_s``."""
        cursor = self._con.cursor()
        timer = threading.Timer(self.timeout_s, cursor.interrupt)
        try:
            for name, keys in inputs.items():
                files = ", ".join(sql_literal(self.store.uri(k)) for k in keys)
                cursor.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet([{files}])")
            timer.start()
            relation = cursor.execute(sql_text(question), params)
            columns = [d[0] for d in relation.description or []]
            return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
        except duckdb.InterruptException:
            raise TooSlow(
                f"{question} took longer than {self.timeout_s:g} s: zoom in or pick fewer days"
            ) from None
        except duckdb.InvalidInputException as exc:
            raise BadRequest(f"{question}: {exc}") from None
        finally:
            timer.cancel()
            cursor.close()
