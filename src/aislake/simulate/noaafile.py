"""Write simulated AIS reports as a NOAA MarineCadastre day, in either layout.

The fleet sails the US East Coast (``US_EAST_COAST``) at NOAA's cadence: at most one report a
minute per vessel, vessels only (Class A and B; NOAA's files hold no base stations or AtoN), no
static-only rows, static data on the position rows. Written as NOAA publishes:

- ``csv2``: ``<folder>/csvYYYY/ais-YYYY-MM-DD.csv.zst``, zstd with frame checksums, header
  ``mmsi,base_date_time,longitude,latitude,...``, not-available values empty, LF;
- ``legacy``: ``<folder>/YYYY/AIS_YYYY_MM_DD.zip`` holding ``AIS_YYYY_MM_DD.csv``, header
  ``MMSI,BaseDateTime,LAT,LON,...``, ISO times with ``T``, ``IMO9307839``, heading 511 for not
  available, CRLF (as the real 2024 file).

Quirks of the real files, counted in ``Truth.injected``: a name holding a comma (quoted, as
NOAA quotes it), US documentation numbers in the IMO field (``IMO1001266646``), SOG 102.3 (not
available), and zero length and width on small craft.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from aislake.ais.schema import NOAA_CSV2_HEADER, NOAA_LEGACY_HEADER
from aislake.ais.vocabulary import NAV_STATUS, SHIP_TYPES
from aislake.duck.sql import sql_literal
from aislake.simulate.dmafile import (
    SimulatedFile,
    csv_field_sql,
    prepend_header,
    spool_reports,
    work_files,
)
from aislake.simulate.traffic import NOAA_CADENCE, US_EAST_COAST, FleetSize, Truth
from aislake.sources.noaa.archive import compress, day_url, file_name
from aislake.sources.noaa.reader import CSV2_TIMESTAMP_FORMAT, LEGACY_TIMESTAMP_FORMAT

# A name with a comma (NOAA quotes it), a documentation number in the IMO field.
COMMA_NAME = "SMITH, JOHN"
DOC_NUMBER_IMO = 1_001_266_646


def _code(mapping: str, text: str) -> str:
    return f"CASE {text} {mapping} END"


def _line_sql(fmt: str, day: dt.date) -> str:
    """SQL of one NOAA CSV line per report of the spool, in the layout ``fmt``."""
    ship_codes = (
        " ".join(f"WHEN {sql_literal(text)} THEN {a}" for a, b, text in SHIP_TYPES if a == b)
        + " WHEN 'Passenger' THEN 60 WHEN 'Cargo' THEN 70 WHEN 'Tanker' THEN 80"
    )
    status_codes = " ".join(f"WHEN {sql_literal(v)} THEN {k}" for k, v in NAV_STATUS.items())
    legacy = fmt == "legacy"
    ts_fmt = LEGACY_TIMESTAMP_FORMAT if legacy else CSV2_TIMESTAMP_FORMAT
    day0 = sql_literal(day.isoformat())
    heading = "coalesce(heading, 511)" if legacy else "heading"
    status = (
        f"CASE WHEN mobile_type = 'Class A' THEN coalesce({_code(status_codes, 'nav_status')}, "
        "15) END"
    )
    fields = {
        "mmsi": "mmsi",
        "ts": f"strftime(TIMESTAMP {day0} + to_seconds(t::BIGINT), {sql_literal(ts_fmt)})",
        "lat": "round(lat, 5)",
        "lon": "round(lon, 5)",
        "sog": "CASE WHEN sog_na THEN 102.3 ELSE sog END",
        "cog": "cog",
        "heading": heading,
        "name": "CASE WHEN comma_name THEN " + sql_literal(COMMA_NAME) + " ELSE name END",
        "imo": f"'IMO' || CASE WHEN doc_imo AND imo IS NOT NULL THEN {DOC_NUMBER_IMO} ELSE imo END",
        "callsign": "callsign",
        "vessel_type": _code(ship_codes, "ship_type"),
        "status": status,
        "length": "CASE WHEN no_size THEN 0 ELSE length END",
        "width": "CASE WHEN no_size THEN 0 ELSE width END",
        "draught": "draught",
        "cargo": _code(ship_codes, "ship_type"),
        "transceiver": "right(mobile_type, 1)",
    }
    order = ["mmsi", "ts", "lat", "lon"] if legacy else ["mmsi", "ts", "lon", "lat"]
    order += [k for k in fields if k not in order]
    texts = [csv_field_sql(f"coalesce(CAST({fields[k]} AS VARCHAR), '')") for k in order]
    end = " || chr(13)" if legacy else ""
    return f"concat_ws(',', {', '.join(texts)}){end} AS line"


def write_noaa_csv(
    path: Path, day: dt.date, fmt: str = "csv2", fleet: FleetSize | None = None, seed: int = 0
) -> tuple[int, Truth]:
    """Simulate ``day`` into a NOAA CSV (layout ``fmt``) at ``path``: its data rows and truth."""
    with work_files(path) as (spool, body, con):
        truth = spool_reports(spool, day, fleet, seed, US_EAST_COAST, NOAA_CADENCE)
        quirky = _quirk_vessels(truth)
        # NOAA joins a vessel's static data onto all its positions of the day.
        static = ", ".join(
            f"max({c}) OVER (PARTITION BY mmsi) AS {c}"
            for c in ("name", "callsign", "imo", "ship_type", "length", "width", "draught")
        )
        con.execute(
            f"""CREATE TEMP VIEW reports AS
                SELECT * REPLACE ({static}), mmsi = {quirky["comma_name"]} AS comma_name,
                       mmsi = {quirky["doc_number_imo"]} AS doc_imo,
                       mmsi = {quirky["no_size"]} AS no_size,
                       hash(seq, 'sog_na') % 20000 = 0 AS sog_na
                FROM read_parquet({sql_literal(str(spool))})
                WHERE mobile_type IN ('Class A', 'Class B') AND lat <> 91"""
        )
        counts = con.execute(
            "SELECT count(*), count(*) FILTER (comma_name), count(*) FILTER (doc_imo AND imo "
            "IS NOT NULL), count(*) FILTER (sog_na), count(*) FILTER (no_size) FROM reports"
        ).fetchone()
        assert counts is not None
        rows = int(counts[0])
        truth.injected.update(
            zip(
                ("comma_name", "doc_number_imo", "sog_not_available", "zero_size"),
                map(int, counts[1:]),
                strict=True,
            )
        )
        truth.quirk_vessels.update(quirky)
        con.execute(
            f"""COPY (SELECT {_line_sql(fmt, day)} FROM reports ORDER BY t, mmsi, seq)
                TO {sql_literal(str(body))} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')"""
        )
        header = NOAA_LEGACY_HEADER if fmt == "legacy" else NOAA_CSV2_HEADER
        prepend_header(path, ",".join(header) + ("\r\n" if fmt == "legacy" else "\n"), body)
    return rows, truth


