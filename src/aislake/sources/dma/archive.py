"""The Danish Maritime Authority's AIS archive: where a day's file is, and how to fetch it safely.

DMA publishes one zip a day, ``aisdk-YYYY-MM-DD.zip`` (one CSV inside), about 3 days after the
date, in a public bucket (default base URL ``http://aisdata.ais.dk/``):

- recent days at the root (``aisdk-2025-03-01.zip``; the root keeps a rolling window),
- daily files of past years under the year (``2024/aisdk-2024-03-01.zip``, from 2024-03),
- before that, monthly archives holding one CSV a day (``2024/aisdk-2024-01.zip``).

:func:`download_day` tries those places in that order. It streams to a local file, retries
transient failures with exponential backoff, verifies the zip's CRCs and the CSV header, and
raises a clear error otherwise. It never touches the lake: the caller publishes a verified file.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aislake.ais.schema import DMA_HEADER_22, DMA_HEADER_26
from aislake.sources.fetch import (
    BadArchiveError,
    DayCsv,
    DayNotPublishedError,
    NotFoundError,
    RetryPolicy,
    SourceError,
    TransientError,
    fetch,
)
from aislake.sources.fetch import extract_day_csv as _extract

__all__ = [
    "BadArchiveError",
    "DayCsv",
    "DayNotPublishedError",
    "DmaError",
    "NotDmaCsvError",
    "NotFoundError",
    "RetryPolicy",
    "TransientError",
    "download_day",
    "fetch",
]

DEFAULT_BASE_URL = "http://aisdata.ais.dk/"

log = logging.getLogger(__name__)


# DMA's errors are the shared ones (``DmaError`` is the base every source's errors share).
DmaError = SourceError


class NotDmaCsvError(BadArchiveError):
    """The file is not a DMA AIS CSV (its header is neither DMA layout)."""


def dma_layout(header_line: str) -> tuple[str, ...]:
    """The DMA layout whose header this is (26 or 22 columns), or :class:`NotDmaCsvError`."""
    fields = tuple(f.strip() for f in header_line.lstrip("\ufeff").strip("\r\n").split(","))
    for layout in (DMA_HEADER_26, DMA_HEADER_22):
        if tuple(f.lower() for f in fields) == tuple(c.lower() for c in layout):
            return layout
    shown = ",".join(fields)[:200]
    raise NotDmaCsvError(
        f"not a DMA AIS CSV: the header is {shown!r}; expected DMA's 26-column header "
        "starting '# Timestamp,Type of mobile,MMSI,...' (or the older 22-column one)"
    )


@dataclass(frozen=True)
class Candidate:
    """One place a day's CSV may be: a zip URL and how its CSV member is named."""

    url: str
    monthly: bool


def day_file_name(day: dt.date) -> str:
    return f"aisdk-{day.isoformat()}.zip"


def candidate_urls(base_url: str, day: dt.date) -> list[Candidate]:
    """Where DMA may have put the day, most likely first (see the module docstring)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    year = f"{day.year:04d}"
    return [
        Candidate(f"{base}{day_file_name(day)}", monthly=False),
        Candidate(f"{base}{year}/{day_file_name(day)}", monthly=False),
        Candidate(f"{base}{year}/aisdk-{year}-{day.month:02d}.zip", monthly=True),
    ]


def _member_names(day: dt.date) -> set[str]:
    # Daily CSV names used inside DMA archives over the years.
    return {f"aisdk-{day.isoformat()}.csv", f"aisdk_{day:%Y%m%d}.csv"}


def extract_day_csv(zip_path: Path, day: dt.date, dest: Path, url: str, monthly: bool) -> DayCsv:
    """Verify a DMA zip and extract the day's CSV (``aislake.sources.fetch.extract_day_csv``)."""
    return _extract(zip_path, day, dest, url, monthly, _member_names(day), dma_layout)


def download_day(
    base_url: str,
    day: dt.date,
    workdir: Path,
    retry: RetryPolicy | None = None,
    cache_dir: Path | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> DayCsv:
    """Fetch and verify the day's CSV into ``workdir``; raise a clear :class:`DmaError` if not.

    Monthly archives are kept in ``cache_dir`` when given, so a backfill of a month downloads
    the archive once.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tried: list[str] = []
    for cand in candidate_urls(base_url, day):
        name = cand.url.rsplit("/", 1)[-1]
        zip_path = (cache_dir / name) if (cand.monthly and cache_dir) else workdir / name
        if not (cand.monthly and cache_dir and zip_path.exists()):
            part = zip_path.with_name(zip_path.name + ".part")
            part.parent.mkdir(parents=True, exist_ok=True)
            try:
                fetch(cand.url, part, retry, on_log=on_progress)
            except NotFoundError:
                part.unlink(missing_ok=True)
                tried.append(cand.url)
                continue
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            shutil.move(part, zip_path)
        if on_progress:
            on_progress(f"verifying {cand.url}")
        csv_path = workdir / f"aisdk-{day.isoformat()}.csv"
        try:
            return extract_day_csv(zip_path, day, csv_path, cand.url, cand.monthly)
        finally:
            if not (cand.monthly and cache_dir):
                zip_path.unlink(missing_ok=True)
    raise DayNotPublishedError(
        f"DMA has not published {day_file_name(day)} yet (HTTP 404 from {', '.join(tried)}); "
        "DMA publishes a day about 2-3 days after the date. If the day is older, check "
        "AISLAKE_DMA_BASE_URL."
    )


_DAY_RE = re.compile(r"aisdk-(\d{4}-\d{2}-\d{2})\.zip$")


def published_days(keys: list[str]) -> list[dt.date]:
    """The days that a listing of the archive (object keys or file names) holds as daily zips."""
    days = set()
    for key in keys:
        match = _DAY_RE.search(key)
        if match:
            days.add(dt.date.fromisoformat(match.group(1)))
    return sorted(days)


_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def list_archive(base_url: str, timeout: float = 60) -> list[str]:
    """Every object key in DMA's archive (a bucket answering S3's ListObjectsV2), or every file
    under a ``file://`` mirror, relative to the base URL."""
    import urllib.error
    import urllib.parse
    import urllib.request
    import xml.etree.ElementTree as ET

    if base_url.startswith("file:"):
        root = Path(urllib.parse.urlparse(base_url).path)
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    base = base_url if base_url.endswith("/") else base_url + "/"
    keys: list[str] = []
    token: str | None = None
    while True:
        query = {"list-type": "2", **({"continuation-token": token} if token else {})}
        url = f"{base}?{urllib.parse.urlencode(query)}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                tree = ET.fromstring(response.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError, ET.ParseError) as exc:
            raise DmaError(f"cannot list DMA's archive at {base} ({exc})") from exc
        keys.extend(k.text or "" for k in tree.iter(f"{_S3_NS}Key"))
        truncated = tree.findtext(f"{_S3_NS}IsTruncated") == "true"
        token = tree.findtext(f"{_S3_NS}NextContinuationToken")
        if not truncated or not token:
            return keys
