"""Write simulated AIS reports as a DMA daily file: ``aisdk-YYYY-MM-DD.csv`` inside a zip.

The CSV looks like DMA's: the ``# Timestamp,...`` header (26 or the older 22 columns), times as
``dd/mm/yyyy hh:mm:ss``, DMA's spellings of "no value" ('Unknown' IMO, 'Undefined' ship type,
'Unknown value' status), static reports at lat 91 / lon 181, rows sorted by time. On top, the
quirks of real files, each counted in ``Truth.injected``: exact duplicate rows, single-space
fields, rows at lat 91 / lon 0, an invalid MMSI, rows stamped after the day, and what real DMA
days showed (the 2021-02-09 sample): free text with an unquoted comma (a name, a destination, a
call sign; the line cut back to the header's width, or one field longer), several receivers
reporting one moment (the same second, tens of metres apart), a receiver repeating a vessel's
previous position a few seconds late, and hours with no reports at all.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aislake.ais.schema import DMA_HEADER_22, DMA_HEADER_26, DMA_TIMESTAMP_FORMAT
from aislake.duck.engine import DuckDBSettings, open_duckdb
from aislake.duck.sql import sql_literal
from aislake.simulate.legs import DAY_SECONDS
from aislake.simulate.traffic import (
    DANISH_WATERS,
    DMA_CADENCE,
    REPORT_SCHEMA,
    Cadence,
    FleetSize,
    Region,
    Truth,
    simulate_into,
)


@dataclass(frozen=True)
class Quirks:
    """Shares and counts of real-file quirks to inject (zero turns one off)."""

    duplicate_share: float = 0.02
    space_share: float = 0.01
    lat91_lon0_rows: int = 3
    invalid_mmsi_rows: int = 5
    next_day_rows: int = 3
    # A second receiver's copy of a Class A position: same second, up to ~35 m off.
    multi_receiver_share: float = 0.05
    # A receiver relaying a vessel's previous position 1-5 s after its current one.
    stale_repeat_share: float = 0.01
    # Vessels whose free text holds an unquoted comma, per field (name, destination, call sign).
    unquoted_comma_fields: tuple[str, ...] = ("name", "destination", "callsign")
    coast_station_as_class_a_rows: int = 60
    missing_hours: tuple[int, ...] = ()


NO_QUIRKS = Quirks(0, 0, 0, 0, 0, 0, 0, (), 0, ())


def csv_field_sql(text: str, unless: str = "false") -> str:
    """SQL: the text ``text`` as a CSV field, quoted (quotes doubled) when it holds a comma or a
    quote, as DMA and NOAA write them; never quoted where ``unless`` holds (a quirk's row)."""
    quoted = f"""'"' || replace({text}, '"', '""') || '"'"""
    return f"""CASE WHEN NOT ({unless}) AND ({text} LIKE '%,%' OR {text} LIKE '%"%')
                    THEN {quoted} ELSE {text} END"""


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
        "Destination": "CASE WHEN space AND NOT comma THEN ' ' ELSE destination END",
        "ETA": f"strftime(eta, {fmt})",
        "Data source type": "'AIS'",
        "A": "CAST(size_a AS VARCHAR)",
        "B": "CAST(size_b AS VARCHAR)",
        "C": "CAST(size_c AS VARCHAR)",
        "D": "CAST(size_d AS VARCHAR)",
    }
    header = DMA_HEADER_26 if columns == 26 else DMA_HEADER_22
    # The line is built here, not by DuckDB's CSV writer: fields holding a comma or a quote are
    # quoted as DMA does, except on rows whose unquoted-comma quirk (``comma``) is the point.
    fields = [csv_field_sql(f"coalesce({exprs[h]}, '')", unless="comma") for h in header]
    # A comma row is cut back to the header's width (the field it pushed out is lost), except
    # one in three, which keeps it (one field too many).
    return f"""CASE WHEN comma AND hash(seq, 'width') % 3 <> 0
                    THEN array_to_string(
                        list_slice([{", ".join(fields)}], 1, {len(header) - 1}), ',')
                    ELSE concat_ws(',', {", ".join(fields)}) END AS line"""


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
    with work_files(path) as (spool, body, con):
        truth = spool_reports(spool, day, fleet, seed)
        total = _write_body(con, spool, body, truth, columns, quirks)
        # DuckDB would quote the '# Timestamp' header name; DMA does not, so it is ours.
        header = DMA_HEADER_26 if columns == 26 else DMA_HEADER_22
        prepend_header(path, ",".join(header) + "\n", body)
    return total, truth


