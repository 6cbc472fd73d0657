"""A day of raw NMEA through silver: every line accounted for, reports heard by several
receivers collapsed into one row with their count, static data joined onto positions as DMA's
files carry it, the same schema and rules as DMA and NOAA."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import zstandard

from aislake.duck.engine import open_duckdb
from aislake.silver.build import SilverResult, build_silver
from aislake.simulate.nmeafile import NmeaDay, write_nmea_day
from aislake.sources.nmea.source import NmeaArchive
from aislake.sources.registry import bronze_key
from aislake.storage.store import LocalStore
from conftest import SMALL_FLEET
from support.nmea import sentence, tag

DAY = dt.date(2024, 1, 15)


def silver_of(local: LocalStore, text: bytes, untimed: str = "reject") -> SilverResult:
    key = bronze_key("nmea", DAY)
    path = local.root / "upload.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(text))
    local.move_in(path, key)
    con = open_duckdb()
    try:
        archive = NmeaArchive.model_validate({"AISLAKE_NMEA_UNTIMED": untimed})
        return build_silver(con, local, key, DAY, source="nmea", archive=archive)
    finally:
        con.close()


def rows(local: LocalStore, keys: list[str], sql: str) -> list[tuple[Any, ...]]:
    con = open_duckdb()
    try:
        files = json.dumps([local.uri(k) for k in keys])
        return con.execute(sql.replace("{files}", f"read_parquet({files})")).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def sim_day(tmp_path_factory: pytest.TempPathFactory) -> NmeaDay:
    return write_nmea_day(tmp_path_factory.mktemp("nmea"), DAY, SMALL_FLEET, compression="")


def test_a_simulated_day_is_accounted_for_line_by_line(local: LocalStore, sim_day: NmeaDay) -> None:
    result = silver_of(local, sim_day.path.read_bytes())
    decoded = result.decoded
    assert decoded["lines"] == sim_day.lines
    # Lines = silver rows + rejects + the later fragments of joined messages (no blank line).
    assert result.rows + result.rejects + decoded["fragments_joined"] == sim_day.lines
    assert result.rejects_by_reason["bad_checksum"] == sim_day.bad_checksums
    assert result.rejects_by_reason["not_ais"] == sim_day.noise
    assert result.rejects_by_reason["orphan_fragment"] >= sim_day.lost_fragments
    assert decoded["heard_again"] > 0 and decoded["decoded_by_pyais"] == 0


def test_reports_heard_by_several_receivers_are_one_row_with_their_count(
    local: LocalStore, sim_day: NmeaDay
) -> None:
    result = silver_of(local, sim_day.path.read_bytes())
    (total, multi, most, named, dupes) = rows(
        local,
        result.silver_keys,
        """SELECT count(*), count(*) FILTER (receivers > 1), max(receivers),
                  count(*) FILTER (receiver LIKE 'rx-%'),
                  count(*) - count(DISTINCT (mmsi, ts, lat, lon)) FROM {files}""",
    )[0]
    assert multi > total / 3 and most == 3 and named == total and dupes == 0
    # Every position the simulator made is in silver once, but those whose every copy was
    # hit by a checksum error (a few) .
    assert sim_day.position_reports - 60 <= total <= sim_day.position_reports


def test_static_reports_join_positions_as_dmas_files_carry_them(
    local: LocalStore, sim_day: NmeaDay
) -> None:
    result = silver_of(local, sim_day.path.read_bytes())
    truth = {m: v for m, v in sim_day.truth.vessels.items()}
    got = rows(
        local,
        result.silver_keys,
        """SELECT mmsi, any_value(name), any_value(ship_type), any_value(callsign),
                  any_value(length), any_value(width), any_value(mobile_type),
                  count(*) FILTER (name IS NULL), count(*)
           FROM {files} WHERE mobile_type IN ('Class A', 'Class B') GROUP BY mmsi""",
    )
    assert got
    for mmsi, name, ship_type, callsign, length, width, _, unnamed, n in got:
        v = truth[mmsi]
        assert (name, ship_type, callsign) == (v.name.upper(), v.ship_type, v.callsign.upper())
        assert (length, width) == (v.length, v.width)
        assert unnamed < n  # positions before the first static report have no name yet
    # The static reports themselves are no_position rejects (the vessel registry reads them).
    statics = rows(
        local,
        result.rejects_keys,
        "SELECT count(*), count(DISTINCT name) FROM {files} WHERE reason = 'no_position'",
    )[0]
    assert statics[0] > 0 and statics[1] > 0


def test_silver_rows_from_nmea_have_silvers_schema_and_vocabulary(
    local: LocalStore, sim_day: NmeaDay
) -> None:
    result = silver_of(local, sim_day.path.read_bytes())
    kinds = dict(
        rows(local, result.silver_keys, "SELECT mobile_type, count(*) FROM {files} GROUP BY 1")
    )
    assert set(kinds) == {"Class A", "Class B", "Base Station", "AtoN"}
    statuses = {
        r[0] for r in rows(local, result.silver_keys, "SELECT DISTINCT nav_status FROM {files}")
    }
    assert "Under way using engine" in statuses
    (source,) = rows(local, result.silver_keys, "SELECT DISTINCT source FROM {files}")[0]
    assert source == "nmea"


def test_rejects_keep_the_raw_sentences_with_their_reason(local: LocalStore) -> None:
    good = "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    text = "\n".join(
        [
            tag("s:rx1,c:1705312800") + good,
            tag("s:rx2,c:1705312801") + good,  # heard again a second later
            tag("s:rx1,c:1705312800") + good.replace("*6C", "*6D"),
            tag("s:rx1,c:1704067200") + good,  # another day
        ]
    ).encode()
    result = silver_of(local, text + b"\n")
    assert result.rows == 1
    got = sorted(
        rows(local, result.rejects_keys, "SELECT reason, line, raw_line FROM {files}"),
        key=lambda r: r[1],
    )
    assert [(r[0], r[1]) for r in got] == [
        ("duplicate", 2),
        ("bad_checksum", 3),
        ("ts_outside_day", 4),
    ]
    assert got[0][2].endswith(good) and "rx2" in got[0][2]
    ((receiver, receivers),) = rows(
        local, result.silver_keys, "SELECT receiver, receivers FROM {files}"
    )
    assert (receiver, receivers) == ("rx1", 2)


def test_a_day_of_one_receiver_has_no_copies_to_set_aside_and_every_line_counts(
    local: LocalStore,
) -> None:
    good = "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    text = "\n".join(
        [
            tag("s:rx1,c:1705312800") + good,
            # Another report (its radio status differs), then a line that fails its checksum.
            tag("s:rx1,c:1705312810") + sentence("AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0M,0"),
            tag("s:rx1,c:1705312820") + good.replace("*6C", "*6D"),
        ]
    ).encode()
    result = silver_of(local, text + b"\n")
    assert (result.rows, result.rejects_by_reason) == (2, {"bad_checksum": 1})
    assert result.decoded["heard_again"] == 0


def test_a_rebuilt_day_gives_the_same_rows(
    local: LocalStore, sim_day: NmeaDay, tmp_path: Path
) -> None:
    first = silver_of(local, sim_day.path.read_bytes())
    a = rows(local, first.silver_keys, "SELECT * FROM {files} ORDER BY mmsi, ts")
    second = silver_of(local, sim_day.path.read_bytes())
    b = rows(local, second.silver_keys, "SELECT * FROM {files} ORDER BY mmsi, ts")
    assert a == b and first.rejects_by_reason == second.rejects_by_reason


def _sentence(fields: dict[str, Any]) -> str:
    import pyais

    (line,) = pyais.encode_dict(fields, talker_id="AI", sentence_type="VDM")
    return str(line)


def test_each_position_takes_its_vessels_static_fields_known_at_its_time(
    local: LocalStore,
) -> None:
    """Field by field, the last each static report gave up to the position's second (parts A
    and B of a type 24 in the same second both count), never another vessel's."""
    start = int(dt.datetime(2024, 1, 15, 8, tzinfo=dt.UTC).timestamp())
    one, other = 219000001, 219000002

    def at(second: int, fields: dict[str, Any]) -> str:
        return tag(f"s:rx1,c:{start + second}") + _sentence(fields)

    def position(mmsi: int, second: int) -> dict[str, Any]:
        lon = 11.0 + second / 36_000  # a tenth of a knot or so: a believable track
        return {"type": 18, "mmsi": mmsi, "lat": 55.5, "lon": lon, "speed": 0.2, "second": 0}

    text = "\n".join(
        [
            at(0, position(one, 0)),
            at(10, {"type": 24, "mmsi": one, "partno": 0, "shipname": "ALPHA"}),
            at(10, {"type": 24, "mmsi": one, "partno": 1, "ship_type": 70, "callsign": "OXAB"}),
            at(10, position(one, 10)),
            at(20, {"type": 24, "mmsi": one, "partno": 0, "shipname": "BETA"}),
            at(25, position(other, 25)),
            at(30, position(one, 30)),
        ]
    )
    result = silver_of(local, text.encode() + b"\n")
    got = rows(
        local,
        result.silver_keys,
        "SELECT mmsi, epoch(ts)::BIGINT, name, callsign, ship_type FROM {files} ORDER BY ts",
    )
    assert got == [
        (one, start, None, None, None),
        (one, start + 10, "ALPHA", "OXAB", "Cargo"),
        (other, start + 25, None, None, None),
        (one, start + 30, "BETA", "OXAB", "Cargo"),
    ]
    assert result.rejects_by_reason == {"no_position": 3}


