"""The receiver's parts without a network: stamping, the journal and its recovery, chunk
publication (tests/e2e/feed/ runs the receiver against a live feed and kills it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import zstandard

from aislake.sources.nmea.archive import feed_chunks
from aislake.sources.nmea.receiver import Journal, publish_closed, stamp
from aislake.sources.nmea.sentences import frame
from aislake.storage.store import LocalStore

GOOD = b"!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
T0 = int(dt.datetime(2024, 1, 15, 10, tzinfo=dt.UTC).timestamp())


def _reasons(line: bytes) -> list[str | None]:
    return frame(np.frombuffer(line + b"\n", dtype=np.uint8)).reasons()


def test_a_line_without_a_time_gets_its_receive_time_as_a_valid_tag_block() -> None:
    stamped = stamp(GOOD, b"north", T0)
    assert stamped == b"\\s:north,c:%d*" % T0 + stamped.split(b"*")[1][:2] + b"\\" + GOOD
    assert _reasons(stamped) == [None]
    f = frame(np.frombuffer(stamped + b"\n", dtype=np.uint8))
    assert int(f.tags.time_us[0]) == T0 * 1_000_000


def test_a_tag_block_without_a_time_gets_one_before_it_and_a_timed_line_is_kept() -> None:
    sourced = stamp(b"\\g:1-1-9*0D\\" + GOOD, b"north", T0)
    assert sourced.startswith(b"\\c:%d*" % T0) and sourced.endswith(b"\\g:1-1-9*0D\\" + GOOD)
    timed = b"\\s:rx1,c:1705312800*5B\\" + GOOD
    assert stamp(timed, b"north", T0) == timed


def test_the_journal_keeps_whole_lines_and_recovers_from_a_cut_write(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j", 3600)
    for k in range(3):
        journal.append(b"line %d" % k, T0 + k)
    assert journal.flush() == 0  # within the second: nothing written yet
    assert journal.flush(force=True) == 3
    ((start, segment),) = journal.segments()
    assert start == T0 and segment.read_bytes() == b"line 0\nline 1\nline 2\n"
    with segment.open("ab") as f:
        f.write(b"line 3 cut by a kil")  # what a kill in the middle of a write leaves
    fresh = Journal(tmp_path / "j", 3600)
    assert fresh.recover() == len(b"line 3 cut by a kil")
    assert segment.read_bytes() == b"line 0\nline 1\nline 2\n"


def test_closed_periods_are_published_once_as_zstd_chunks(tmp_path: Path) -> None:
    lake = LocalStore(tmp_path / "lake")
    journal = Journal(tmp_path / "j", 60)
    journal.append(b"a", T0 + 1)
    journal.append(b"b", T0 + 61)
    journal.flush(force=True)
    assert publish_closed(journal, lake, "north", T0 + 61) == [
        "bronze/nmea/feed/north/2024-01-15/100000.nmea.zst"
    ]
    assert [s for s, _ in journal.segments()] == [T0 + 60]  # the open period stays
    (chunk,) = feed_chunks(lake)
    data = (
        zstandard.ZstdDecompressor()
        .decompressobj()
        .decompress((lake.root / chunk.key).read_bytes())
    )
    assert (chunk.feed, chunk.day, data) == ("north", dt.date(2024, 1, 15), b"a\n")
    # Killed between publishing and removing the segment: published again, the same bytes.
    before = (lake.root / chunk.key).read_bytes()
    (tmp_path / "j" / "20240115T100000.nmea").write_bytes(b"a\n")
    publish_closed(journal, lake, "north", T0 + 61)
    assert (lake.root / chunk.key).read_bytes() == before