@contextmanager
def work_files(path: Path) -> Iterator[tuple[Path, Path, duckdb.DuckDBPyConnection]]:
    """A spool file and a body file beside ``path``, and a DuckDB connection bounded to 1 GB
    that spills beside it too; all removed when done."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spool = path.with_name(path.name + ".spool.parquet")
    body = path.with_name(path.name + ".body")
    spill = path.with_name(path.name + ".spill")
    con = open_duckdb(DuckDBSettings("1GB", None, str(spill)))
    try:
        yield spool, body, con
    finally:
        con.close()
        for leftover in (spool, body):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(spill, ignore_errors=True)


def prepend_header(path: Path, header: str, body: Path) -> None:
    """Write ``path``: the ``header`` line, then the lines DuckDB wrote to ``body``."""
    with path.open("wb") as out, body.open("rb") as src:
        out.write(header.encode())
        shutil.copyfileobj(src, out, 16 * 1024 * 1024)


def spool_reports(
    spool: Path,
    day: dt.date,
    fleet: FleetSize | None,
    seed: int,
    region: Region = DANISH_WATERS,
    cadence: Cadence = DMA_CADENCE,
) -> Truth:
    """The simulator's batches in a Parquet file, each row numbered (``seq``) in the order made
    and by its batch (``batch``: a batch of positions is one ship's, whatever MMSI it used)."""
    schema = REPORT_SCHEMA.append(pa.field("seq", pa.int64())).append(pa.field("batch", pa.int32()))
    pending: list[pa.RecordBatch] = []
    numbers: list[np.ndarray] = []
    pending_rows = written = batches = 0
    with pq.ParquetWriter(spool, schema, compression="zstd") as writer:

        def flush() -> None:
            nonlocal written, pending_rows
            table = pa.Table.from_batches(pending, REPORT_SCHEMA)
            seq = pa.array(np.arange(written + 1, written + table.num_rows + 1), pa.int64())
            table = table.append_column("seq", seq)
            writer.write_table(table.append_column("batch", pa.array(np.concatenate(numbers))))
            written += table.num_rows
            pending.clear()
            numbers.clear()
            pending_rows = 0

        def sink(batch: pa.RecordBatch) -> None:
            nonlocal pending_rows, batches
            pending.append(batch)
            numbers.append(np.full(batch.num_rows, batches, dtype=np.int32))
            batches += 1
            pending_rows += batch.num_rows
            if pending_rows >= 500_000:
                flush()

        truth = simulate_into(sink, day, fleet, seed, region=region, cadence=cadence)
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
    comma = _comma_vessels(truth, quirks)
    con.execute("CREATE TEMP TABLE glitch (mmsi BIGINT, t DOUBLE)")
    day0 = dt.datetime.combine(truth.day, dt.time())
    glitches = [
        (m, (g - day0).total_seconds()) for m, v in truth.vessels.items() for g in v.glitches
    ]
    if glitches:
        con.executemany("INSERT INTO glitch VALUES (?, ?)", glitches)

    # Glitch positions stay as the simulator made them (no comma quirk, no receiver's copy or
    # stale repeat next to them, which would hide the glitch).
    def with_comma(field: str, text: str) -> str:
        vessel = comma.get(field)
        if vessel is None:
            return field
        return (
            f"CASE WHEN mmsi = {vessel} AND {field} IS NOT NULL AND NOT glitch "
            f"THEN {text} ELSE {field} END"
        )

    comma_flag = " OR ".join(f"(mmsi = {m} AND {f} IS NOT NULL)" for f, m in comma.items())
    con.execute(
        f"""CREATE VIEW made AS
        SELECT * REPLACE (
                   {with_comma("name", "replace(name, ' ', ', ')")} AS name,
                   {with_comma("destination", "destination || ', DK'")} AS destination,
                   {with_comma("callsign", "'OU,' || callsign[3:]")} AS callsign),
               hash(seq, 'space') % 1000000 < {int(quirks.space_share * 1e6)} AS space,
               ({comma_flag or "false"}) AND NOT glitch AS comma
        FROM (SELECT *, (mmsi, t) IN (SELECT * FROM glitch) AS glitch
              FROM read_parquet({sql_literal(str(spool))}))"""
    )
    share = {
        "dup": int(quirks.duplicate_share * 1e6),
        "rx": int(quirks.multi_receiver_share * 1e6),
        "stale": int(quirks.stale_repeat_share * 1e6),
    }
    con.execute(
        f"""CREATE VIEW duplicated AS SELECT * FROM made
            WHERE hash(seq, 'dup') % 1000000 < {share["dup"]} AND lat < 91"""
    )
    moving = "mobile_type = 'Class A' AND lat < 91 AND NOT glitch"
    # ~1e-6 deg per unit: up to 0.0003 deg (33 m) north-south and east-west.
    con.execute(
        f"""CREATE VIEW received_twice AS
        SELECT * REPLACE (lat + ((hash(seq, 'dy') % 601)::INTEGER - 300) * 1e-6 AS lat,
                          lon + ((hash(seq, 'dx') % 601)::INTEGER - 300) * 1e-6 AS lon)
        FROM made WHERE {moving} AND hash(seq, 'rx') % 1000000 < {share["rx"]}"""
    )
    con.execute(
        f"""CREATE VIEW repeated_late AS
        SELECT * EXCLUDE (p_lat, p_lon, p_glitch)
                 REPLACE (t + 1 + hash(seq, 'late') % 5 AS t, p_lat AS lat, p_lon AS lon)
        FROM (SELECT *, lag(lat) OVER v AS p_lat, lag(lon) OVER v AS p_lon,
                     lag(glitch) OVER v AS p_glitch
              FROM made WHERE {moving}
              WINDOW v AS (PARTITION BY mmsi, batch ORDER BY t))
        WHERE hash(seq, 'stale') % 1000000 < {share["stale"]} AND p_lat IS NOT NULL
          AND NOT p_glitch AND t + 6 < {DAY_SECONDS}"""
    )
    con.execute("CREATE TEMP TABLE odd AS SELECT * FROM made LIMIT 0")
    odd = [(600.0 + i, "Class A", 219_000_777, 91.0, 0.0) for i in range(quirks.lat91_lon0_rows)]
    # 001193046: a base-station form with MID 119, which is no country.
    odd += [
        (1200.0 + 60 * i, "Class A", 1_193_046, 55.5, 11.0) for i in range(quirks.invalid_mmsi_rows)
    ]
    odd += [(86_400.0 + i, "Class A", 219_000_888, 55.6, 12.6) for i in range(quirks.next_day_rows)]
    # A harbour's coast station (002190047) reporting as Class A once a minute, as real days show.
    odd += [
        (30.0 + 60 * i, "Class A", COAST_STATION_AS_CLASS_A, 55.4627, 8.4383)
        for i in range(quirks.coast_station_as_class_a_rows)
    ]
    for t, mobile, mmsi, lat, lon in odd:
        con.execute(
            "INSERT INTO odd (t, mobile_type, mmsi, lat, lon, seq, glitch, space, comma) "
            "VALUES (?, ?, ?, ?, ?, 0, false, false, false)",
            [t, mobile, mmsi, lat, lon],
        )
    gone = ", ".join(str(int(h)) for h in quirks.missing_hours) or "-1"
    con.execute(
        """CREATE TEMP TABLE rows AS
        SELECT *, 'made' AS quirk FROM made UNION ALL
        SELECT *, 'duplicate' FROM duplicated UNION ALL
        SELECT *, 'multi_receiver' FROM received_twice UNION ALL
        SELECT *, 'stale_repeat' FROM repeated_late UNION ALL
        SELECT *, 'odd' FROM odd"""
    )
    con.execute(f"DELETE FROM rows WHERE floor(t / 3600) IN ({gone})")
    counts = dict(con.execute("SELECT quirk, count(*) FROM rows GROUP BY 1").fetchall())
    commas = dict(
        con.execute(
            "SELECT CASE mmsi "
            + " ".join(f"WHEN {m} THEN '{f}'" for f, m in comma.items())
            + " END, count(*) FROM rows WHERE comma GROUP BY 1"
        ).fetchall()
        if comma
        else []
    )
    space = con.execute("SELECT count(*) FROM rows WHERE space AND NOT comma").fetchone()
    # An exact copy of a line DuckDB refuses is refused too: counted apart from duplicates.
    unprovable = con.execute(
        "SELECT count(*) FROM rows WHERE quirk = 'duplicate' AND comma AND mmsi = ?",
        [comma.get("callsign", -1)],
    ).fetchone()
    refused_copies = int(unprovable[0]) if unprovable else 0
    truth.injected["duplicate"] = int(counts.get("duplicate", 0)) - refused_copies
    truth.injected["duplicate_of_unquoted_comma_callsign"] = refused_copies
    truth.injected["space_destination"] = int(space[0]) if space else 0
    truth.injected["lat91_lon0"] = quirks.lat91_lon0_rows
    truth.injected["invalid_mmsi"] = quirks.invalid_mmsi_rows
    truth.injected["next_day"] = quirks.next_day_rows
    truth.injected["coast_station_as_class_a"] = quirks.coast_station_as_class_a_rows
    truth.injected["multi_receiver"] = int(counts.get("multi_receiver", 0))
    truth.injected["stale_repeat"] = int(counts.get("stale_repeat", 0))
    for f in comma:
        truth.injected[f"unquoted_comma_{f}"] = int(commas.get(f, 0))
    truth.quirk_vessels.update({f"unquoted_comma_{f}": m for f, m in comma.items()})
    # Ties in (t, mmsi, seq) are a row and its injected copy: identical text either way.
    con.execute(
        f"""COPY (SELECT {_dma_text_select(truth.day, columns)} FROM rows
                  ORDER BY t, mmsi, seq, quirk)
            TO {sql_literal(str(body))} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '',
                                         DELIMITER '\t')"""
    )
    return sum(int(v) for v in counts.values())


COAST_STATION_AS_CLASS_A = 2_190_047


def _comma_vessels(truth: Truth, quirks: Quirks) -> dict[str, int]:
    """One vessel per free-text field of ``quirks.unquoted_comma_fields``: the first cargo ship
    (name), ferry (destination) and fishing vessel (call sign); the truth takes the new text."""
    kinds = {"name": "cargo", "destination": "ferry", "callsign": "fishing"}
    chosen: dict[str, int] = {}
    for f in quirks.unquoted_comma_fields:
        vessel = next((v for v in truth.vessels.values() if v.kind == kinds[f]), None)
        if vessel is None:
            continue
        chosen[f] = vessel.mmsi
        if f == "name":
            vessel.name = vessel.name.replace(" ", ", ")
        elif f == "callsign":
            vessel.callsign = "OU," + vessel.callsign[2:]
    return chosen


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
