"""A bronze NMEA day as silver's input: decoded (``decode``), the reports heard again
collapsed and static data joined (``reader``), inside silver's DuckDB connection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from aislake.bronze.zstd import text_chunks
from aislake.duck.sql import sql_literal
from aislake.sources.base import DecodedDay
from aislake.sources.nmea.decode import decode_day, heard_path
from aislake.sources.nmea.reader import (
    RAW_TEXT,
    copies_sql,
    kept_sql,
    raw_lines_sql,
    typed_rows_sql,
)
from aislake.storage.store import ObjectStore


class NmeaDecoder:
    """Decodes a day of raw NMEA (``aislake.sources.base.Decoder``)."""

    def decode(
        self,
        con: duckdb.DuckDBPyConnection,
        store: ObjectStore,
        bronze_key: str,
        day: dt.date,
        workdir: Path,
        archive: Any,
    ) -> DecodedDay:
        messages, rejects = workdir / "nmea-messages.parquet", workdir / "nmea-rejects.parquet"
        untimed = getattr(archive, "untimed", "reject")
        found = decode_day(
            text_chunks(bronze_key, store.iter_bytes(bronze_key)), day, messages, rejects, untimed
        )
        read = f"read_parquet({sql_literal(str(messages))})"
        heard = f"read_parquet({sql_literal(str(heard_path(messages)))})"
        con.execute(
            f"INSERT INTO lines_aside SELECT line, reason, {RAW_TEXT} "
            f"FROM read_parquet({sql_literal(str(rejects))})"
        )
        if found.heard_again:  # a day of one receiver has none: no messages to look through
            con.execute(f"INSERT INTO lines_aside {copies_sql(read, heard)}")
        aside = dict(
            con.execute("SELECT reason, count(*) FROM lines_aside GROUP BY reason").fetchall()
        )
        return DecodedDay(
            select=typed_rows_sql(kept_sql(read, heard)),
            raw_lines=raw_lines_sql(read),
            records=found.records,
            aside={str(k): int(v) for k, v in aside.items()},
            lines=found.lines,
            blank_lines=found.blank_lines,
            figures={
                "fragments_joined": found.fragments_joined,
                "decoded_fast": found.fast,
                "decoded_by_pyais": found.fallback,
                "stamped_from_day": found.stamped_from_day,
                "heard_again": aside.get("duplicate", 0),
            },
        )