def _quirk_vessels(truth: Truth) -> dict[str, int]:
    """The vessels carrying each quirk: the first pleasure craft's name holds a comma (its
    truth too), the first tanker's IMO field a documentation number, the second pleasure
    craft reports zero length and width. -1 where the fleet has no such vessel."""
    pleasure = [v for v in truth.vessels.values() if v.kind == "pleasure"]
    tanker = next((v for v in truth.vessels.values() if v.kind == "tanker"), None)
    chosen = {
        "comma_name": pleasure[0].mmsi if pleasure else -1,
        "doc_number_imo": tanker.mmsi if tanker else -1,
        "no_size": pleasure[1].mmsi if len(pleasure) > 1 else -1,
    }
    if pleasure:
        pleasure[0].name = COMMA_NAME
    return chosen


# Measured: the default fleet (``FleetSize()``) makes about 37,000 NOAA rows a day.
DEFAULT_NOAA_ROWS = 37_000


def noaa_fleet_for_rows(rows: int) -> FleetSize:
    """A fleet that makes about ``rows`` NOAA rows a day (vessels only: NOAA has no stations)."""
    default = FleetSize()
    k = max(rows / DEFAULT_NOAA_ROWS, 0.05)

    def s(n: int) -> int:
        return max(1, round(n * k))

    return FleetSize(
        s(default.cargo),
        s(default.tanker),
        s(default.ferry_per_pair),
        s(default.fishing),
        s(default.anchored),
        max(2, s(default.pleasure)),
        0,
        0,
    )


def write_noaa_day(
    day: dt.date,
    folder: Path,
    fmt: str = "csv2",
    fleet: FleetSize | None = None,
    seed: int = 0,
    level: int = 3,
) -> SimulatedFile:
    """Simulate ``day`` and write it under ``folder`` where NOAA would keep it in layout ``fmt``
    (``folder`` is then a mirror: ``file://folder/`` or served over HTTP is a base URL)."""
    target = Path(day_url(fmt, str(folder), day))
    target.parent.mkdir(parents=True, exist_ok=True)
    csv_path = target.with_name(f".{target.name}.csv.tmp")
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        rows, truth = write_noaa_csv(csv_path, day, fmt, fleet, seed)
        if fmt == "csv2":
            compress(csv_path, tmp, level)
        else:
            member = file_name("legacy", day).replace(".zip", ".csv")
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.write(csv_path, member)
        tmp.replace(target)
    finally:
        csv_path.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return SimulatedFile(target, rows, truth)
