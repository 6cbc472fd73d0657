"""Where a day of NMEA comes from: a mirror's daily log over real HTTP (or file://), in any of
its three forms, and the live feeds' closed chunks in the lake; bad input fails clearly."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
import zstandard

from aislake.bronze.zstd import decode
from aislake.sources.fetch import BadArchiveError, DayNotPublishedError, RetryPolicy
from aislake.sources.nmea.archive import (
    chunk_key,
    download_day,
    mirror_days,
    published_days,
)
from aislake.storage.store import LocalStore
from support.archive import Archive

DAY = dt.date(2024, 1, 15)
LINE = b"\\s:rx1,c:1705312800*5B\\!AIVDM,1,1,,A,13RlIW?04F1beOVEFLB9bRvH0L0L,0*6C"
TEXT = LINE + b"\n" + LINE + b"\n"
RETRY = RetryPolicy(attempts=2, backoff_seconds=0.05)


def _text(path: Path) -> bytes:
    return b"".join(decode([path.read_bytes()], str(path)))


def _put_chunk(lake: LocalStore, feed: str, start: dt.datetime, text: bytes) -> str:
    key = chunk_key(feed, start)
    tmp = lake.root / "chunk.tmp"
    tmp.write_bytes(zstandard.ZstdCompressor().compress(text))
    lake.move_in(tmp, key)
    return key


@pytest.mark.parametrize(
    ("suffix", "encode"),
    [
        (".nmea", lambda t: t),
        (".nmea.gz", gzip.compress),
        (".nmea.zst", lambda t: zstandard.ZstdCompressor().compress(t)),
    ],
)
def test_a_mirrors_log_in_any_form_becomes_the_days_zstd_bronze(
    archive: tuple[Archive, str], tmp_path: Path, suffix: str, encode: object
) -> None:
    state, url = archive
    state.files[f"/nmea/{DAY}{suffix}"] = encode(TEXT)  # type: ignore[operator]
    day = download_day(f"{url}/nmea/", DAY, tmp_path, RETRY, print, LocalStore(tmp_path / "lake"))
    assert _text(day.path) == TEXT
    assert (day.rows, day.decoded_bytes) == (2, len(TEXT))
    assert day.url.endswith(f"{DAY}{suffix}")


def test_a_truncated_gzip_log_is_a_bad_archive(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    state.files[f"/nmea/{DAY}.nmea.gz"] = gzip.compress(TEXT * 100)[:-20]
    with pytest.raises(BadArchiveError, match="gzip"):
        download_day(f"{url}/nmea", DAY, tmp_path, RETRY, print, LocalStore(tmp_path / "lake"))


def test_a_day_neither_the_mirror_nor_a_feed_has_is_not_published(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    _, url = archive
    with pytest.raises(DayNotPublishedError, match="no NMEA for 2024-01-15"):
        download_day(f"{url}/nmea", DAY, tmp_path, RETRY, print, LocalStore(tmp_path / "lake"))


def test_the_feeds_closed_chunks_make_the_day_with_the_mirrors_log(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    state.files[f"/nmea/{DAY}.nmea"] = LINE  # no newline at its end
    lake = LocalStore(tmp_path / "lake")
    start = dt.datetime(2024, 1, 15, 10)
    _put_chunk(lake, "north", start, TEXT)
    _put_chunk(lake, "north", start + dt.timedelta(hours=1), LINE + b"\n")
    _put_chunk(lake, "south", start, LINE + b"\n")
    _put_chunk(lake, "north", start - dt.timedelta(hours=11), LINE + b"\n")  # another day
    day = download_day(f"{url}/nmea", DAY, tmp_path / "w", RETRY, print, lake)
    assert _text(day.path) == LINE + b"\n" + TEXT + LINE + b"\n" + LINE + b"\n"
    assert day.rows == 5
    assert "+3 more" in day.url


def test_a_corrupt_chunk_is_a_bad_archive(tmp_path: Path) -> None:
    lake = LocalStore(tmp_path / "lake")
    key = _put_chunk(lake, "north", dt.datetime(2024, 1, 15, 10), TEXT * 50)
    path = lake.root / key
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(BadArchiveError, match="feed chunk"):
        download_day(None, DAY, tmp_path / "w", RETRY, print, lake)


def test_published_days_have_versions_that_change_as_chunks_close(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "2024-01-14.nmea.gz").write_bytes(gzip.compress(TEXT))
    (mirror / "notes.txt").write_text("not a day")
    assert mirror_days(mirror.as_uri()) == [dt.date(2024, 1, 14)]
    lake = LocalStore(tmp_path / "lake")
    _put_chunk(lake, "north", dt.datetime(2024, 1, 15, 10), TEXT)
    first = published_days(mirror.as_uri(), lake)
    assert first[dt.date(2024, 1, 14)] == ""
    _put_chunk(lake, "north", dt.datetime(2024, 1, 15, 11), TEXT)
    second = published_days(mirror.as_uri(), lake)
    assert second[dt.date(2024, 1, 15)] != first[dt.date(2024, 1, 15)]
    assert "2 chunks" in second[dt.date(2024, 1, 15)]


def test_a_feed_name_must_fit_in_a_key() -> None:
    with pytest.raises(ValueError, match="feed name"):
        chunk_key("../up", dt.datetime(2024, 1, 15))
