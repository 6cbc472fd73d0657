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
import pyarrow as pa

from aislake.lake.duck import sql_literal
from aislake.lake.schema import DMA_HEADER_22, DMA_HEADER_26, DMA_TIMESTAMP_FORMAT
from aislake.simulate.traffic import FleetSize, Truth, simulate


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
    reports: dict, truth: Truth, path: Path, columns: int = 26, quirks: Quirks | None = None
) -> int:
    """Write the reports as a DMA CSV at ``path``; returns the number of data rows."""
    quirks = quirks or Quirks()
    table = pa.table({k: pa.array(list(v) if v.dtype == object else v) for k, v in reports.items()})
    con = duckdb.connect()
    con.register("reports", table)
    n = table.num_rows
    con.execute(
        f"""CREATE TEMP TABLE rows AS
        SELECT *, hash(rn, 'space') % 1000000 < {int(quirks.space_share * 1e6)} AS space
        FROM (SELECT *, row_number() OVER () AS rn FROM reports)"""
    )
    dup = con.execute(
        f"""INSERT INTO rows SELECT * FROM rows
            WHERE hash(rn, 'dup') % 1000000 < {int(quirks.duplicate_share * 1e6)} AND lat < 91"""
    ).fetchone()
    truth.injected["duplicate"] = int(dup[0]) if dup else 0
    truth.injected["space_destination"] = int(
        con.execute("SELECT count(*) FROM rows WHERE space").fetchone()[0]  # type: ignore[index]
    )
    extra = []
    for i in range(quirks.lat91_lon0_rows):
        extra.append((600.0 + i, "Class A", 219_000_777, 91.0, 0.0))
    for i in range(quirks.invalid_mmsi_rows):
        # 001193046: a base-station form with MID 119, which is no country.
        extra.append((1200.0 + 60 * i, "Class A", 1_193_046, 55.5, 11.0))
    for i in range(quirks.next_day_rows):
        extra.append((86_400.0 + i, "Class A", 219_000_888, 55.6, 12.6))
    for t, mobile, mmsi, lat, lon in extra:
        con.execute(
            "INSERT INTO rows (t, mobile_type, mmsi, lat, lon, rn, space) "
            "VALUES (?, ?, ?, ?, ?, ?, false)",
            [t, mobile, mmsi, lat, lon, n + 1],
        )
    truth.injected["lat91_lon0"] = quirks.lat91_lon0_rows
    truth.injected["invalid_mmsi"] = quirks.invalid_mmsi_rows
    truth.injected["next_day"] = quirks.next_day_rows
    path.parent.mkdir(parents=True, exist_ok=True)
    body = path.with_name(path.name + ".body")
    # DuckDB would quote the '# Timestamp' header name; DMA does not, so the header is ours.
    con.execute(
        f"""COPY (SELECT {_dma_text_select(truth.day, columns)} FROM rows ORDER BY t, mmsi, rn)
            TO {sql_literal(str(body))} (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '"')"""
    )
    total = con.execute("SELECT count(*) FROM rows").fetchone()
    con.close()
    header = DMA_HEADER_26 if columns == 26 else DMA_HEADER_22
    try:
        with path.open("wb") as out, body.open("rb") as src:
            out.write((",".join(header) + "\n").encode())
            shutil.copyfileobj(src, out, 16 * 1024 * 1024)
    finally:
        body.unlink(missing_ok=True)
    return int(total[0]) if total else 0


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
    reports, truth = simulate(day, fleet, seed)
    folder.mkdir(parents=True, exist_ok=True)
    member = f"aisdk-{day.isoformat()}.csv"
    csv_path = folder / f".{member}.tmp"
    zip_path = folder / f"aisdk-{day.isoformat()}.zip"
    tmp_zip = folder / f".{zip_path.name}.tmp"
    try:
        rows = write_dma_csv(reports, truth, csv_path, columns, quirks)
        with zipfile.ZipFile(
            tmp_zip, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as zf:
            zf.write(csv_path, member)
        tmp_zip.replace(zip_path)
    finally:
        csv_path.unlink(missing_ok=True)
        tmp_zip.unlink(missing_ok=True)
    return SimulatedFile(zip_path, rows, truth)
