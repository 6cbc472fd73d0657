"""Silver's typed rows from decoded NMEA messages (``aislake.sources.nmea.reader``), run in
DuckDB over hand-made messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from aislake.ais.schema import DMA_TIMESTAMP_FORMAT
from aislake.sources.nmea.decode import MESSAGE_SCHEMA
from aislake.sources.nmea.reader import typed_rows_sql

MMSI = 219000001


def dma_eta(ts: dt.datetime, month: int, day: int, hour: int, minute: int) -> str | None:
    """The ETA as DMA prints it, by the rule docs/nmea.md states: in the row's year, or the
    next when it would be more than 31 days before the row; none where not available (0, 24,
    60) or no such time."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    try:
        eta = dt.datetime(ts.year, month, day, hour, minute)
        if eta < ts - dt.timedelta(days=31):
            eta = dt.datetime(ts.year + 1, month, day, hour, minute)
    except ValueError:
        return None
    return eta.strftime(DMA_TIMESTAMP_FORMAT)


def kept_table(messages: list[dict[str, Any]]) -> pa.Table:
    """Decoded messages as silver keeps them (every message column but the raw text, with
    ``receivers`` and ``static_line``); columns not given are null."""
    schema = pa.schema(
        [f for f in MESSAGE_SCHEMA if f.name != "raw_line"]
        + [pa.field("receivers", pa.int16()), pa.field("static_line", pa.int64())]
    )
    columns = {}
    for f in schema:
        values = [m.get(f.name) for m in messages]
        kind = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        columns[f.name] = pa.array(values, kind)
    return pa.table(columns)


def static_report(line: int, ts: dt.datetime, eta: tuple[int, int, int, int] | None) -> dict:
    month, day, hour, minute = eta or (None, None, None, None)
    return {
        "line": line,
        "ts": ts,
        "msg_type": 5 if eta else 24,
        "mmsi": MMSI,
        "name": "SEAGULL",
        "eta_month": month,
        "eta_day": day,
        "eta_hour": hour,
        "eta_minute": minute,
        "static_line": line,
        "receivers": 1,
    }


def position(line: int, ts: dt.datetime, static_line: int | None) -> dict:
    return {
        "line": line,
        "ts": ts,
        "msg_type": 1,
        "mmsi": MMSI,
        "lat": 55.0,
        "lon": 11.0,
        "static_line": static_line,
        "receivers": 1,
    }


T = dt.datetime


@pytest.mark.parametrize(
    ("report_ts", "eta", "row_times"),
    [
        # A report on New Year's Eve; rows that evening and after midnight (another year).
        (T(2024, 12, 31, 23, 50), (1, 5, 10, 0), [T(2024, 12, 31, 23, 55), T(2025, 1, 1, 0, 5)]),
        # Exactly 31 days before the row stays in its year; a minute more goes to the next.
        (T(2024, 3, 1), (1, 30, 0, 0), [T(2024, 3, 1), T(2024, 3, 1, 0, 1)]),
        # No such time (30 February), and 29 February that is, then is not, in the year.
        (T(2024, 6, 1), (2, 30, 12, 0), [T(2024, 6, 1, 1)]),
        (T(2024, 1, 10), (2, 29, 12, 0), [T(2024, 1, 11), T(2024, 4, 2)]),
        # Not available: month 0, hour 24, minute 60.
        (T(2024, 6, 1), (0, 1, 0, 0), [T(2024, 6, 1, 1)]),
        (T(2024, 6, 1), (6, 2, 24, 0), [T(2024, 6, 1, 1)]),
        (T(2024, 6, 1), (6, 2, 10, 60), [T(2024, 6, 1, 1)]),
    ],
)
def test_the_eta_is_rendered_in_the_rows_year_as_dma_prints_it(
    report_ts: dt.datetime, eta: tuple[int, int, int, int], row_times: list[dt.datetime]
) -> None:
    # The static report's own row, positions that take the report's ETA, a later static
    # report without an ETA (a type 24: the ETA known before it carries on), and a position
    # before any static report.
    messages = [static_report(10, report_ts, eta)]
    messages += [position(20 + i, ts, 10) for i, ts in enumerate(row_times)]
    later = report_ts + dt.timedelta(seconds=1)
    messages += [static_report(30, later, None), position(31, later, 30)]
    messages += [position(1, report_ts - dt.timedelta(minutes=1), None)]
    con = duckdb.connect()
    try:
        con.register("messages", kept_table(messages))
        sql = typed_rows_sql("SELECT * FROM messages")
        got = dict(con.execute(f"SELECT line, eta FROM ({sql})").fetchall())
    finally:
        con.close()
    expected = {10: dma_eta(report_ts, *eta), 30: dma_eta(later, *eta), 31: dma_eta(later, *eta)}
    expected |= {20 + i: dma_eta(ts, *eta) for i, ts in enumerate(row_times)}
    expected[1] = None
    assert got == expected
