"""NOAA MarineCadastre's AIS archive (US waters and the Great Lakes): where a day's file is, and
how to fetch it safely.

Two layouts (docs/noaa.md; ``aislake.ais.schema`` holds their headers):

- ``csv2`` (every year from 2015, the only one from 2025): one zstd-compressed CSV a day,
  ``<base>/csvYYYY/ais-YYYY-MM-DD.csv.zst``, default base
  ``https://noaaocm.blob.core.windows.net/ais/csv2/``;
- ``legacy`` (2018-2024): one zip a day holding ``AIS_YYYY_MM_DD.csv``,
  ``<base>/YYYY/AIS_YYYY_MM_DD.zip``, default base
  ``https://coast.noaa.gov/htdata/CMSP/AISDataHandler/``.

:func:`download_day` streams the file (``aislake.sources.fetch``: retries, minimum rate,
deadline, HTML pages refused), then verifies it completely: a zip's CRCs, or a full zstd decode
(every frame's checksum, and a frame cut short is an error, not a short file). Either way the day
is handed on as a zstd CSV (csv2's file as served; the legacy zip's CSV compressed), its header
checked and its lines counted, for bronze to publish. A 404 means NOAA has not published the day
(yet).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import zstandard

from aislake.ais.schema import NOAA_LAYOUTS
from aislake.bronze.lines import LineCounter, count_data_lines
from aislake.bronze.zstd import ZstdDataError, decode
from aislake.sources.fetch import (
    CHUNK,
    BadArchiveError,
    DayCsv,
    DayNotPublishedError,
    NotFoundError,
    RetryPolicy,
    SourceError,
    extract_day_csv,
    fetch,
    read_chunks,
)

CSV2_BASE_URL = "https://noaaocm.blob.core.windows.net/ais/csv2/"
LEGACY_BASE_URL = "https://coast.noaa.gov/htdata/CMSP/AISDataHandler/"
FORMATS = ("csv2", "legacy")


class NotNoaaCsvError(BadArchiveError):
    """The file is not a NOAA AIS CSV (its header is no NOAA layout)."""


def noaa_layout(header_line: str) -> tuple[str, ...]:
    """The NOAA layout whose header this is (``aislake.ais.schema.NOAA_LAYOUTS``), or
    :class:`NotNoaaCsvError`. Names are compared without case."""
    fields = tuple(f.strip() for f in header_line.lstrip("\ufeff").strip("\r\n").split(","))
    lowered = tuple(f.lower() for f in fields)
    for layout in NOAA_LAYOUTS:
        if lowered == tuple(c.lower() for c in layout):
            return layout
    shown = ",".join(fields)[:200]
    raise NotNoaaCsvError(
        f"not a NOAA AIS CSV: the header is {shown!r}; expected NOAA's csv2 header "
        "'mmsi,base_date_time,longitude,latitude,...' or the legacy 'MMSI,BaseDateTime,LAT,LON,...'"
    )


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def file_name(fmt: str, day: dt.date) -> str:
    """The day's file as NOAA names it in ``fmt``."""
    if fmt == "csv2":
        return f"ais-{day.isoformat()}.csv.zst"
    if fmt == "legacy":
        return f"AIS_{day:%Y_%m_%d}.zip"
    raise ValueError(f"unknown NOAA format {fmt!r}: expected one of {', '.join(FORMATS)}")


def day_url(fmt: str, base_url: str, day: dt.date) -> str:
    """Where NOAA keeps the day in ``fmt`` under ``base_url`` (laid out like NOAA's)."""
    folder = f"csv{day.year}" if fmt == "csv2" else f"{day.year}"
    return f"{_base(base_url)}{folder}/{file_name(fmt, day)}"


def verify_zstd_csv(path: Path, day: dt.date, url: str, member: str) -> DayCsv:
    """Decode the whole zstd CSV at ``path`` (every frame and checksum), check its header and
    that it holds data; the file itself is what bronze keeps, so its bytes are hashed."""
    digest = hashlib.sha256()
    counter = LineCounter()
    decoded = 0
    layout: tuple[str, ...] | None = None

    def raw() -> Iterator[bytes]:
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                yield chunk

    try:
        for text in decode(raw(), url):
            if layout is None:
                layout = noaa_layout(text[: text.find(b"\n")].decode("utf-8", "replace"))
            counter.feed(text)
            decoded += len(text)
    except ZstdDataError as exc:
        raise BadArchiveError(str(exc)) from exc
    if layout is None:
        raise BadArchiveError(f"{url} decompresses to nothing: an empty file is not a day")
    if counter.lines < 10_000 and count_data_lines(decode(read_chunks(path), url)) == 0:
        raise BadArchiveError(
            f"{url} has a header but no data lines: an empty day is not published over a stored one"
        )
    return DayCsv(
        day=day,
        path=path,
        url=url,
        member=member,
        zip_bytes=path.stat().st_size,
        csv_bytes=path.stat().st_size,
        rows=counter.lines,
        sha256=digest.hexdigest(),
        layout_columns=len(layout),
        decoded_bytes=decoded,
        long_lines=counter.long_line,
    )


