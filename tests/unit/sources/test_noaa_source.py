"""NOAA downloads against a real local HTTP server: both layouts, missing, broken and flaky days,
and the archive listings the sensor reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from aislake.simulate.noaafile import write_noaa_day
from aislake.sources.noaa.archive import (
    BadArchiveError,
    DayNotPublishedError,
    NotNoaaCsvError,
    RetryPolicy,
    _list_azure,
    day_url,
    download_day,
    list_archive,
    noaa_layout,
    published_days,
)
from conftest import SIM_DAY
from support.archive import Archive, make_zip, serve, serve_folder

FAST = RetryPolicy(attempts=2, backoff_seconds=0.01)
CSV2_HEADER = (
    "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,"
    "vessel_type,status,length,width,draft,cargo,transceiver"
)
CSV2_ROW = (
    "366996430,2024-01-15 00:00:00,-82.55641,38.40362,0.1,295.2,100,CAPT JEFF IRBY,,WDK7088,31,"
    "12,20,8,3.3,,A"
)
LEGACY_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)
LEGACY_ROW = (
    "367669550,2024-01-15T00:00:04,46.20031,-123.38573,0.0,281.9,141.0,ALASKA CHALLENGER,"
    "IMO7938024,WDH9586,30,15,30,8,0.0,30,A"
)


def zst(data: bytes, checksum: bool = True) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=checksum).compress(data)


def test_urls_follow_noaas_layouts() -> None:
    assert day_url("csv2", "https://noaaocm.blob.core.windows.net/ais/csv2", SIM_DAY) == (
        "https://noaaocm.blob.core.windows.net/ais/csv2/csv2024/ais-2024-01-15.csv.zst"
    )
    assert day_url("legacy", "https://coast.noaa.gov/htdata/CMSP/AISDataHandler/", SIM_DAY) == (
        "https://coast.noaa.gov/htdata/CMSP/AISDataHandler/2024/AIS_2024_01_15.zip"
    )
    with pytest.raises(ValueError, match="unknown NOAA format 'csv3'"):
        day_url("csv3", "http://x/", SIM_DAY)


def test_headers_name_their_layout(samples: Path) -> None:
    for sample in ("AIS_2023_01_11-sample.csv", "AIS_2024_01_01-head.csv"):
        first = (samples / "noaa" / sample).read_text().splitlines()[0]
        assert noaa_layout(first)[1] == "BaseDateTime"
    assert noaa_layout(CSV2_HEADER)[2] == "longitude"
    assert noaa_layout(LEGACY_HEADER.replace("TransceiverClass", "TranscieverClass"))[-1] == (
        "TranscieverClass"
    )
    with pytest.raises(NotNoaaCsvError, match="not a NOAA AIS CSV"):
        noaa_layout("# Timestamp,Type of mobile,MMSI,Latitude,Longitude")


def test_a_csv2_day_is_decoded_whole(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    csv = f"{CSV2_HEADER}\n{CSV2_ROW}\n{CSV2_ROW}\n".encode()
    # Two frames, as a parallel compressor writes: both decoded.
    served = zst(csv[:150]) + zst(csv[150:])
    state.files["/csv2024/ais-2024-01-15.csv.zst"] = served
    day = download_day("csv2", url, SIM_DAY, tmp_path, FAST)
    assert day.path.read_bytes() == served  # bronze keeps the file as NOAA serves it
    assert (day.rows, day.layout_columns, day.decoded_bytes) == (2, 17, len(csv))
    assert day.sha256 == hashlib.sha256(served).hexdigest()
    assert day.url == f"{url}csv2024/ais-2024-01-15.csv.zst"
    assert not list(tmp_path.glob("*.part"))


def test_a_legacy_day_is_extracted(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    csv = f"{LEGACY_HEADER}\r\n{LEGACY_ROW}\r\n".encode()
    state.files["/2024/AIS_2024_01_15.zip"] = make_zip({"AIS_2024_01_15.csv": csv})
    day = download_day("legacy", url, SIM_DAY, tmp_path, FAST)
    assert day.path.name == "ais-2024-01-15.csv.zst" and day.rows == 1
    with day.path.open("rb") as f:
        assert zstandard.ZstdDecompressor().stream_reader(f).read() == csv
    assert day.sha256 == hashlib.sha256(day.path.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ais-2024-01-15.csv.zst"]


@pytest.mark.parametrize(
    ("name", "body", "error", "message"),
    [
        ("truncated zstd", zst(b"x" * 10), BadArchiveError, "ends inside a zstd frame"),
        ("bad checksum", None, BadArchiveError, "doesn't match checksum"),
        ("not zstd", b"PK\x03\x04 not a zstd stream", BadArchiveError, "not valid zstd"),
        (
            "a DMA file",
            zst(b"# Timestamp,Type of mobile,MMSI\n1,2,3\n"),
            NotNoaaCsvError,
            "not a NOAA",
        ),
        ("header only", zst(f"{CSV2_HEADER}\n".encode()), BadArchiveError, "no data lines"),
        ("empty", zst(b""), BadArchiveError, "decompresses to nothing"),
    ],
)
def test_a_broken_csv2_day_is_refused_and_leaves_nothing(
    archive: tuple[Archive, str],
    tmp_path: Path,
    name: str,
    body: bytes | None,
    error: type[Exception],
    message: str,
) -> None:
    state, url = archive
    good = zst(f"{CSV2_HEADER}\n{CSV2_ROW}\n".encode() * 50)
    if name == "truncated zstd":
        body = good[: len(good) // 2]
    elif name == "bad checksum":
        body = good[:-1] + bytes([good[-1] ^ 1])
    assert body is not None
    state.files["/csv2024/ais-2024-01-15.csv.zst"] = body
    with pytest.raises(error, match=message):
        download_day("csv2", url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_legacy_zip_is_refused(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, url = archive
    body = make_zip({"AIS_2024_01_15.csv": f"{LEGACY_HEADER}\n{LEGACY_ROW}\n".encode() * 100})
    state.files["/2024/AIS_2024_01_15.zip"] = body[: len(body) // 2]
    with pytest.raises(BadArchiveError, match="not a complete zip"):
        download_day("legacy", url, SIM_DAY, tmp_path, FAST)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_day_is_not_published_yet(archive: tuple[Archive, str], tmp_path: Path) -> None:
    _, url = archive
    with pytest.raises(DayNotPublishedError, match=r"NOAA has not published ais-2024-01-15"):
        download_day("csv2", url, SIM_DAY, tmp_path, FAST)
    with pytest.raises(DayNotPublishedError, match="AISLAKE_NOAA_BASE_URL"):
        download_day("legacy", url, SIM_DAY, tmp_path, FAST)


def test_a_flaky_server_is_retried_and_an_html_page_refused(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    state, url = archive
    path = "/csv2024/ais-2024-01-15.csv.zst"
    state.files[path] = zst(f"{CSV2_HEADER}\n{CSV2_ROW}\n".encode())
    state.failures[path] = [503]
    assert download_day("csv2", url, SIM_DAY, tmp_path, FAST).rows == 1
    state.files[path] = b"<!DOCTYPE html><html>Sign in</html>"
    with pytest.raises(BadArchiveError, match="HTML page"):
        download_day("csv2", url, SIM_DAY, tmp_path, FAST)


@pytest.mark.parametrize("fmt", ["csv2", "legacy"])
def test_a_simulated_day_comes_through_a_served_mirror(tmp_path: Path, fmt: str) -> None:
    sim = write_noaa_day(SIM_DAY, tmp_path / "mirror", fmt)
    with serve_folder(tmp_path / "mirror") as url:
        day = download_day(fmt, url, SIM_DAY, tmp_path / "work", FAST)
    assert day.rows == sim.rows > 30_000
    assert day.layout_columns == 17


def test_listings_name_the_published_days(tmp_path: Path) -> None:
    for d in (15, 16):
        write_noaa_day(dt.date(2024, 1, d), tmp_path, "csv2")
    write_noaa_day(dt.date(2024, 1, 17), tmp_path, "legacy")
    mirror = tmp_path.as_uri()
    assert published_days(list_archive("csv2", mirror, [2024]), "csv2") == [
        dt.date(2024, 1, 15),
        dt.date(2024, 1, 16),
    ]
    assert published_days(list_archive("legacy", mirror, [2024]), "legacy") == [
        dt.date(2024, 1, 17)
    ]
    # The same mirror over HTTP: the year folders' HTML index, a missing year is no error.
    with serve_folder(tmp_path) as url:
        names = list_archive("csv2", url, [2024, 2025])
    assert published_days(names, "csv2") == [dt.date(2024, 1, 15), dt.date(2024, 1, 16)]


@pytest.fixture
def azure_container() -> Iterator[str]:
    """A server answering Azure's List Blobs in two pages, as NOAA's csv2 container does."""
    pages = {
        "": ("<Name>csv2/csv2024/ais-2024-01-15.csv.zst</Name>", "<NextMarker>m2</NextMarker>"),
        "m2": ("<Name>csv2/csv2024/ais-2024-01-16.csv.zst</Name>", "<NextMarker />"),
    }

    def list_blobs(path: str) -> bytes:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        assert query["comp"] == ["list"] and query["prefix"] == ["csv2/csv2024/"]
        names, marker = pages[query.get("marker", [""])[0]]
        return (
            f"<EnumerationResults><Blobs><Blob>{names}</Blob></Blobs>{marker}</EnumerationResults>"
        ).encode()

    with serve(Archive(routes={"/ais": list_blobs})) as url:
        yield f"{url}ais/csv2/"


def test_an_azure_container_listing_is_read_page_by_page(azure_container: str) -> None:
    names = _list_azure(urllib.parse.urlparse(azure_container), "csv2024/", 5)
    assert published_days(names, "csv2") == [dt.date(2024, 1, 15), dt.date(2024, 1, 16)]
