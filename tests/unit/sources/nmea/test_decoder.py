"""The NMEA decoder against pyais (the reference implementation) on every real sample and on
a simulated day, and every reason a line or message is not a row."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyais
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aislake.simulate.nmeafile import NmeaQuirks, write_nmea_day
from aislake.sources.nmea.decode import (
    NMEA_REJECT_REASONS,
    REJECT_SCHEMA,
    WRITES_QUEUED,
    LinesUnaccountedError,
    _Writer,
    blocks,
    decode_day,
    gather,
    heard_path,
)
from aislake.sources.nmea.messages import _PYAIS_NAMES, NUMERIC, TEXT, decode_payloads
from aislake.sources.nmea.sentences import FAR, _commas_within, frame
from conftest import SAMPLES, SMALL_FLEET
from support.nmea import sentence, tag

NMEA = SAMPLES / "nmea"
DAY = dt.date(2024, 1, 15)


def decode(
    tmp_path: Path, text: str | bytes, untimed: str = "reject"
) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    data = text.encode() if isinstance(text, str) else text
    m, r = tmp_path / "m.parquet", tmp_path / "r.parquet"
    found = decode_day([data], DAY, m, r, untimed)
    messages = _records(f"SELECT * FROM '{m}' ORDER BY line")
    rejects = _records(f"SELECT * FROM '{r}' ORDER BY line")
    return found, messages, rejects


def _records(sql: str) -> list[dict[str, Any]]:
    rel = duckdb.sql(sql)
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def reference(raw_line: str) -> dict[str, Any]:
    """pyais's decoding of a message's sentences (tag blocks and logger fields stripped)."""
    sentences = []
    for line in raw_line.strip().split("\n"):
        line = line.rstrip("\r").split("\\")[-1]
        star = line.index("*")
        sentences.append(line[: star + 3].encode())
    return pyais.decode(*sentences).asdict()


def same_as_pyais(message: dict[str, Any]) -> list[str]:
    """The fields where the decoder and pyais differ (empty: none)."""
    ref = reference(message["raw_line"])
    ref_type = ref["msg_type"]
    diffs = []
    for name in (*NUMERIC, *TEXT):
        ours = message[name]
        if ours is None or (isinstance(ours, float) and np.isnan(ours)):
            continue  # not decoded for this type (pyais's value is compared where we have one)
        theirs = ref.get(_PYAIS_NAMES.get(name, name))
        if name.startswith("eta_") and ref_type != 5:
            continue
        if name == "name" and ref_type == 21:
            theirs = pyais.decode(
                *[s.split("\\")[-1].encode() for s in message["raw_line"].strip().split("\n")]
            ).full_name
        if ours != theirs:
            diffs.append(f"{name}: {ours!r} != pyais {theirs!r}")
    return diffs


@pytest.mark.parametrize(
    "sample",
    ["aivdm-sample.txt", "aishub-mixed.txt", "orbcomm-tagblock.nmea", "uscg-typeexamples.nmea"],
)
def test_every_real_sample_decodes_to_what_pyais_decodes(tmp_path: Path, sample: str) -> None:
    found, messages, rejects = decode(tmp_path, (NMEA / sample).read_bytes(), untimed="day")
    assert messages, sample
    for message in messages:
        assert same_as_pyais(message) == [], message["raw_line"]
    # And pyais refuses, or has no position or vessel data in, every message we reject as such.
    for reject in rejects:
        if reject["reason"] == "unsupported_type":
            assert reference(reject["raw_line"])["msg_type"] not in (
                1,
                2,
                3,
                4,
                5,
                9,
                18,
                19,
                21,
                24,
                27,
            )
    assert found.fallback == 0  # every real message took the vectorised path


def test_a_simulated_day_decodes_to_what_pyais_decodes_multipart_included(tmp_path: Path) -> None:
    day = write_nmea_day(tmp_path, DAY, SMALL_FLEET, compression="")
    found, messages, _ = decode(tmp_path, day.path.read_bytes())
    assert {m["msg_type"] for m in messages} == {1, 4, 5, 18, 21, 24}
    five = [m for m in messages if m["msg_type"] == 5]
    assert five and all(m["lines"] == 2 for m in five)
    sample = messages[:: max(len(messages) // 3000, 1)] + five
    bad = [(m["raw_line"], d) for m in sample if (d := same_as_pyais(m))]
    assert bad == []
    assert found.fragments_joined == len(five)


def test_fields_decode_as_the_itu_layout_says(tmp_path: Path) -> None:
    # A type 1 of MMSI 237836700 (pyais's README example), heading 95, speed 27.8 knots.
    _, messages, _ = decode(
        tmp_path, tag("s:rx1,c:1705312800") + "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C\n"
    )
    (m,) = messages
    assert (m["mmsi"], m["heading"], m["sog"], m["lat"], m["lon"]) == (
        237836700,
        95,
        27.8,
        37.312973,
        23.311338,
    )
    assert m["receiver"] == "rx1"
    assert m["ts"] == dt.datetime(2024, 1, 15, 10, 0)


def test_multipart_messages_are_joined_across_interleaved_channels_and_receivers(
    tmp_path: Path,
) -> None:
    one = "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C"
    two = "!AIVDM,2,2,1,A,88888888880,2*25"
    one_b = one.replace(",A,", ",B,").replace("*1C", "*1F")
    two_b = two.replace(",A,", ",B,").replace("*25", "*26")
    position = tag("s:rx9,c:1705312801") + "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    lines = [
        tag("s:rx1,c:1705312800") + one,
        tag("s:rx2,c:1705312800") + one_b,  # the same message on the other channel
        position,
        tag("s:rx2,c:1705312801") + two_b,  # out of order across receivers
        tag("s:rx1,c:1705312801") + two,
    ]
    found, messages, rejects = decode(tmp_path, "\n".join(lines) + "\n")
    fives = [m for m in messages if m["msg_type"] == 5]
    assert [(m["receiver"], m["lines"], m["name"]) for m in fives] == [
        ("rx1", 2, "EVER DIADEM"),
        ("rx2", 2, "EVER DIADEM"),
    ]
    assert rejects == [] and found.fragments_joined == 2
    assert all(same_as_pyais(m) == [] for m in messages)


def test_fragments_that_arrive_out_of_order_are_joined(tmp_path: Path) -> None:
    one = "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C"
    two = "!AIVDM,2,2,1,A,88888888880,2*25"
    stamp = tag("c:1705312800")
    _, messages, rejects = decode(tmp_path, f"{stamp}{two}\n{stamp}{one}\n")
    assert [m["name"] for m in messages] == ["EVER DIADEM"] and rejects == []


def test_a_multipart_messages_raw_text_is_its_lines_in_line_order_and_so_is_its_reject(
    tmp_path: Path,
) -> None:
    """Three messages interleaved: one in three sentences (parts arriving 3, 1, 2), one in two
    and one in two without a time (rejected ``no_time`` with both its lines)."""
    payload = "55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp888888888880"
    three = {
        n: tag("s:rx1,c:1705312800") + sentence(f"AIVDM,3,{n},4,A,{part},{fill}")
        for n, part, fill in ((1, payload[:30], 0), (2, payload[30:60], 0), (3, payload[60:], 2))
    }
    two = {
        n: tag("s:rx2,c:1705312801") + sentence(f"AIVDM,2,{n},5,B,{part},{fill}")
        for n, part, fill in ((1, payload[:60], 0), (2, payload[60:], 2))
    }
    untimed = {
        n: sentence(f"AIVDM,2,{n},6,A,{part},{fill}")
        for n, part, fill in ((1, payload[:60], 0), (2, payload[60:], 2))
    }
    lines = [three[3], two[1], untimed[1], three[1], untimed[2], two[2], three[2]]
    found, messages, rejects = decode(tmp_path, "\r\n".join(lines) + "\r\n")
    assert [(m["line"], m["lines"], m["receiver"], m["name"]) for m in messages] == [
        (1, 3, "rx1", "EVER DIADEM"),
        (2, 2, "rx2", "EVER DIADEM"),
    ]
    assert [m["raw_line"].replace("\r", "") for m in messages] == [
        "\n".join([three[3], three[1], three[2]]),
        "\n".join([two[1], two[2]]),
    ]
    assert [(r["line"], r["lines"], r["reason"]) for r in rejects] == [(3, 2, "no_time")]
    assert rejects[0]["raw_line"].replace("\r", "") == "\n".join([untimed[1], untimed[2]])
    assert found.lines == 7 and found.fragments_joined == 3


def test_a_receivers_long_name_is_kept_whole_on_every_message(tmp_path: Path) -> None:
    """A 41-character source name (a feed's host and station): the same receiver on a
    single-sentence message and on a two-sentence one (the first were cut to 32 characters)."""
    name = "ais-shore-station-0042.harbour.example.dk"
    one = "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C"
    two = "!AIVDM,2,2,1,A,88888888880,2*25"
    position = "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    t = tag(f"s:{name},c:1705312800")
    _, messages, rejects = decode(tmp_path, f"{t}{position}\n{t}{one}\n{t}{two}\n")
    assert [(m["msg_type"], m["receiver"]) for m in messages] == [(1, name), (5, name)]
    assert rejects == []


def test_tag_block_groups_join_fragments_the_second_of_which_has_no_source(tmp_path: Path) -> None:
    # pyais's own sample: the group's second sentence repeats neither s: nor c:.
    lines = (NMEA / "aishub-mixed.txt").read_text().splitlines()
    group = [line for line in lines if "27300" in line]
    _, messages, _ = decode(tmp_path, "\n".join(group) + "\n")
    (m,) = messages
    assert (m["msg_type"], m["lines"], m["receiver"]) == (5, 2, "b003669710")
    assert m["ts"] == dt.datetime(2015, 4, 9, 23, 22, 18)  # c:1428621738


def test_the_us_coast_guards_logger_fields_give_receiver_and_time(tmp_path: Path) -> None:
    _, messages, _ = decode(tmp_path, (NMEA / "uscg-typeexamples.nmea").read_bytes())
    first = messages[0]
    assert (first["receiver"], first["ts"]) == ("003669946", dt.datetime(2012, 1, 1, 5, 1))


def test_every_reject_reason_with_its_line(tmp_path: Path) -> None:
    good = "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    t = tag("s:rx1,c:1705312800")
    lines = {
        "not_ais": "$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D",
        "malformed_sentence": t + "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L*6C",
        "bad_checksum": t + good.replace("*6C", "*6D"),
        "orphan_fragment": t
        + "!AIVDM,2,1,7,B,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*19",
        "undecodable_payload": t + sentence("AIVDM,1,1,,A,13Rl~W?04F1beOVEFLB9bRvH0L0L,0"),
        "unsupported_type": t + "!AIVDM,1,1,,A,603Owlh0>5Q@04000000,0*01",
        "no_time": good,
    }
    found, messages, rejects = decode(tmp_path, "\n".join([t + good, *lines.values()]) + "\n")
    assert len(messages) == 1
    assert {r["reason"]: r["raw_line"].rstrip("\r\n") for r in rejects} == lines
    assert set(lines) == set(NMEA_REJECT_REASONS)
    assert found.lines == found.messages + found.rejects == 8


def test_a_bad_tag_block_checksum_is_a_bad_checksum(tmp_path: Path) -> None:
    good = "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    _, messages, rejects = decode(tmp_path, "\\s:rx1,c:1705312800*00\\" + good + "\n")
    assert messages == [] and [r["reason"] for r in rejects] == ["bad_checksum"]


def test_untimed_lines_are_rejected_unless_the_source_stamps_them_from_the_day(
    tmp_path: Path,
) -> None:
    good = "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    text = f"{good}\n{tag('c:1705312800')}{good}\n{good}\n"
    _, messages, rejects = decode(tmp_path, text)
    assert len(messages) == 1 and [r["reason"] for r in rejects] == ["no_time"] * 2
    stamped, messages, _ = decode(tmp_path, text, untimed="day")
    # Before any time: the day's start; after one: the last time before it.
    assert [m["ts"] for m in messages] == [
        dt.datetime(2024, 1, 15),
        dt.datetime(2024, 1, 15, 10),
        dt.datetime(2024, 1, 15, 10),
    ]
    assert stamped.stamped_from_day == 2


def test_blank_lines_and_line_endings_are_counted_and_every_line_accounted_for(
    tmp_path: Path,
) -> None:
    good = tag("c:1705312800") + "!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
    found, messages, _ = decode(tmp_path, f"{good}\r\n\r\n\n{good}")  # no newline at the end
    assert (found.lines, found.blank_lines, len(messages)) == (4, 2, 2)
    assert all(not m["raw_line"].rstrip("\r\n").endswith("\r") for m in messages)


def test_a_block_boundary_inside_a_multipart_message_loses_nothing(tmp_path: Path) -> None:
    day = write_nmea_day(
        tmp_path, DAY, SMALL_FLEET, compression="", quirks=NmeaQuirks(max_copies=1)
    )
    # The day's first 256 KiB (whole lines): 64 blocks of 4 KiB.
    text = day.path.read_bytes()
    text = text[: text.rfind(b"\n", 0, 256 * 1024) + 1]
    second = re.compile(rb"!AIVD[MO],2,2,")  # a block that starts inside a 2-sentence message
    assert any(second.search(b.split(b"\n", 1)[0]) for b in blocks([text], 4096))
    whole = decode_day([text], DAY, tmp_path / "a.parquet", tmp_path / "b.parquet")
    small = decode_day(
        [text], DAY, tmp_path / "c.parquet", tmp_path / "d.parquet", block_bytes=4096
    )
    assert (small.messages, small.rejects_by_reason) == (whole.messages, whole.rejects_by_reason)


def test_the_count_is_proven(tmp_path: Path) -> None:
    from aislake.sources.nmea.decode import DayDecode

    with pytest.raises(LinesUnaccountedError, match="lines read"):
        DayDecode(lines=3, messages=1, message_lines=1).check()


def test_framing_reads_fields_of_a_sentence() -> None:
    line = b"\\g:1-2-1604,s:rORBCOMM008,c:1418169601*37\\!AIVDM,2,1,6,A,53@o0E0,0*63\n"
    f = frame(np.frombuffer(line, dtype=np.uint8))
    assert f.reasons() == ["bad_checksum"]  # the payload was cut: the checksum no longer holds
    line = (NMEA / "orbcomm-tagblock.nmea").read_bytes().splitlines()[0] + b"\n"
    f = frame(np.frombuffer(line, dtype=np.uint8))
    assert f.reasons() == [None]
    assert (int(f.count[0]), int(f.number[0]), int(f.seq[0]), chr(f.channel[0])) == (2, 1, 6, "A")
    assert (int(f.tags.group_n[0]), int(f.tags.group_of[0]), int(f.tags.group_id[0])) == (
        1,
        2,
        1604,
    )
    assert int(f.tags.time_us[0]) == 1418169601 * 1_000_000


def test_short_payloads_fall_back_to_pyais(tmp_path: Path) -> None:
    # A type 1 cut to 20 characters: too short for the vectorised path; pyais decodes it.
    payload = b"13RlIW?04F1beOVEFLB9"
    buf = np.frombuffer(payload, dtype=np.uint8)
    d = decode_payloads(buf, np.array([0]), np.array([len(payload)]), np.array([0]))
    assert (d.fast, d.fallback, d.reason) == (0, 1, [None])
    assert int(d.values["mmsi"][0]) == 237836700


@pytest.mark.parametrize("chunk", [10_000_000, 1000, 7], ids=["whole-file", "1-kB", "7-bytes"])
def test_any_chunking_gives_blocks_of_whole_lines_of_about_the_block_size(chunk: int) -> None:
    # A file read at once was one block however large (a 4 M-row day: 640 MB of arrays at a
    # time, and 2.4x slower); it is cut at line ends like any stream.
    lines = [b"!AIVDM,1,1,,A,%s,0*00" % (b"x" * (i % 50)) for i in range(20_000)]
    lines[777] = b"y" * 5_000  # a line longer than a block: a block of its own
    text = b"\n".join(lines) + b"\n"
    size = 4096
    out = list(blocks((text[i : i + chunk] for i in range(0, len(text), chunk)), size))
    assert b"".join(out) == text
    assert all(b.endswith(b"\n") for b in out)
    assert max(len(b) for b in out if b"y" * 5_000 not in b) <= size
    assert [len(b) for b in out if b"y" * 5_000 in b] == [5_001]


def test_the_writer_thread_writes_tables_in_the_order_given(tmp_path: Path) -> None:
    # Parquet is encoded in a thread of its own while the next block is decoded: more tables
    # than may wait for it, each file's rows in the order the tables were given.
    m, r = tmp_path / "m.parquet", tmp_path / "r.parquet"
    writer = _Writer(m, r, tmp_path / "h.parquet")
    empty = {f.name: pa.nulls(0, f.type) for f in REJECT_SCHEMA}
    for i in range(5 * WRITES_QUEUED):
        lines = np.arange(i * 100, i * 100 + 100)
        rows = {**empty, "line": pa.array(lines), "reason": pa.array(["x"] * 100)}
        rows["lines"] = pa.array(np.ones(100, dtype=np.int8))
        rows["raw_line"] = pa.array([str(n) for n in lines], pa.large_string())
        writer.write(writer.rejects, pa.table(rows, schema=REJECT_SCHEMA))
    writer.close()
    written = pq.read_table(r)
    assert written["line"].to_pylist() == list(range(500 * WRITES_QUEUED))
    assert written["raw_line"].to_pylist() == [str(n) for n in range(500 * WRITES_QUEUED)]
    assert pq.read_table(m).num_rows == 0


def test_a_failed_write_is_raised_and_the_files_are_closed(tmp_path: Path) -> None:
    writer = _Writer(tmp_path / "m.parquet", tmp_path / "r.parquet", tmp_path / "h.parquet")
    wrong = pa.table({"line": pa.array([1, 2])})  # not the rejects' schema
    with pytest.raises(ValueError, match="schema"):
        writer.write(writer.rejects, wrong)
        writer.close()
    writer.close()  # closing again is harmless: both files are whole, empty Parquet
    assert pq.read_table(tmp_path / "r.parquet").num_rows == 0


@pytest.mark.parametrize("seed", range(5))
def test_gather_gives_each_piece_in_the_order_asked(seed: int) -> None:
    # Pieces of any length (empty ones too), from anywhere in the buffer, overlapping and out of
    # order: one after the other, as slicing gives them.
    rng = np.random.default_rng(seed)
    buf = rng.integers(0, 256, 1_000, dtype=np.uint8)
    n = int(rng.integers(0, 40))
    lengths = rng.integers(0, 30, n)
    lengths[rng.random(n) < 0.3] = 0
    starts = rng.integers(0, len(buf) - lengths.max(initial=0), n)
    out, offsets = gather(buf, starts, lengths)
    pieces = [bytes(buf[s : s + k]) for s, k in zip(starts.tolist(), lengths.tolist(), strict=True)]
    assert out.dtype == np.uint8
    assert bytes(out) == b"".join(pieces)
    assert offsets.tolist() == [0, *np.cumsum([len(p) for p in pieces]).tolist()]


def _armoured(fields: list[tuple[int, int]]) -> str:
    """A payload of ``(value, bits)`` fields, 6-bit armoured (the test's own encoder)."""
    bits = "".join(format(v & ((1 << n) - 1), f"0{n}b") for v, n in fields)
    bits += "0" * (-len(bits) % 6)
    values = [int(bits[i : i + 6], 2) for i in range(0, len(bits), 6)]
    return "".join(chr(v + 48 if v < 40 else v + 56) for v in values)


def test_a_static_report_heard_again_is_taken_from_its_first_hearing(tmp_path: Path) -> None:
    # EVER DIADEM's type 5, heard by rx2 and five seconds later by rx1 (whose name sorts first:
    # time decides), then a position of hers. The position takes the report's first hearing,
    # the row silver keeps, not the later copy, which is a duplicate.
    one = "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C"
    two = "!AIVDM,2,2,1,A,88888888880,2*25"
    head = [(1, 6), (0, 2), (351759000, 30), (0, 4), (0, 8), (123, 10), (0, 1)]  # type...SOG
    where = [(10 * 600_000, 28), (55 * 600_000, 27), (900, 12), (90, 9), (10, 6), (0, 25)]
    position = _armoured([*head, *where])
    t = 1705312800
    lines = [
        tag(f"s:rx2,c:{t}") + one,
        tag(f"s:rx2,c:{t}") + two,
        tag(f"s:rx1,c:{t + 5}") + one,
        tag(f"s:rx1,c:{t + 5}") + two,
        tag(f"s:rx1,c:{t + 10}") + sentence(f"AIVDM,1,1,,A,{position},0"),
    ]
    found, messages, rejects = decode(tmp_path, "\n".join(lines) + "\n")
    assert rejects == [] and found.fragments_joined == 2
    assert found.heard_again == 1  # the type 5's later hearing
    assert [(m["line"], m["msg_type"], m["mmsi"]) for m in messages] == [
        (1, 5, 351759000),
        (3, 5, 351759000),
        (5, 1, 351759000),
    ]
    assert all(same_as_pyais(m) == [] for m in messages)
    heard = _records(f"SELECT * FROM '{heard_path(tmp_path / 'm.parquet')}' ORDER BY line")
    assert heard == [
        {"line": 1, "receivers": 2, "static_line": 1},
        {"line": 5, "receivers": 1, "static_line": 1},
    ]


def test_the_commas_within_ranges_are_those_of_the_ranges_alone() -> None:
    # Tag blocks read field by field look for commas only inside their own blocks.
    buf = np.frombuffer(b"a,b,c\\s:x,g:1-2-3*00\\!AIVDM,1,1,,A,x,0*00\n,,\\c:1,s:y*00\\", np.uint8)
    a = np.array([6, 42], dtype=np.int64)
    b = np.array([20, 49], dtype=np.int64)
    expected = [i for lo, hi in zip(a, b, strict=True) for i in range(lo, hi) if buf[i] == 44]
    assert _commas_within(buf, a, b).tolist() == [*expected, FAR]
    assert _commas_within(buf, a[:0], b[:0]).tolist() == [FAR]
    assert _commas_within(buf, np.array([3, 3]), np.array([3, 6])).tolist() == [3, FAR]