def test_an_eta_that_is_no_time_is_null_and_the_day_is_still_built(local: LocalStore) -> None:
    """Vessels send ETAs such as 30 February: DuckDB's ``make_timestamp`` raised on it and the
    whole day failed. Such an ETA is NULL; the report's other fields are kept."""
    import pyais

    start = int(dt.datetime(2024, 1, 15, 8, tzinfo=dt.UTC).timestamp())
    one = 219000001
    static = {"type": 5, "mmsi": one, "shipname": "GAMMA", "ship_type": 70, "callsign": "OXAC"}
    lines = []
    for second, (month, day) in ((0, (2, 30)), (20, (3, 2))):
        fields = {**static, "month": month, "day": day, "hour": 12, "minute": 0}
        parts = pyais.encode_dict(fields, talker_id="AI", sentence_type="VDM", seq_id=second % 9)
        lines += [tag(f"s:rx1,c:{start + second}") + str(p) for p in parts]
        at = start + second + 5
        lines.append(
            tag(f"s:rx1,c:{at}")
            + _sentence({"type": 1, "mmsi": one, "lat": 55.5, "lon": 11.0 + second / 1e4})
        )
    result = silver_of(local, ("\n".join(lines) + "\n").encode())
    got = rows(
        local, result.silver_keys, "SELECT epoch(ts)::BIGINT, name, eta FROM {files} ORDER BY ts"
    )
    assert got == [
        (start + 5, "GAMMA", None),
        (start + 25, "GAMMA", dt.datetime(2024, 3, 2, 12, 0)),
    ]
    assert result.rejects_by_reason == {"no_position": 2}
