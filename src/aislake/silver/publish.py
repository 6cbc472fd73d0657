"""Silver's last step: what was written is counted against what came in, judged against the
stored day, and published as the day's new version: its rejects committed first, then silver,
naming them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from aislake.bronze.manifest import DayCounts, refuse_worse_day
from aislake.duck.sql import keys_literal
from aislake.silver.read import RowsLostError
from aislake.silver.rules import SilverRules
from aislake.silver.workspace import Workspace
from aislake.silver.write import Written
from aislake.storage.current import day_keys
from aislake.storage.layout import rejects_prefix, silver_prefix
from aislake.storage.store import ObjectStore
from aislake.storage.tables import publish


@dataclass(frozen=True)
class Counted:
    """What the staged files hold."""

    rows: int
    vessels: int
    ts_min: dt.datetime | None
    ts_max: dt.datetime | None
    rejects_by_reason: dict[str, int]
    repaired_by_field: dict[str, int]


def count_written(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    written: Written,
    bronze_key: str,
    data_lines: int,
) -> Counted:
    """Count the staged files; :class:`RowsLostError` unless silver + rejects are the day's
    data lines."""
    silver_files = keys_literal(store, written.silver_keys)
    rejects_file = keys_literal(store, [written.rejects_key])
    stats = con.execute(
        f"SELECT count(*), count(DISTINCT mmsi), min(ts), max(ts) FROM read_parquet({silver_files})"
    ).fetchone()
    assert stats is not None
    by_reason = {
        str(k): int(v)
        for k, v in con.execute(
            f"SELECT reason, count(*) FROM read_parquet({rejects_file}) GROUP BY ALL ORDER BY 1"
        ).fetchall()
    }
    if int(stats[0]) + sum(by_reason.values()) != data_lines:
        raise RowsLostError(
            f"{bronze_key}: {data_lines:,} data lines but {int(stats[0]):,} silver rows + "
            f"{sum(by_reason.values()):,} rejects; nothing was published"
        )
    repaired = con.execute("SELECT repaired, count(*) FROM repaired_ids GROUP BY 1 ORDER BY 1")
    return Counted(
        int(stats[0]),
        int(stats[1]),
        stats[2],
        stats[3],
        by_reason,
        {str(k): int(v) for k, v in repaired.fetchall()},
    )


def publish_day(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    ws: Workspace,
    source: str,
    day: dt.date,
    counted: Counted,
    rules: SilverRules,
) -> tuple[list[str], list[str]]:
    """Publish the staged day as its new version (its rejects, then silver naming them),
    unless it is worse than the stored one (``CollapseError``); the published keys."""
    refuse_worse_day(
        f"silver {source} {day}",
        stored_counts(con, store, source, day),
        DayCounts.of(counted.rows, counted.rejects_by_reason),
        rules.replace_max_drop,
        rules.replace_max_reject_rise,
    )
    silver, rejects = silver_prefix(source, day), rejects_prefix(source, day)
    # The rejects first: silver's commit, last, names their version (aislake.storage.tables).
    published = publish(store, {rejects: f"{ws.staged}/rejects", silver: f"{ws.staged}/silver"})
    return published[silver], published[rejects]


def stored_counts(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, source: str, day: dt.date
) -> DayCounts | None:
    """The stored day's valid rows (from the Parquet footers: no data read) and unexpected
    rejects; ``None`` when the day is not stored."""
    silver, rejects = day_keys(store, source, day)
    if not silver:
        return None
    files = keys_literal(store, silver)
    row = con.execute(f"SELECT count(*) FROM read_parquet({files})").fetchone()
    by_reason: dict[str, int] = {}
    if rejects:
        by_reason = dict(
            con.execute(
                f"SELECT reason, count(*) FROM read_parquet({keys_literal(store, rejects)}) "
                "GROUP BY ALL"
            ).fetchall()
        )
    return DayCounts.of(int(row[0]) if row else 0, by_reason)
