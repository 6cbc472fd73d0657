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
import hashlib
import http.client
import logging
import re
import shutil
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aislake.lake.lines import LineCounter, count_data_lines
from aislake.lake.schema import DMA_HEADER_22, DMA_HEADER_26

DEFAULT_BASE_URL = "http://aisdata.ais.dk/"
CHUNK = 4 * 1024 * 1024

log = logging.getLogger(__name__)


class DmaError(RuntimeError):
    """A DMA file could not be fetched or is not what it should be."""


class DayNotPublishedError(DmaError):
    """DMA has not published the day (yet): every place it could be answered 404."""


class BadArchiveError(DmaError):
    """The download is not a complete zip holding the day's DMA CSV."""


class NotDmaCsvError(BadArchiveError):
    """The file is not a DMA AIS CSV (its header is neither DMA layout)."""


class NotFoundError(DmaError):
    """The server has no such file (HTTP 404/403/410, or a missing local file)."""


class TransientError(DmaError):
    """A failure worth retrying: connection refused or reset, 5xx, a short read."""


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


@dataclass(frozen=True)
class RetryPolicy:
    """How a download is retried, and when a live but useless transfer counts as failed: a
    server trickling bytes keeps every socket read alive, so the read timeout never fires."""

    attempts: int = 4
    backoff_seconds: float = 2.0  # 2, 4, 8 s between attempts
    # After a grace period, a transfer slower than this on average is abandoned (and retried).
    min_bytes_per_second: float = 20_000
    grace_seconds: float = 60.0
    # No attempt runs longer than this, whatever its rate (a 2.6 GB day at 1 MB/s: 45 min).
    deadline_seconds: float = 3 * 3600

    def delay(self, attempt: int) -> float:
        return self.backoff_seconds * (2 ** (attempt - 1))


Say = Callable[[str], None]


def _say(message: str, on_log: Say | None, warning: bool = False) -> None:
    """Log ``message`` here, and to the caller's log (Dagster's, in an asset) when given."""
    (log.warning if warning else log.info)("%s", message)
    if on_log:
        on_log(message)


class _Progress:
    """Logs bytes, share and rate at most every ``every`` seconds, and stops a transfer that
    is too slow or too long (:class:`RetryPolicy`)."""

    def __init__(
        self, what: str, total: int | None, policy: RetryPolicy, on_log: Say | None,
        every: float = 5.0,
    ) -> None:  # fmt: skip
        self.what, self.total, self.policy, self.on_log = what, total, policy, on_log
        self.every = every
        self.start = self.last = time.monotonic()
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._log(now)
        elapsed = now - self.start
        rate = self.done / max(elapsed, 1e-9)
        if elapsed > self.policy.grace_seconds and rate < self.policy.min_bytes_per_second:
            raise TransientError(
                f"too slow: {self.done:,} bytes in {elapsed:.0f} s ({rate:,.0f} B/s, under "
                f"{self.policy.min_bytes_per_second:,.0f} B/s)"
            )
        if elapsed > self.policy.deadline_seconds:
            raise TransientError(
                f"deadline: {self.done:,} bytes after {elapsed:.0f} s "
                f"(limit {self.policy.deadline_seconds:.0f} s)"
            )

    def _log(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-9) / 1e6
        share = (
            f" of {self.total / 1e6:.1f} MB ({self.done / self.total:.0%})" if self.total else ""
        )
        _say(f"{self.what}: {self.done / 1e6:.1f} MB{share}, {rate:.1f} MB/s", self.on_log)

    def finish(self) -> float:
        now = time.monotonic()
        self._log(now)
        return now - self.start


def fetch(
    url: str,
    dest: Path,
    retry: RetryPolicy | None = None,
    timeout: float = 60,
    on_log: Say | None = None,
) -> int:
    """Stream ``url`` (http, https or file) into ``dest``; returns the bytes written.

    Raises :class:`NotFoundError` for a 404 or a missing file, :class:`DmaError` for other
    refusals, and retries transient failures (then raises :class:`TransientError`): refused or
    reset connections, 5xx, short reads, a transfer too slow or too long, an HTML page where a
    file was asked for. Progress and retries are logged, and told to ``on_log`` too.
    """
    retry = retry or RetryPolicy()
    for attempt in range(1, retry.attempts + 1):
        try:
            return _fetch_once(url, dest, timeout, retry, on_log)
        except TransientError as exc:
            if attempt == retry.attempts:
                raise TransientError(f"{url}: gave up after {attempt} attempts: {exc}") from exc
            wait = retry.delay(attempt)
            _say(
                f"{url}: {exc}; retrying in {wait:.1f} s (attempt {attempt + 1}/{retry.attempts})",
                on_log,
                warning=True,
            )
            time.sleep(wait)
    raise AssertionError("unreachable")


