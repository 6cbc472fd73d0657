"""Write simulated AIS reports as a DMA daily file: ``aisdk-YYYY-MM-DD.csv`` inside a zip.

The CSV looks like DMA's: the ``# Timestamp,...`` header (26 or the older 22 columns), times as
``dd/mm/yyyy hh:mm:ss``, DMA's spellings of "no value" ('Unknown' IMO, 'Undefined' ship type,
'Unknown value' status), static reports at lat 91 / lon 181, rows sorted by time. On top, the
quirks of real files, each counted in ``Truth.injected``: exact duplicate rows, single-space
fields, rows at lat 91 / lon 0, an invalid MMSI, rows stamped after the day.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aislake.lake.duck import DuckDBSettings, open_duckdb, sql_literal
from aislake.lake.schema import DMA_HEADER_22, DMA_HEADER_26, DMA_TIMESTAMP_FORMAT
from aislake.simulate.traffic import REPORT_SCHEMA, FleetSize, Truth, simulate_into


@dataclass(frozen=True)
class Quirks:
    """Shares and counts of real-file quirks to inject (zero turns one off)."""

    duplicate_share: float = 0.02
    space_share: float = 0.01
    lat91_lon0_rows: int = 3
    invalid_mmsi_rows: int = 5
    next_day_rows: int = 3


NO_QUIRKS = Quirks(0, 0, 0, 0, 0)


def _dma_text_select(day: dt.date, columns: int) -> str:
    fmt = sql_literal(DMA_TIMESTAMP_FORMAT)
    day0 = sql_literal(day.isoformat())
    exprs = {
        "# Timestamp": f"strftime(TIMESTAMP {day0} + to_seconds(t::BIGINT), {fmt})",
        "Type of mobile": "mobile_type",
        "MMSI": "CAST(mmsi AS VARCHAR)",
        "Latitude": "CAST(lat AS VARCHAR)",
        "Longitude": "CAST(lon AS VARCHAR)",
        "Navigational status": "coalesce(nav_status, 'Unknown value')",
        "ROT": "CAST(rot AS VARCHAR)",
        "SOG": "CAST(sog AS VARCHAR)",
        "COG": "CAST(cog AS VARCHAR)",
        "Heading": "CAST(heading AS VARCHAR)",
        "IMO": "coalesce(CAST(imo AS VARCHAR), 'Unknown')",
        "Callsign": "callsign",
        "Name": "name",
        "Ship type": "coalesce(ship_type, 'Undefined')",
        "Cargo type": "cargo_type",
        "Width": "CAST(width AS VARCHAR)",
        "Length": "CAST(length AS VARCHAR)",
        "Type of position fixing device": "coalesce(pos_fix_device, 'Undefined')",
        "Draught": "CAST(draught AS VARCHAR)",
        "Destination": "CASE WHEN space THEN ' ' ELSE destination END",
        "ETA": f"strftime(eta, {fmt})",
        "Data source type": "'AIS'",
        "A": "CAST(size_a AS VARCHAR)",
        "B": "CAST(size_b AS VARCHAR)",
        "C": "CAST(size_c AS VARCHAR)",
        "D": "CAST(size_d AS VARCHAR)",
    }
    header = DMA_HEADER_26 if columns == 26 else DMA_HEADER_22
    return ", ".join(f'{exprs[h]} AS "{h}"' for h in header)


def write_dma_csv(
    path: Path,
    day: dt.date,
    fleet: FleetSize | None = None,
    seed: int = 0,
    columns: int = 26,
    quirks: Quirks | None = None,
) -> tuple[int, Truth]:
    """Simulate ``day`` into a DMA CSV at ``path``; returns the number of data rows and the truth.

    Memory stays bounded whatever the day's size: the simulator's batches are spooled to a
    Parquet file beside ``path``, and DuckDB (within a memory limit, spilling beyond it) injects
    the quirks, sorts by time and writes the CSV.
    """
    quirks = quirks or Quirks()
    path.parent.mkdir(parents=True, exist_ok=True)
    spool = path.with_name(path.name + ".spool.parquet")
    body = path.with_name(path.name + ".body")
    spill = path.with_name(path.name + ".spill")
    try:
        truth = _spool_reports(spool, day, fleet, seed)
        con = open_duckdb(DuckDBSettings("1GB", None, str(spill)))
        total = _write_body(con, spool, body, truth, columns, quirks)
        con.close()
        header = DMA_HEADER_26 if columns == 26 else DMA_HEADER_22
        with path.open("wb") as out, body.open("rb") as src:
            # DuckDB would quote the '# Timestamp' header name; DMA does not, so it is ours.
            out.write((",".join(header) + "\n").encode())
            shutil.copyfileobj(src, out, 16 * 1024 * 1024)
    finally:
        for leftover in (spool, body):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(spill, ignore_errors=True)
    return total, truth


def _spool_reports(spool: Path, day: dt.date, fleet: FleetSize | None, seed: int) -> Truth:
    """The simulator's batches in a Parquet file, each row numbered (``seq``) in the order made."""
    schema = REPORT_SCHEMA.append(pa.field("seq", pa.int64()))
    pending: list[pa.RecordBatch] = []
    pending_rows = written = 0
    with pq.ParquetWriter(spool, schema, compression="zstd") as writer:

        def flush() -> None:
            nonlocal written, pending_rows
            table = pa.Table.from_batches(pending, REPORT_SCHEMA)
            seq = pa.array(np.arange(written + 1, written + table.num_rows + 1), pa.int64())
            writer.write_table(table.append_column("seq", seq))
            written += table.num_rows
            pending.clear()
            pending_rows = 0

        def sink(batch: pa.RecordBatch) -> None:
            nonlocal pending_rows
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= 500_000:
                flush()

        truth = simulate_into(sink, day, fleet, seed)
        if pending:
            flush()
    return truth


