"""NOAA days into silver: real samples parsed exactly, both layouts to the same rows, bad lines
kept as rejects. The same ``build_silver`` as DMA's, with NOAA's reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from aislake.duck.engine import connect
from aislake.duck.sql import sql_literal
from aislake.silver.build import SilverResult, build_silver
from aislake.simulate.noaafile import COMMA_NAME, write_noaa_csv
from aislake.sources.noaa.archive import NotNoaaCsvError, compress
from aislake.sources.registry import bronze_key
from aislake.storage.store import LocalStore, ObjectStore
from conftest import SIM_DAY


def silver_of(
    store: ObjectStore, csv: Path, day: dt.date
) -> tuple[duckdb.DuckDBPyConnection, SilverResult, str]:
    key = bronze_key("noaa", day)  # bronze keeps NOAA's days as zstd CSV
    packed = csv.with_name(csv.name + ".zst")
    compress(csv, packed)
    store.put_file(packed, key)
    con = connect(store)
    result = build_silver(con, store, key, day, source="noaa")
    files = "[" + ", ".join(sql_literal(store.uri(k)) for k in result.silver_keys) + "]"
    return con, result, f"read_parquet({files}, hive_partitioning = false)"


def row(con: duckdb.DuckDBPyConnection, table: str, mmsi: int, columns: str) -> tuple:
    found = con.execute(f"SELECT {columns} FROM {table} WHERE mmsi = {mmsi} ORDER BY ts").fetchall()
    assert found, f"{mmsi} not in silver"
    return found[0]


def test_the_2023_sample_is_parsed_exactly(samples: Path, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    con, result, silver = silver_of(
        store, samples / "noaa" / "AIS_2023_01_11-sample.csv", dt.date(2023, 1, 11)
    )
    # Every line is in silver or the rejects; this sample has nothing to reject.
    assert result.rows + result.rejects == result.rows_in == 1000
    assert result.rows == 1000
    cols = (
        "ts, lat, lon, sog, cog, heading, name, imo, callsign, ship_type, nav_status, length, "
        "width, draught, cargo_type, mobile_type, station_kind, rot, destination, source"
    )
    # 636021061,2023-01-11T00:00:00,26.09241,-80.04806,8.8,272.7,270.0,MSC NAISHA III,
    # IMO9307839,5LCB4,70,8.0,208.0,30.0,8.0,70.0,A
    assert row(con, silver, 636021061, cols) == (
        dt.datetime(2023, 1, 11),
        26.09241,
        -80.04806,
        8.8,
        272.7,
        270,
        "MSC NAISHA III",
        9307839,
        "5LCB4",
        "Cargo",
        "Under way sailing",
        208.0,
        30.0,
        8.0,
        "No additional information",
        "Class A",
        "ship",
        None,
        None,
        "noaa",
    )
    # 367752440,...,0.0,360.0,95.0,SAN JOSE,,WDI9818,31,0.0,,,,52.0,A: COG 360 = not available.
    found = row(con, silver, 367752440, "cog, heading, ship_type, nav_status, length, cargo_type")
    assert found == (None, 95, "Towing", "Under way using engine", None, None)
    counts = con.execute(
        f"""SELECT count(*) FILTER (heading IS NULL), count(*) FILTER (sog IS NULL),
                   count(*) FILTER (mobile_type = 'Class B'), count(DISTINCT source)
            FROM {silver}"""
    ).fetchone()
    # PROVENANCE.md: 426 headings of 511, 4 SOG of 102.3, 46 Class B rows.
    assert counts == (426, 4, 46, 1)
    # US documentation numbers in the IMO field are not IMO numbers: NULL, the row kept.
    assert row(con, silver, 368059440, "imo, name IS NOT NULL") == (None, True)


def test_the_2024_head_is_parsed_exactly(samples: Path, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    con, result, silver = silver_of(
        store, samples / "noaa" / "AIS_2024_01_01-head.csv", dt.date(2024, 1, 1)
    )
    assert result.rows == result.rows_in == 99 and result.rejects == 0
    # 338075892,...,0.0,358.8,511.0,PILOT BOAT SPRING PT,,WDB8945,90,0,0,0,0.0,90,A (CRLF)
    assert row(
        con,
        silver,
        338075892,
        "heading, name, ship_type, nav_status, length, width, draught, callsign",
    ) == (
        None,
        "PILOT BOAT SPRING PT",
        "Other",
        "Under way using engine",
        None,
        None,
        None,
        "WDB8945",
    )
    # 367669550,...,IMO7938024,WDH9586,30,15,30,8,0.0,30,A: status 15 = not defined.
    assert row(con, silver, 367669550, "imo, ship_type, nav_status, length, width") == (
        7938024,
        "Fishing",
        None,
        30.0,
        8.0,
    )
    counts = con.execute(
        f"SELECT count(*) FILTER (heading IS NULL), count(*) FILTER (mobile_type = 'Class B') "
        f"FROM {silver}"
    ).fetchone()
    assert counts == (40, 4)  # PROVENANCE.md: 40 headings of 511, 4 Class B


def test_csv2_rows_from_noaas_fixture_are_parsed_exactly(tmp_path: Path) -> None:
    """The two csv2 rows quoted in PROVENANCE.md, and a quoted name holding a comma."""
    csv = tmp_path / "ais-2026-03-31.csv"
    csv.write_text(
        "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,"
        "vessel_type,status,length,width,draft,cargo,transceiver\n"
        "366996430,2026-03-31 00:00:00,-82.55641,38.40362,0.1,295.2,100,CAPT JEFF IRBY,,WDK7088,"
        "31,12,20,8,3.3,,A\n"
        "368435310,2026-03-31 00:00:00,-80.11748,40.51168,5.0,180.0,180,DANI Z,,WDQ5513,52,0,15,"
        "6,,52,A\n"
        '367000001,2026-03-31 00:00:05,-80.1,40.5,0.0,,,"SMITH, JOHN",IMO0000000,,37,,,,,,B\n'
    )
    store = LocalStore(tmp_path / "lake")
    con, result, silver = silver_of(store, csv, dt.date(2026, 3, 31))
    assert result.rows == 3 and result.rejects == 0
    cols = "lat, lon, sog, cog, heading, name, callsign, ship_type, nav_status, length, draught"
    assert row(con, silver, 366996430, cols) == (
        38.40362,
        -82.55641,
        0.1,
        295.2,
        100,
        "CAPT JEFF IRBY",
        "WDK7088",
        "Towing",
        "Reserved for future use [12]",
        20.0,
        3.3,
    )
    assert row(con, silver, 368435310, cols) == (
        40.51168,
        -80.11748,
        5.0,
        180.0,
        180,
        "DANI Z",
        "WDQ5513",
        "Tug",
        "Under way using engine",
        15.0,
        None,
    )
    assert row(con, silver, 367000001, "name, imo, ship_type, mobile_type, nav_status") == (
        "SMITH, JOHN",
        None,
        "Pleasure",
        "Class B",
        None,
    )


def test_both_layouts_of_a_day_give_the_same_silver(tmp_path: Path) -> None:
    results = {}
    for fmt in ("csv2", "legacy"):
        csv = tmp_path / f"{fmt}.csv"
        rows, truth = write_noaa_csv(csv, SIM_DAY, fmt)
        store = LocalStore(tmp_path / fmt)
        con, result, silver = silver_of(store, csv, SIM_DAY)
        assert result.rows + result.rejects == rows
        results[fmt] = (con, silver, result, truth)
    con, csv2, _, truth = results["csv2"]
    legacy = results["legacy"][1]
    assert results["csv2"][2].rows == results["legacy"][2].rows > 30_000
    for a, b in ((csv2, legacy), (legacy, csv2)):
        assert con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchone() == (
            0,
        )
    # The simulator's quirks come out as NOAA means them.
    quirks = truth.quirk_vessels
    assert row(con, csv2, quirks["comma_name"], "name") == (COMMA_NAME,)
    assert row(con, csv2, quirks["doc_number_imo"], "imo, name IS NOT NULL") == (None, True)
    assert row(con, csv2, quirks["no_size"], "length, width") == (None, None)
    not_available = con.execute(f"SELECT count(*) FROM {csv2} WHERE sog IS NULL").fetchone()
    assert not_available == (truth.injected["sog_not_available"],)
    # One report a minute at most per vessel, as NOAA publishes.
    busiest = con.execute(
        f"SELECT max(n) FROM (SELECT count(*) AS n FROM {csv2} "
        "GROUP BY mmsi, date_trunc('minute', ts))"
    ).fetchone()
    assert busiest == (1,)


def test_bad_noaa_lines_become_rejects_with_their_text(tmp_path: Path) -> None:
    header = (
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
        "Length,Width,Draft,Cargo,TransceiverClass"
    )
    good = (
        "367669550,2024-01-15T00:00:04,46.2,-123.3,0.0,281.9,141.0,A B,IMO7938024,W,30,15,30,8,"
        "0,30,A"
    )
    lines = [
        good,
        good.replace("A B", "A, B"),  # an unquoted comma: 18 fields
        good.replace("2024-01-15T00:00:04", "15/01/2024 00:00:04"),  # not NOAA's time form
        good.replace("46.2,", "95.5,"),  # latitude beyond 90
        good.replace("367669550", "12"),  # not an MMSI form
        good.replace("2024-01-15T00:00:04", "2024-01-16T00:00:04"),  # another day
    ]
    csv = tmp_path / "day.csv"
    csv.write_text(header + "\n" + "\n".join(lines) + "\n")
    store = LocalStore(tmp_path / "lake")
    con, result, _ = silver_of(store, csv, SIM_DAY)
    assert result.rows == 1 and result.rows + result.rejects == 6
    assert result.rejects_by_reason == {
        "malformed_csv": 1,
        "bad_timestamp": 1,
        "position_out_of_range": 1,
        "invalid_mmsi": 1,
        "ts_outside_day": 1,
    }
    rejects = "[" + ", ".join(sql_literal(store.uri(k)) for k in result.rejects_keys) + "]"
    kept = con.execute(
        f"SELECT raw_line FROM read_parquet({rejects}) WHERE reason = 'malformed_csv'"
    ).fetchone()
    assert kept == (lines[1],)
    outside = con.execute(
        f"SELECT ts, mmsi FROM read_parquet({rejects}) WHERE reason = 'ts_outside_day'"
    ).fetchone()
    assert outside == ("2024-01-16 00:00:04", "367669550")  # in NOAA's own time form


def test_a_dma_file_is_not_read_as_noaa(samples: Path, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    compress(samples / "dma" / "aisdk-2023-02-15-head.csv", tmp_path / "dma.csv.zst")
    store.put_file(tmp_path / "dma.csv.zst", bronze_key("noaa", SIM_DAY))
    with pytest.raises(NotNoaaCsvError, match="not a NOAA AIS CSV"):
        build_silver(connect(store), store, bronze_key("noaa", SIM_DAY), SIM_DAY, source="noaa")
    assert store.list_keys("silver/") == []


@pytest.mark.faults
def test_an_unbalanced_quote_in_a_noaa_day_is_one_reject(samples: Path, tmp_path: Path) -> None:
    """The sanitizer reads NOAA's zstd bronze too: one broken quote no longer swallows the
    lines after it (issue 26)."""
    lines = (samples / "noaa" / "AIS_2023_01_11-sample.csv").read_text().splitlines()
    fields = lines[10].split(",")
    fields[7] = '"' + fields[7]  # the vessel name opens a quote it never closes
    broken = tmp_path / "AIS_2023_01_11.csv"
    broken.write_text("\n".join([*lines[:10], ",".join(fields), *lines[11:]]) + "\n")
    _, result, _ = silver_of(LocalStore(tmp_path / "lake"), broken, dt.date(2023, 1, 11))
    assert (result.rows, result.rejects_by_reason) == (999, {"malformed_csv": 1})
    assert result.taken_aside == {"malformed_csv": 1}
