"""DMA downloads against a real local HTTP server: published, missing, broken and flaky days."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import threading
import time
import zipfile
from pathlib import Path

import pytest

from aislake.sources.dma.archive import (
    BadArchiveError,
    DayNotPublishedError,
    NotDmaCsvError,
    RetryPolicy,
    TransientError,
    candidate_urls,
    dma_layout,
    download_day,
    published_days,
)
from aislake.sources.fetch import read_ahead
from conftest import SIM_DAY
from support.archive import Archive, make_zip

FAST = RetryPolicy(attempts=3, backoff_seconds=0.01)
HEADER_26 = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,"
    "IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,"
    "Destination,ETA,Data source type,A,B,C,D"
)
ROW = (
    "15/01/2024 00:00:01,Class A,219000001,55.5,11.0,Moored,0.0,0.0,10.0,10,"
    "Unknown,,,Undefined,,,,GPS,,,,AIS,,,,"
)


def test_candidates_are_root_then_year_folder_then_monthly_archive() -> None:
    urls = [c.url for c in candidate_urls("http://aisdata.ais.dk", dt.date(2024, 1, 15))]
    assert urls == [
        "http://aisdata.ais.dk/aisdk-2024-01-15.zip",
        "http://aisdata.ais.dk/2024/aisdk-2024-01-15.zip",
        "http://aisdata.ais.dk/2024/aisdk-2024-01.zip",
    ]


def test_a_published_day_downloads_verified(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    csv = f"{HEADER_26}\n{ROW}\n{ROW}\n".encode()
    state.files["/aisdk-2024-01-15.zip"] = make_zip({"aisdk-2024-01-15.csv": csv})
    day = download_day(url, SIM_DAY, tmp_path, FAST)
    assert day.path.read_bytes() == csv
    assert day.rows == 2
    assert day.sha256 == hashlib.sha256(csv).hexdigest()
    assert day.layout_columns == 26
    assert day.url == f"{url}aisdk-2024-01-15.zip"


def test_simulated_day_over_http(mirror_url: str, sim_file, tmp_path: Path) -> None:
    day = download_day(mirror_url, SIM_DAY, tmp_path, FAST)
    assert day.rows == sim_file.rows
    with zipfile.ZipFile(sim_file.path) as zf:
        assert day.path.read_bytes() == zf.read("aisdk-2024-01-15.csv")


def test_a_day_in_the_year_folder_is_found(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    state.files["/2024/aisdk-2024-01-15.zip"] = make_zip(
        {"x.csv": f"{HEADER_26}\n{ROW}\n".encode()}
    )
    assert download_day(url, SIM_DAY, tmp_path, FAST).rows == 1


def test_a_day_inside_a_monthly_archive_is_extracted_and_the_archive_cached(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    other = f"{HEADER_26}\n{ROW}\n{ROW}\n{ROW}\n".encode()
    wanted = f"{HEADER_26}\n{ROW}\n".encode()
    state.files["/2024/aisdk-2024-01.zip"] = make_zip(
        {"aisdk-2024-01-14.csv": other, "aisdk-2024-01-15.csv": wanted}
    )
    cache = tmp_path / "cache"
    day = download_day(url, SIM_DAY, tmp_path / "w1", FAST, cache_dir=cache)
    assert day.path.read_bytes() == wanted and day.member == "aisdk-2024-01-15.csv"
    download_day(url, SIM_DAY, tmp_path / "w2", FAST, cache_dir=cache)
    assert state.requests.count("/2024/aisdk-2024-01.zip") == 1  # then it came from the cache


def test_an_unpublished_day_says_so(archive: tuple[Archive, str], tmp_path: Path) -> None:
    _, url = archive
    with pytest.raises(DayNotPublishedError, match=r"not published aisdk-2024-01-15.zip yet.*404"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.faults
def test_a_truncated_zip_is_refused(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    data = make_zip({"aisdk-2024-01-15.csv": f"{HEADER_26}\n{ROW}\n".encode() * 50})
    state.files["/aisdk-2024-01-15.zip"] = data[: len(data) // 2]
    with pytest.raises(BadArchiveError, match="not a complete zip"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.faults
def test_a_corrupt_member_fails_its_crc(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    csv = f"{HEADER_26}\n" + f"{ROW}\n" * 200
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("aisdk-2024-01-15.csv", csv)
    data = bytearray(buf.getvalue())
    pos = data.index(b"219000001", 200)
    data[pos : pos + 3] = b"999"  # flip stored bytes: the CRC no longer matches
    state.files["/aisdk-2024-01-15.zip"] = bytes(data)
    with pytest.raises(BadArchiveError, match="corrupt"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


def test_read_ahead_keeps_the_order_and_raises_the_producers_error() -> None:
    def chunks():
        yield from (bytes([i]) * 1000 for i in range(50))
        raise EOFError("member ends early")

    got = []
    with pytest.raises(EOFError, match="member ends early"):
        for chunk in read_ahead(chunks(), depth=2):
            got.append(chunk)
    assert got == [bytes([i]) * 1000 for i in range(50)]


def test_closing_read_ahead_stops_and_joins_its_producer() -> None:
    produced = itertools.count()
    ahead = read_ahead((b"x" for _ in iter(lambda: next(produced), None)), depth=2)
    assert [next(ahead), next(ahead)] == [b"x", b"x"]
    ahead.close()  # as the consumer does when writing fails
    assert not any(t.name == "aislake-read-ahead" for t in threading.enumerate())
    stopped = next(produced)
    time.sleep(0.2)
    assert next(produced) == stopped + 1  # nothing reads the source any more


def test_a_zip_without_a_csv_is_refused(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = make_zip({"readme.txt": b"hello"})
    with pytest.raises(BadArchiveError, match=r"holds no CSV for 2024-01-15.*readme.txt"):
        download_day(url, SIM_DAY, tmp_path, FAST)


@pytest.mark.faults
def test_a_zip_with_two_csvs_for_the_day_is_ambiguous(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    good = f"{HEADER_26}\n{ROW}\n".encode()
    state.files["/aisdk-2024-01-15.zip"] = make_zip(
        {"old/aisdk-2024-01-15.csv": f"{HEADER_26}\n".encode(), "aisdk-2024-01-15.csv": good}
    )
    with pytest.raises(BadArchiveError, match=r"2 CSVs for 2024-01-15.*ambiguous"):
        download_day(url, SIM_DAY, tmp_path, FAST)


@pytest.mark.faults
def test_a_header_only_day_is_refused(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = make_zip(
        {"aisdk-2024-01-15.csv": f"{HEADER_26}\r\n\r\n".encode()}
    )
    with pytest.raises(BadArchiveError, match=r"header but no data lines"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.faults
def test_a_trickling_download_is_abandoned_retried_and_logged(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    """At a few bytes a second every socket read succeeds: the rate limit stops it, in
    bounded time, and each retry reaches the caller's log (Dagster's, in the asset)."""
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = make_zip({"a.csv": f"{HEADER_26}\n{ROW}\n".encode()})
    state.trickle["/aisdk-2024-01-15.zip"] = 0.05
    slow = RetryPolicy(
        attempts=2, backoff_seconds=0.01, min_bytes_per_second=1000, grace_seconds=0.5
    )
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"gave up after 2 attempts: too slow"):
        download_day(url, SIM_DAY, tmp_path, slow, on_progress=said.append)
    assert time.monotonic() - started < 10
    assert any("too slow" in s and "retrying" in s for s in said), said


@pytest.mark.faults
def test_an_html_page_instead_of_the_zip_is_named(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = b"<!DOCTYPE html><html><body>Sign in</body></html>"
    state.content_type["/aisdk-2024-01-15.zip"] = "text/html; charset=utf-8"
    with pytest.raises(BadArchiveError, match=r"HTML page .* not retried"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert state.requests.count("/aisdk-2024-01-15.zip") == 1  # a retry gets the same page


def test_a_csv_with_a_foreign_header_is_refused(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = make_zip(
        {"aisdk-2024-01-15.csv": b"MMSI,BaseDateTime,LAT,LON\n1,2,3,4\n"}
    )
    with pytest.raises(NotDmaCsvError, match=r"not a DMA AIS CSV.*MMSI,BaseDateTime"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.faults
def test_transient_server_errors_are_retried(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = make_zip({"a.csv": f"{HEADER_26}\n{ROW}\n".encode()})
    state.failures["/aisdk-2024-01-15.zip"] = [503, 500]
    assert download_day(url, SIM_DAY, tmp_path, FAST).rows == 1
    assert state.requests.count("/aisdk-2024-01-15.zip") == 3


@pytest.mark.faults
def test_a_short_read_is_retried_then_reported(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    state.files["/aisdk-2024-01-15.zip"] = make_zip({"a.csv": f"{HEADER_26}\n{ROW}\n".encode()})
    state.truncate["/aisdk-2024-01-15.zip"] = 40
    with pytest.raises(TransientError, match=r"gave up after 3 attempts.*short read"):
        download_day(url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.faults
def test_an_unreachable_archive_is_reported(tmp_path: Path) -> None:
    from conftest import free_port

    with pytest.raises(TransientError, match="cannot connect"):
        download_day(f"http://127.0.0.1:{free_port()}/", SIM_DAY, tmp_path, FAST)


def test_file_urls_work_like_http(sim_mirror: Path, sim_file, tmp_path: Path) -> None:
    day = download_day(sim_mirror.as_uri(), SIM_DAY, tmp_path, FAST)
    assert day.rows == sim_file.rows
    with pytest.raises(DayNotPublishedError):
        download_day(sim_mirror.as_uri(), dt.date(2024, 1, 16), tmp_path, FAST)


@pytest.mark.parametrize("sample", ["aisdk-2018-06-01-head.csv", "aisdk-2023-02-15-head.csv"])
def test_both_real_dma_layouts_are_recognised(samples: Path, sample: str) -> None:
    header = (samples / "dma" / sample).read_text().splitlines()[0]
    assert len(dma_layout(header)) == (22 if "2018" in sample else 26)


def test_published_days_are_read_from_a_bucket_listing() -> None:
    keys = ["aisdk-2025-03-01.zip", "2024/aisdk-2024-03-02.zip", "2018/aisdk-2018-01.zip", "x"]
    assert published_days(keys) == [dt.date(2024, 3, 2), dt.date(2025, 3, 1)]
