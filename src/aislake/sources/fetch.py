"""Fetching a source's daily file safely: streamed, retried, verified, never half-written.

Shared by every source (``aislake.sources.dma.archive``, ``aislake.sources.noaa.archive``):
:func:`fetch` streams a URL (http, https or file) to a local file with retries, a minimum
transfer rate and a deadline, and refuses HTML error pages; :func:`extract_day_csv` verifies a
zip's CRCs and extracts the day's CSV, counting its lines and hashing it on the way. Nothing
here touches the lake.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aislake.bronze.lines import LineCounter, count_data_lines

CHUNK = 4 * 1024 * 1024

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A source's file could not be fetched or is not what it should be."""


class DayNotPublishedError(SourceError):
    """The source has not published the day (yet): every place it could be answered 404."""


class BadArchiveError(SourceError):
    """The download is not a complete archive holding the day's CSV."""


class NotTheFileError(BadArchiveError):
    """The server answered with something else than the file (an HTML page): final."""


class NotFoundError(SourceError):
    """The server has no such file (HTTP 404/403/410, or a missing local file)."""


class TransientError(SourceError):
    """A failure worth retrying: connection refused or reset, 5xx, a short read."""


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
        return float(self.backoff_seconds * (2 ** (attempt - 1)))


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
        self,
        what: str,
        total: int | None,
        policy: RetryPolicy,
        on_log: Say | None,
        every: float = 5.0,
    ) -> None:
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
    reset connections, 5xx, short reads, a transfer too slow or too long. An HTML page where a
    file was asked for is :class:`NotTheFileError` at once: a retry gets the same page.
    Progress and retries are logged, and told to ``on_log`` too.
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
        raise SourceError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
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
        # A page where the file should be (an error page, a proxy's login, a mirror holding
        # the wrong thing): asking again gets the same page, so it fails at once.
        raise NotTheFileError(
            f"{url}: the server answered with an HTML page ({progress.done:,} bytes), not the "
            "file (an error page or a proxy's login?); not retried"
        )
    _say(f"downloaded {url}: {progress.done:,} bytes in {seconds:.1f} s", on_log)
    return progress.done


@dataclass(frozen=True)
class DayCsv:
    """A verified CSV of one day in a local file, ready for bronze: ``path`` is what bronze
    publishes (``csv_bytes`` and ``sha256`` are its own), ``zip_bytes`` what was downloaded."""

    day: dt.date
    path: Path
    url: str
    member: str
    zip_bytes: int
    csv_bytes: int
    rows: int  # lines after the header, blank ones included (what silver reconciles with)
    sha256: str
    layout_columns: int
    decoded_bytes: int | None = None  # the CSV's size when ``path`` is compressed (zstd)
    long_lines: bool = False  # a line of 64 KiB or more may be in it (aislake.bronze.sanitize)

    @property
    def expansion(self) -> float:
        """The day's text bytes per byte downloaded."""
        return (self.decoded_bytes or self.csv_bytes) / max(self.zip_bytes, 1)


def extract_day_csv(
    zip_path: Path,
    day: dt.date,
    dest: Path,
    url: str,
    monthly: bool,
    wanted: set[str],
    layout_of: Callable[[str], tuple[str, ...]],
) -> DayCsv:
    """Verify the zip and extract the day's CSV to ``dest``, checking every CRC and the header
    (``layout_of`` names the header's layout or raises :class:`BadArchiveError`). The member is
    the one named in ``wanted``, or the only CSV of a daily (not ``monthly``) zip."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise BadArchiveError(
            f"{url} is not a complete zip ({exc}): the download is truncated or corrupt"
        ) from exc
    with archive:
        csvs = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
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
        if member.flag_bits & 0x1:
            raise BadArchiveError(
                f"{url}: {member.filename} is encrypted (a password is needed): not a file "
                "the source publishes, and not retried"
            )
        digest = hashlib.sha256()
        counter = LineCounter()
        try:
            with archive.open(member) as src, dest.open("wb") as out:
                first = src.readline(64 * 1024)
                layout = layout_of(first.decode("utf-8", "replace"))
                # Inflating (and checking the CRC) in a thread of its own while this one hashes,
                # counts and writes: both release the GIL, so a day takes the longer of the two.
                with contextlib.closing(read_ahead(_chunks(first, src))) as chunks:
                    for chunk in chunks:
                        digest.update(chunk)
                        counter.feed(chunk)
                        out.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
            dest.unlink(missing_ok=True)
            raise BadArchiveError(f"{url}: {member.filename} is corrupt ({exc})") from exc
        except BadArchiveError as exc:
            dest.unlink(missing_ok=True)
            raise type(exc)(f"{url}: {member.filename} is {exc}") from exc
    # Blank lines are counted only where they could be all there is (a few lines).
    if counter.lines < 10_000 and count_data_lines(read_chunks(dest)) == 0:
        dest.unlink(missing_ok=True)
        raise BadArchiveError(
            f"{url}: {member.filename} has a header but no data lines: an empty day is not "
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
        long_lines=counter.long_line,
    )


def read_chunks(path: Path) -> Iterator[bytes]:
    """A local file's bytes in chunks."""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def read_ahead(chunks: Iterator[bytes], depth: int = 4) -> Generator[bytes, None, None]:
    """The items of ``chunks``, produced by a thread of their own up to ``depth`` ahead of the
    consumer; an error the producer meets is raised here, in order. Close the generator (or
    exhaust it) before closing what ``chunks`` reads: closing stops and joins the producer."""
    ready: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        item: bytes | BaseException | None = None
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                _put(ready, chunk, stop)
        except BaseException as exc:  # handed to the consumer, raised there
            item = exc
        _put(ready, item, stop)

    producer = threading.Thread(target=produce, name="aislake-read-ahead", daemon=True)
    producer.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:  # unblock a producer waiting for room
                ready.get_nowait()
        producer.join()


def _put(
    ready: queue.Queue[bytes | BaseException | None],
    item: bytes | BaseException | None,
    stop: threading.Event,
) -> None:
    """Put ``item`` once there is room, unless the consumer has gone (``stop``)."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            ready.put(item, timeout=0.1)
            return


def _chunks(first: bytes, src: IO[bytes]) -> Iterator[bytes]:
    yield first
    while chunk := src.read(CHUNK):
        yield chunk