def _fetch_once(
    url: str, dest: Path, timeout: float, policy: RetryPolicy, on_log: Say | None
) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": "aislake"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 403, 410) or (exc.code == 400 and url.startswith("file:")):
            # S3 buckets answer 403 for missing keys when listing is restricted.
            raise NotFoundError(f"{url}: HTTP {exc.code}") from exc
        if exc.code >= 500 or exc.code == 429:
            raise TransientError(f"HTTP {exc.code} {exc.reason}") from exc
        raise DmaError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FileNotFoundError):
            raise NotFoundError(f"{url}: no such file") from exc
        raise TransientError(f"cannot connect: {exc.reason}") from exc
    except (TimeoutError, ConnectionError) as exc:
        raise TransientError(str(exc) or type(exc).__name__) from exc
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        html = "html" in (response.headers.get("Content-Type") or "").lower()
        progress = _Progress(f"downloading {url}", total, policy, on_log)
        # read1 returns what has arrived: a trickling server cannot hold one read for hours.
        read = getattr(response, "read1", response.read)
        try:
            with dest.open("wb") as out:
                while chunk := read(CHUNK):
                    if progress.done == 0:
                        html = html or chunk.lstrip()[:15].lower().startswith(
                            (b"<!doctype", b"<html")
                        )
                    out.write(chunk)
                    progress.add(len(chunk))
        except (TimeoutError, ConnectionError, http.client.IncompleteRead) as exc:
            raise TransientError(f"connection lost after {progress.done} bytes: {exc}") from exc
        seconds = progress.finish()
    if total is not None and progress.done != total:
        raise TransientError(f"short read: got {progress.done} of {total} bytes")
    if html:
        raise TransientError(
            f"the server answered with an HTML page ({progress.done:,} bytes), not the file "
            "(an error page or a proxy's login?)"
        )
    _say(f"downloaded {url}: {progress.done:,} bytes in {seconds:.1f} s", on_log)
    return progress.done


@dataclass(frozen=True)
class DayCsv:
    """A verified CSV of one day, extracted to a local file."""

    day: dt.date
    path: Path
    url: str
    member: str
    zip_bytes: int
    csv_bytes: int
    rows: int  # lines after the header, blank ones included (what silver reconciles with)
    sha256: str
    layout_columns: int


def extract_day_csv(zip_path: Path, day: dt.date, dest: Path, url: str, monthly: bool) -> DayCsv:
    """Verify the zip and extract the day's CSV to ``dest``, checking every CRC and the header."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise BadArchiveError(
            f"{url} is not a complete zip ({exc}): the download is truncated or corrupt"
        ) from exc
    with archive:
        csvs = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
        wanted = _member_names(day)
        named = [i for i in csvs if i.filename.rsplit("/", 1)[-1] in wanted]
        if len(named) > 1:
            raise BadArchiveError(
                f"{url} holds {len(named)} CSVs for {day} "
                f"({', '.join(i.filename for i in named)}): which one is the day is ambiguous, "
                "so none is taken"
            )
        if named:
            member = named[0]
        elif len(csvs) == 1 and not monthly:
            member = csvs[0]
        else:
            listing = ", ".join(i.filename for i in archive.infolist()[:10]) or "nothing"
            raise BadArchiveError(
                f"{url} holds no CSV for {day} (expected one of {sorted(wanted)}); "
                f"it holds: {listing}"
            )
        digest = hashlib.sha256()
        counter = LineCounter()
        try:
            with archive.open(member) as src, dest.open("wb") as out:
                first = src.readline(64 * 1024)
                layout = dma_layout(first.decode("utf-8", "replace"))
                for chunk in _chunks(first, src):
                    digest.update(chunk)
                    counter.feed(chunk)
                    out.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
            dest.unlink(missing_ok=True)
            raise BadArchiveError(f"{url}: {member.filename} is corrupt ({exc})") from exc
        except NotDmaCsvError as exc:
            dest.unlink(missing_ok=True)
            raise NotDmaCsvError(f"{url}: {member.filename} is {exc}") from exc
    # Blank lines are counted only where they could be all there is (a few lines).
    if counter.lines < 10_000 and count_data_lines(_read_chunks(dest)) == 0:
        dest.unlink(missing_ok=True)
        raise BadArchiveError(
            f"{url}: {member.filename} has DMA's header but no data lines: an empty day is not "
            "published over a stored one"
        )
    return DayCsv(
        day=day,
        path=dest,
        url=url,
        member=member.filename,
        zip_bytes=zip_path.stat().st_size,
        csv_bytes=dest.stat().st_size,
        rows=counter.lines,
        sha256=digest.hexdigest(),
        layout_columns=len(layout),
    )


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _chunks(first: bytes, src: IO[bytes]) -> Iterator[bytes]:
    yield first
    while chunk := src.read(CHUNK):
        yield chunk


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
    import urllib.parse
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
