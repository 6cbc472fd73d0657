"""Silver: typing, cleaning rules and rejects, on crafted rows and on real DMA samples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aislake.ais.schema import REJECT_REASONS, SILVER_COLUMN_NAMES
from aislake.bronze.manifest import BronzeManifest, CollapseError, write_manifest
from aislake.duck.engine import connect
from aislake.silver.build import build_silver
from aislake.silver.read import RowsLostError
from aislake.sources.dma.archive import NotDmaCsvError
from aislake.sources.nmea.decode import NMEA_REJECT_REASONS
from aislake.storage.store import LocalStore, ObjectStore
from dmarows import HEADER, TAIL, row
from support.silver import DAY, query, reject_rows, run, silver_rows

CASES = [
    ("bad_timestamp", row(ts="2024-01-15T10:00:00")),
    ("bad_timestamp", row(ts="")),
    ("ts_outside_day", row(ts="16/01/2024 00:00:00")),
    ("ts_outside_day", row(ts="14/01/2024 23:59:59")),
    ("invalid_mmsi", row(mmsi="123456789")),  # MID 123 is no country
    ("invalid_mmsi", row(mmsi="999999000")),
    ("invalid_mmsi", row(mmsi="0")),
    ("invalid_mmsi", row(mmsi="21900000A")),
    ("no_position", row(lat="91", lon="181")),
    ("no_position", row(lat="", lon="")),
    ("invalid_position", row(lat="91", lon="0")),
    ("invalid_position", row(lat="55.5", lon="")),
    ("invalid_position", row(lat="north", lon="11.0")),
    ("position_out_of_range", row(lat="-91.5", lon="11.0")),
    ("position_out_of_range", row(lat="55", lon="181.5")),
    ("unparseable_field", row(sog="fast")),
    ("unparseable_field", row(tail=TAIL.replace("Unknown", "IMO123", 1))),
    # An ETA that is text, not a DMA timestamp: a shifted line with no single proven repair.
    ("shifted_fields", row(tail=TAIL.replace(",,,,AIS", ",,,SOON,AIS"))),
    ("value_out_of_range", row(sog="150")),
    ("value_out_of_range", row(cog="400")),
    ("value_out_of_range", row(heading="600")),
    ("value_out_of_range", row(rot="-800")),
]


@pytest.mark.parametrize(
    ("reason", "line"), CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)]
)
def test_each_rule_rejects_with_its_reason(
    local: LocalStore, tmp_path: Path, reason: str, line: str
) -> None:
    result = run(local, tmp_path, [row(), line])
    assert result.rows == 1
    assert result.rejects_by_reason == {reason: 1}
    assert reject_rows(local, result, "reason") == [(reason,)]


def test_every_reason_is_documented_in_the_schema() -> None:
    tested = {r for r, _ in CASES} | {"duplicate", "malformed_csv", "line_too_long"}
    # The NMEA decoder's reasons: tests/unit/sources/nmea proves each.
    assert tested | set(NMEA_REJECT_REASONS) == set(REJECT_REASONS)


def test_not_available_sentinels_become_null(local: LocalStore, tmp_path: Path) -> None:
    result = run(local, tmp_path, [row(sog="102.3", cog="360", heading="511", rot="-128")])
    assert silver_rows(local, result, "sog, cog, heading, rot") == [(None, None, None, None)]


def test_dma_null_spellings_become_null(local: LocalStore, tmp_path: Path) -> None:
    tail = "Unknown, ,Undefined,Undefined,Unknown value,,,Undefined, , , ,AIS,,,,"
    result = run(local, tmp_path, [row(nav="Unknown value", tail=tail)])
    got = silver_rows(
        local,
        result,
        "nav_status, imo, callsign, name, ship_type, cargo_type, "
        "pos_fix_device, draught, destination, eta",
    )
    assert got == [(None,) * 10]


def test_types_and_values_are_parsed(local: LocalStore, tmp_path: Path) -> None:
    tail = (
        "9319466,OXYZ2,MS NORDIC,Cargo,No additional information,20,120,GPS,6.5,AARHUS,"
        "16/01/2024 08:30:00,AIS,100,20,10,10"
    )
    result = run(
        local, tmp_path, [row(rot="-2.6", sog="12.5", cog="255.5", heading="256", tail=tail)]
    )
    (got,) = silver_rows(local, result)
    values = dict(zip(SILVER_COLUMN_NAMES, got, strict=True))
    assert values["ts"] == dt.datetime(2024, 1, 15, 10)
    assert (values["mmsi"], values["lat"], values["lon"]) == (219000001, 55.5, 11.0)
    assert (values["sog"], values["cog"], values["heading"], values["rot"]) == (
        12.5,
        255.5,
        256,
        -2.6,
    )
    assert (values["imo"], values["callsign"], values["name"]) == (9319466, "OXYZ2", "MS NORDIC")
    assert (values["width"], values["length"], values["draught"]) == (20, 120, 6.5)
    assert values["eta"] == dt.datetime(2024, 1, 16, 8, 30)
    assert (values["size_a"], values["size_b"], values["size_c"], values["size_d"]) == (
        100,
        20,
        10,
        10,
    )
    assert values["source"] == "dma" and values["speed_anomaly"] is False


def test_base_stations_and_atons_are_kept_apart_by_mobile_type(
    local: LocalStore, tmp_path: Path
) -> None:
    lines = [
        row(),
        row(mmsi="2190064", mobile="Base Station"),
        row(mmsi="992191000", mobile="AtoN"),
    ]
    result = run(local, tmp_path, lines)
    assert sorted(silver_rows(local, result, "mmsi, mobile_type")) == [
        (2190064, "Base Station"),
        (219000001, "Class A"),
        (992191000, "AtoN"),
    ]


def test_exact_duplicates_keep_one_copy_and_the_rest_are_rejected(
    local: LocalStore, tmp_path: Path
) -> None:
    result = run(
        local, tmp_path, [row(), row(), row(), row(ts="15/01/2024 10:00:10", lon="11.001")]
    )
    assert result.rows == 2
    assert result.rejects_by_reason == {"duplicate": 2}
    assert (
        reject_rows(local, result, "reason, ts, mmsi")
        == [("duplicate", "15/01/2024 10:00:00", "219000001")] * 2
    )


def test_malformed_lines_are_rejected_with_the_raw_line(local: LocalStore, tmp_path: Path) -> None:
    short = "15/01/2024 10:00:05,Class A,219000001,55.5"
    long = row() + ",extra,fields"
    result = run(local, tmp_path, [row(), short, long])
    assert result.rows == 1 and result.rows_in == 3
    assert result.rejects_by_reason == {"malformed_csv": 2}
    got = reject_rows(local, result, "reason, raw_line")
    assert sorted(raw for _, raw in got) == sorted([short, long])


def test_a_position_jump_is_flagged_not_dropped(local: LocalStore, tmp_path: Path) -> None:
    lines = [
        row(ts="15/01/2024 10:00:00", lat="55.5000"),
        row(ts="15/01/2024 10:00:10", lat="55.5005"),
        row(ts="15/01/2024 10:00:20", lat="56.0000"),  # 30 nm in 10 s
        row(ts="15/01/2024 10:00:30", lat="55.5015"),
        row(ts="15/01/2024 10:00:40", lat="55.5020"),
    ]
    result = run(local, tmp_path, lines)
    flags = silver_rows(local, result, "lat, speed_anomaly, implied_speed_kn")
    assert [f[1] for f in flags] == [False, False, True, False, False]
    assert flags[0][2] is None
    assert 10.5 < flags[1][2] < 11.1  # 0.0005 deg of latitude = 0.03 nm in 10 s = 10.8 kn


def test_real_2018_sample_22_columns(samples: Path, local: LocalStore, tmp_path: Path) -> None:
    """138 real rows (CRLF): 10 at lat 91 / lon 181, one of them MMSI 999999000."""
    local.put_file(samples / "dma" / "aisdk-2018-06-01-head.csv", "bronze/dma/s.csv")
    result = build_silver(connect(local), local, "bronze/dma/s.csv", dt.date(2018, 6, 1))
    assert result.layout_columns == 22
    assert result.rows_in == 138
    assert result.rejects_by_reason == {"invalid_mmsi": 1, "no_position": 9}
    assert result.rows == 128
    # First data line of the file, typed: 215810000 at 55.921028, 17.320418, SOG 12.5, COG 255.5.
    key = result.silver_keys[0]
    got = query(
        local,
        key,
        "SELECT ts, lat, lon, nav_status, rot, sog, cog, heading, imo, "
        "ship_type, size_a FROM {t} WHERE mmsi = 215810000",
    )
    assert got == [
        (
            dt.datetime(2018, 6, 1),
            55.921028,
            17.320418,
            "Constrained by her draught",
            0.0,
            12.5,
            255.5,
            256,
            None,
            None,
            None,
        )
    ]
    kinds = dict(query(local, key, "SELECT mobile_type, count(*) FROM {t} GROUP BY ALL"))
    # Counted with awk: rows of each type not at lat 91 / lon 181.
    assert kinds == {"Class A": 111, "Class B": 5, "Base Station": 8, "AtoN": 4}
    # ROT 251.1 is a real value in the file (no sentinel): kept.
    assert query(local, key, "SELECT rot FROM {t} WHERE mmsi = 273457420") == [(251.1,)]
    statics = reject_rows(local, result, "reason, mmsi, name")
    assert ("no_position", "265518830", "SUVI-SIRKKA") in statics
    assert ("invalid_mmsi", "999999000", None) in statics


def test_real_2023_sample_26_columns(samples: Path, local: LocalStore, tmp_path: Path) -> None:
    """9 real rows: 220228000 and 220304000 twice each, two base stations."""
    local.put_file(samples / "dma" / "aisdk-2023-02-15-head.csv", "bronze/dma/s.csv")
    result = build_silver(connect(local), local, "bronze/dma/s.csv", dt.date(2023, 2, 15))
    assert result.layout_columns == 26
    assert (result.rows_in, result.rows, result.rejects_by_reason) == (9, 7, {"duplicate": 2})
    assert sorted(reject_rows(local, result, "mmsi")) == [("220228000",), ("220304000",)]
    bases = query(
        local,
        result.silver_keys[0],
        "SELECT mmsi, pos_fix_device, nav_status FROM {t} "
        "WHERE mobile_type = 'Base Station' ORDER BY mmsi",
    )
    assert bases == [(2190064, "GPS", None), (2194006, "Surveyed", None)]


def test_foreign_csv_is_refused_before_anything_is_written(
    local: LocalStore, tmp_path: Path
) -> None:
    csv = tmp_path / "noaa.csv"
    csv.write_text("MMSI,BaseDateTime,LAT,LON\n1,2,3,4\n")
    local.put_file(csv, "bronze/dma/x.csv")
    with pytest.raises(NotDmaCsvError):
        build_silver(connect(local), local, "bronze/dma/x.csv", DAY)
    assert local.list_keys("silver/") == []


def test_silver_file_has_exactly_the_documented_schema(local: LocalStore, tmp_path: Path) -> None:
    from aislake.ais.schema import SILVER_COLUMNS

    result = run(local, tmp_path, [row()])
    described = query(local, result.silver_keys[0], "DESCRIBE SELECT * FROM {t}")
    assert [(d[0], d[1]) for d in described] == [(c.name, c.sql_type) for c in SILVER_COLUMNS]


def test_rejects_file_has_exactly_the_documented_schema(local: LocalStore, tmp_path: Path) -> None:
    """Rows that parsed (a duplicate, a rule's reject) and a line that did not, in one file of
    REJECT_COLUMNS (``sql/rejects.sql`` unions them by name)."""
    from aislake.ais.schema import REJECT_COLUMNS

    result = run(local, tmp_path, [row(), row(), row(sog="150"), row(sog="fast")])
    described = query(local, result.rejects_keys[0], "DESCRIBE SELECT * FROM {t}")
    assert [(d[0], d[1]) for d in described] == [(c.name, c.sql_type) for c in REJECT_COLUMNS]
    got = reject_rows(local, result, "reason, line IS NULL, raw_line IS NULL, sog, source")
    assert got == [
        ("duplicate", True, True, "10.0", "dma"),
        ("unparseable_field", False, False, None, "dma"),
        ("value_out_of_range", True, True, "150.0", "dma"),
    ]


def test_an_eta_that_is_not_a_date_becomes_null_and_keeps_the_position(
    local: LocalStore, tmp_path: Path
) -> None:
    """AIS's "ETA not available" is month 0, day 0, 24:60: not a date, not a reason to reject."""
    tail = TAIL.replace(",,,,AIS", ",,,00/00/0000 24:60:00,AIS")
    result = run(local, tmp_path, [row(tail=tail)])
    assert result.rows == 1 and result.rejects_by_reason == {}
    assert silver_rows(local, result, "eta") == [(None,)]


def test_real_2021_extract_every_row_accounted_and_the_comma_row_whole(
    samples: Path, local: LocalStore
) -> None:
    """10,000 raw rows of a real DMA day: an unquoted comma in a destination, a coast station
    reporting as Class A, several receivers in one second."""
    local.put_file(samples / "dma" / "aisdk-2021-02-09-10k.csv", "bronze/dma/real.csv")
    result = build_silver(connect(local), local, "bronze/dma/real.csv", dt.date(2021, 2, 9))
    assert result.rows + result.rejects == result.rows_in == result.data_lines == 10_000
    assert result.repaired_by_field == {"destination": 7}
    files = "[" + ", ".join(f"'{local.uri(k)}'" for k in result.silver_keys) + "]"
    con = connect(local)
    comma = con.execute(
        f"SELECT DISTINCT destination, eta, data_source_type, repaired FROM read_parquet({files}) "
        "WHERE mmsi = 371845000"
    ).fetchall()
    assert comma == [("GUARD, CH16", dt.datetime(2022, 1, 6), "AIS", "destination")]
    kinds = dict(
        con.execute(
            f"SELECT mmsi, any_value(station_kind) FROM read_parquet({files}) "
            "WHERE mmsi IN (2190045, 219007027, 992111840) GROUP BY 1"
        ).fetchall()
    )
    assert kinds == {2190045: "coast_station", 219007027: "ship", 992111840: "aton"}
    # Several receivers in one second, metres apart: noise, never a speed anomaly.
    (anomalies,) = con.execute(
        f"SELECT count(*) FILTER (WHERE speed_anomaly) FROM read_parquet({files})"
    ).fetchone()  # type: ignore[misc]
    assert anomalies == 0
    assert result.rejects_by_reason.get("unparseable_field", 0) == 0


def test_a_shifted_row_that_duckdb_parsed_is_repaired(local: LocalStore, tmp_path: Path) -> None:
    """In the 22-column layout every field after the destination is text: the shifted line
    parses, and only the shift test finds it."""
    header22 = ",".join(HEADER.split(",")[:22])
    line = row(tail="Unknown,,,Undefined,,,,GPS,,GUARD, CH16,16/01/2024 06:00:00")
    csv = tmp_path / "d22.csv"
    csv.write_text(header22 + "\n" + line + "\n")
    local.put_file(csv, "bronze/dma/d22.csv")
    result = build_silver(connect(local), local, "bronze/dma/d22.csv", DAY)
    assert result.repaired_by_field == {"destination": 1} and result.rejects == 0
    assert len(result.silver_keys) == 2 and silver_rows(local, result) == []  # all in part-1
    (got,) = query(local, result.silver_keys[-1], "SELECT destination, eta, repaired FROM {t}")
    assert got == ("GUARD, CH16", dt.datetime(2024, 1, 16, 6), "destination")


@pytest.mark.faults
def test_a_count_that_does_not_reconcile_fails_and_publishes_nothing(
    local: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If DuckDB's counts ever miss a line whatever way the day is read (forced here: one
    refused line goes uncounted), the step fails with the numbers and publishes nothing."""
    import aislake.silver.read as read

    counted = read.refused_lines
    monkeypatch.setattr(read, "refused_lines", lambda con: counted(con) - 1)
    csv = tmp_path / "d.csv"
    csv.write_text("\n".join([HEADER, row(), row(mmsi="219000002", lat="x")]) + "\n")
    local.put_file(csv, "bronze/dma/d.csv")
    with pytest.raises(RowsLostError, match=r"2 data lines, .* refused 0 lines \(1 unaccounted\)"):
        build_silver(connect(local), local, "bronze/dma/d.csv", DAY)
    assert local.list_keys("silver/") == [] and local.list_keys("_staging/") == []


@pytest.mark.faults
@pytest.mark.parametrize(
    ("broken", "reasons"),
    [
        # An unbalanced quote: DuckDB swallowed every line after it (273 rows of 68,212 read).
        (row(tail=TAIL.replace(",,,,AIS", ',"GUARD CH16,,AIS')), {"malformed_csv": 1}),
        # A quoted newline: one record over two lines, each a reject with its raw text.
        (row(tail=TAIL.replace(",,,,AIS", ',"GUARD\nCH16",,AIS')), {"malformed_csv": 2}),
        # A lone CR (a blank CRLF line in an LF file): DuckDB's reader stopped; a blank line.
        ("\r", {}),
        # A CR inside a line.
        (row(mmsi="219000077").replace("Class A", "Class\rA"), {"malformed_csv": 1}),
        # A line longer than any AIS record.
        (row(tail=TAIL.replace("Undefined", "X" * 100_000)), {"line_too_long": 1}),
    ],
    ids=["unbalanced-quote", "quoted-newline", "lone-cr", "cr-inside", "too-long"],
)
def test_one_broken_record_is_a_reject_and_the_day_reads_on(
    local: LocalStore, tmp_path: Path, broken: str, reasons: dict[str, int]
) -> None:
    good = [row(mmsi=str(219000001 + i)) for i in range(3000)]
    result = run(local, tmp_path, [*good[:10], broken, *good[10:]])
    assert result.rows == 3000 and result.rejects_by_reason == reasons
    assert result.taken_aside == reasons  # the sanitizer took them (DuckDB refused none)
    assert result.rows + result.rejects + result.blank_lines == result.rows_in + result.blank_lines
    lines = {line for (line,) in reject_rows(local, result, "line")}
    assert lines <= {12, 13}  # the broken record's own lines (header = 1), nothing else
    if reasons.get("line_too_long"):
        (raw,) = reject_rows(local, result, "length(raw_line)")
        assert raw == (1024,)


@pytest.mark.faults
def test_blank_lines_are_told_from_lost_ones(local: LocalStore, tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("\n".join([HEADER, row(), "", row(mmsi="219000002"), "", ""]) + "\n")
    local.put_file(csv, "bronze/dma/d.csv")
    result = build_silver(connect(local), local, "bronze/dma/d.csv", DAY)
    assert (result.rows, result.rows_in, result.blank_lines) == (2, 2, 3)


def test_same_second_receiver_noise_is_not_a_jump(local: LocalStore, tmp_path: Path) -> None:
    """Two receivers, one second, 40 m apart, then a stale repeat: no anomaly, nowhere near
    the 100 kn a 1-second floor would imply."""
    rows = [
        row(ts="15/01/2024 10:00:00", lat="55.50000", lon="11.0000"),
        row(ts="15/01/2024 10:00:00", lat="55.50036", lon="11.0000"),  # +40 m, same second
        row(ts="15/01/2024 10:00:10", lat="55.50050", lon="11.0000"),
        row(ts="15/01/2024 10:00:12", lat="55.50000", lon="11.0000"),  # stale repeat
        row(ts="15/01/2024 10:00:20", lat="55.50100", lon="11.0000"),
    ]
    result = run(local, tmp_path, rows)
    speeds = silver_rows(local, result, "implied_speed_kn, speed_anomaly")
    assert not any(flag for _, flag in speeds)
    assert max(s for s, _ in speeds if s is not None) < 25  # 111 m over the 10 s floor


def test_silver_takes_the_line_count_from_bronzes_manifest(
    local: LocalStore, tmp_path: Path
) -> None:
    """The manifest's count is used; one of another file's size is ignored and the bytes are
    counted instead; a count the rows do not meet is checked against the blank-aware count."""
    csv = tmp_path / "d.csv"
    csv.write_text("\n".join([HEADER, row(), row(mmsi="219000002")]) + "\n")
    local.put_file(csv, "bronze/dma/d.csv")
    size = local.size("bronze/dma/d.csv")
    write_manifest(local, "bronze/dma/d.csv", BronzeManifest(size, "x", 2, "file:///d.zip"))
    result = build_silver(connect(local), local, "bronze/dma/d.csv", DAY)
    assert (result.lines_counted_from, result.rows_in) == ("manifest", 2)
    write_manifest(local, "bronze/dma/d.csv", BronzeManifest(size + 1, "x", 2, "file:///d.zip"))
    result = build_silver(connect(local), local, "bronze/dma/d.csv", DAY)
    assert result.lines_counted_from == "bronze bytes"
    write_manifest(local, "bronze/dma/d.csv", BronzeManifest(size, "x", 7, "file:///d.zip"))
    result = build_silver(connect(local), local, "bronze/dma/d.csv", DAY)
    assert (result.rows_in, result.blank_lines) == (2, 5)  # the manifest overstated: recounted


@pytest.mark.faults
def test_a_collapsed_day_does_not_replace_stored_silver(local: LocalStore, tmp_path: Path) -> None:
    first = run(local, tmp_path, [row(mmsi=str(219000001 + i)) for i in range(10)])
    before = silver_rows(local, first)
    with pytest.raises(CollapseError, match=r"1 rows against 10 stored"):
        run(local, tmp_path, [row()])
    assert silver_rows(local, first) == before and local.list_keys("_staging/") == []


# The fault probe's rows that failed a whole day (issue 26): each is one reject now.
COMMA_ROW = row(
    mmsi="219009999", tail="Unknown,,,Undefined,,,,GPS,,GUARD, CH16,16/01/2024 06:00:00,AIS,,,,"
)


@pytest.mark.faults
@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda lines: "\r\n".join(lines) + "\r\n", id="crlf-throughout"),
        pytest.param(
            lambda lines: "\ufeff" + "\n".join([*lines[:3], "", "", *lines[3:]]) + "\n",
            id="bom-and-blank-lines",
        ),
    ],
)
def test_line_endings_do_not_stop_the_comma_repair(
    local: LocalStore, tmp_path: Path, layout
) -> None:
    """DMA's 2018 files are CRLF: DuckDB hands a refused line over with the line ending of the
    line before it, which Python's CSV reader refused (the whole day failed)."""
    lines = [HEADER, *(row(mmsi=str(219000001 + i)) for i in range(5)), COMMA_ROW]
    csv = tmp_path / "d.csv"
    csv.write_bytes(layout(lines).encode())
    local.put_file(csv, "bronze/dma/d.csv")
    result = build_silver(connect(local), local, "bronze/dma/d.csv", DAY)
    assert result.repaired_by_field == {"destination": 1}
    assert (result.rows, result.rejects) == (6, 0)


@pytest.mark.faults
@pytest.mark.parametrize(
    ("lat", "lon"), [("inf", "inf"), ("inf", "11.0"), ("-inf", "-inf"), ("95", "inf")]
)
def test_infinite_coordinates_are_a_reject(
    local: LocalStore, tmp_path: Path, lat: str, lon: str
) -> None:
    result = run(local, tmp_path, [row(), row(mmsi="219000002", lat=lat, lon=lon)])
    assert (result.rows, result.rejects_by_reason) == (1, {"position_out_of_range": 1})


@pytest.mark.faults
def test_the_sanitizer_reads_bronze_from_either_backend(store: ObjectStore, tmp_path: Path) -> None:
    """On S3 the day is streamed from the store for the sanitizer as it is for the counts."""
    good = [row(mmsi=str(219000001 + i)) for i in range(300)]
    broken = row(tail=TAIL.replace(",,,,AIS", ',"GUARD CH16,,AIS'))
    store.list_keys("bronze/")  # an S3 store makes its bucket on first use
    result = run(store, tmp_path, [*good[:5], broken, *good[5:]])
    assert (result.rows, result.taken_aside) == (300, {"malformed_csv": 1})
    assert reject_rows(store, result, "reason, line") == [("malformed_csv", 7)]