def compress(csv: Path, dest: Path, level: int = 3) -> str:
    """``csv`` as a zstd file with frame checksums (how bronze keeps a legacy day's CSV); the
    SHA-256 of the file written (a read of the compressed file, a fifth of the CSV)."""
    compressor = zstandard.ZstdCompressor(level=level, write_checksum=True, threads=-1)
    with csv.open("rb") as src, dest.open("wb") as out:
        compressor.copy_stream(src, out)
    digest = hashlib.sha256()
    for chunk in read_chunks(dest):
        digest.update(chunk)
    return digest.hexdigest()


def download_day(
    fmt: str,
    base_url: str,
    day: dt.date,
    workdir: Path,
    retry: RetryPolicy | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> DayCsv:
    """Fetch and verify NOAA's file of ``day`` in layout ``fmt`` into ``workdir`` as the zstd
    CSV bronze keeps (``ais-YYYY-MM-DD.csv.zst``: csv2's file unchanged, or the legacy zip's
    CSV compressed); raise a clear :class:`SourceError` if that cannot be done."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = day_url(fmt, base_url, day)
    part = workdir / (file_name(fmt, day) + ".part")
    try:
        fetch(url, part, retry, on_log=on_progress)
    except NotFoundError as exc:
        part.unlink(missing_ok=True)
        raise DayNotPublishedError(
            f"NOAA has not published {file_name(fmt, day)} ({fmt}) yet: {exc}. NOAA publishes "
            "days in batches, weeks to months after the date. If the day is older, check "
            f"{'AISLAKE_NOAA_CSV2_BASE_URL' if fmt == 'csv2' else 'AISLAKE_NOAA_BASE_URL'} and "
            "AISLAKE_NOAA_FORMAT."
        ) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if on_progress:
        on_progress(f"verifying {url}")
    dest = workdir / f"ais-{day.isoformat()}.csv.zst"
    try:
        if fmt == "csv2":
            # Kept as NOAA serves it: DuckDB reads zstd CSV directly (docs/noaa.md, measured).
            part.rename(dest)
            try:
                return verify_zstd_csv(dest, day, url, file_name(fmt, day))
            except BaseException:
                dest.unlink(missing_ok=True)
                raise
        # Legacy: the zip's CSV, verified and counted while extracted, kept compressed the same
        # way (hashed as written: no second decode).
        member = f"AIS_{day:%Y_%m_%d}.csv"
        csv = extract_day_csv(part, day, workdir / member, url, False, {member}, noaa_layout)
        try:
            sha256 = compress(csv.path, dest)
        finally:
            csv.path.unlink(missing_ok=True)
        return replace(
            csv,
            path=dest,
            csv_bytes=dest.stat().st_size,
            sha256=sha256,
            decoded_bytes=csv.csv_bytes,
        )
    finally:
        part.unlink(missing_ok=True)


_DAY_RES = (
    re.compile(r"ais-(\d{4})-(\d{2})-(\d{2})\.csv\.zst"),
    re.compile(r"AIS_(\d{4})_(\d{2})_(\d{2})\.zip"),
)


def published_days(names: list[str], fmt: str) -> list[dt.date]:
    """The days a listing (object keys, file names or an HTML index) holds in layout ``fmt``."""
    pattern = _DAY_RES[FORMATS.index(fmt)]
    days = set()
    for name in names:
        for y, m, d in pattern.findall(name):
            try:
                days.add(dt.date(int(y), int(m), int(d)))
            except ValueError:
                continue
    return sorted(days)


def list_archive(fmt: str, base_url: str, years: list[int], timeout: float = 60) -> list[str]:
    """Names of the files NOAA lists for ``years`` in layout ``fmt``: every file under a
    ``file://`` mirror; an Azure blob container's listing (NOAA's csv2 home); otherwise each
    year folder's HTML index (NOAA's legacy site, or a plain HTTP mirror)."""
    base = _base(base_url)
    if base.startswith("file:"):
        root = Path(urllib.parse.urlparse(base).path)
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    parts = urllib.parse.urlparse(base)
    names: list[str] = []
    for year in years:
        folder = f"csv{year}/" if fmt == "csv2" else f"{year}/"
        if parts.netloc.endswith(".blob.core.windows.net"):
            names += _list_azure(parts, folder, timeout)
        else:
            names += re.findall(r'href="([^"]+)"', _get(base + folder, timeout, missing_ok=True))
    return names


def _get(url: str, timeout: float, missing_ok: bool = False) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: bytes = response.read()
            return body.decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return ""  # a year NOAA has not started
        raise SourceError(f"cannot list NOAA's archive at {url} (HTTP {exc.code})") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise SourceError(f"cannot list NOAA's archive at {url} ({exc})") from exc


def _list_azure(parts: urllib.parse.ParseResult, folder: str, timeout: float) -> list[str]:
    """Blob names under ``folder`` of an Azure container (``List Blobs``, paged by marker)."""
    container, _, prefix = parts.path.strip("/").partition("/")
    prefix = f"{prefix}/{folder}" if prefix else folder
    names: list[str] = []
    marker = ""
    while True:
        query = {"restype": "container", "comp": "list", "prefix": prefix}
        if marker:
            query["marker"] = marker
        url = f"{parts.scheme}://{parts.netloc}/{container}?{urllib.parse.urlencode(query)}"
        text = _get(url, timeout)
        names += re.findall(r"<Name>([^<]+)</Name>", text)
        found = re.search(r"<NextMarker>([^<]+)</NextMarker>", text)
        if not found:
            return names
        marker = found.group(1)