def _write_body(
    con: duckdb.DuckDBPyConnection,
    spool: Path,
    body: Path,
    truth: Truth,
    columns: int,
    quirks: Quirks,
) -> int:
    """The CSV's rows, quirks injected, in time order; counts each quirk into ``truth``."""
    con.execute(
        f"""CREATE VIEW made AS
        SELECT *, hash(seq, 'space') % 1000000 < {int(quirks.space_share * 1e6)} AS space
        FROM read_parquet({sql_literal(str(spool))})"""
    )
    con.execute(
        f"""CREATE VIEW duplicated AS SELECT * FROM made
            WHERE hash(seq, 'dup') % 1000000 < {int(quirks.duplicate_share * 1e6)} AND lat < 91"""
    )
    con.execute("CREATE TEMP TABLE odd AS SELECT * FROM made LIMIT 0")
    odd = [(600.0 + i, "Class A", 219_000_777, 91.0, 0.0) for i in range(quirks.lat91_lon0_rows)]
    # 001193046: a base-station form with MID 119, which is no country.
    odd += [
        (1200.0 + 60 * i, "Class A", 1_193_046, 55.5, 11.0) for i in range(quirks.invalid_mmsi_rows)
    ]
    odd += [(86_400.0 + i, "Class A", 219_000_888, 55.6, 12.6) for i in range(quirks.next_day_rows)]
    for t, mobile, mmsi, lat, lon in odd:
        con.execute(
            "INSERT INTO odd (t, mobile_type, mmsi, lat, lon, seq, space) "
            "VALUES (?, ?, ?, ?, ?, 0, false)",
            [t, mobile, mmsi, lat, lon],
        )
    con.execute(
        "CREATE VIEW rows AS SELECT * FROM made UNION ALL SELECT * FROM duplicated "
        "UNION ALL SELECT * FROM odd"
    )
    counts = con.execute(
        "SELECT (SELECT count(*) FROM duplicated), count(*) FILTER (WHERE space), count(*) "
        "FROM rows"
    ).fetchone()
    assert counts is not None
    truth.injected["duplicate"] = int(counts[0])
    truth.injected["space_destination"] = int(counts[1])
    truth.injected["lat91_lon0"] = quirks.lat91_lon0_rows
    truth.injected["invalid_mmsi"] = quirks.invalid_mmsi_rows
    truth.injected["next_day"] = quirks.next_day_rows
    # Ties in (t, mmsi, seq) are a row and its injected duplicate: identical text either way.
    con.execute(
        f"""COPY (SELECT {_dma_text_select(truth.day, columns)} FROM rows ORDER BY t, mmsi, seq)
            TO {sql_literal(str(body))} (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '"')"""
    )
    return int(counts[2])


@dataclass(frozen=True)
class SimulatedFile:
    path: Path
    rows: int
    truth: Truth


def write_dma_zip(
    day: dt.date,
    folder: Path,
    fleet: FleetSize | None = None,
    seed: int = 0,
    columns: int = 26,
    quirks: Quirks | None = None,
    compresslevel: int = 6,
) -> SimulatedFile:
    """Simulate ``day`` and write ``folder/aisdk-YYYY-MM-DD.zip`` as DMA publishes it."""
    folder.mkdir(parents=True, exist_ok=True)
    member = f"aisdk-{day.isoformat()}.csv"
    csv_path = folder / f".{member}.tmp"
    zip_path = folder / f"aisdk-{day.isoformat()}.zip"
    tmp_zip = folder / f".{zip_path.name}.tmp"
    try:
        rows, truth = write_dma_csv(csv_path, day, fleet, seed, columns, quirks)
        with zipfile.ZipFile(
            tmp_zip, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as zf:
            zf.write(csv_path, member)
        tmp_zip.replace(zip_path)
    finally:
        csv_path.unlink(missing_ok=True)
        tmp_zip.unlink(missing_ok=True)
    return SimulatedFile(zip_path, rows, truth)
