"""Where a day of raw NMEA comes from, and how it becomes the day's bronze file.

Two ways in, either or both:

- **A mirror of daily logs** (``AISLAKE_NMEA_BASE_URL``, ``file://`` or ``http(s)://``): one
  file a day, ``YYYY-MM-DD.nmea``, ``.nmea.gz`` or ``.nmea.zst``, fetched with the shared
  downloader (retries, minimum rate, HTML pages refused) and verified whole (a gzip or zstd
  stream decoded to its end).
- **Live feeds**: ``aislake receive`` publishes closed chunks into the lake itself,
  ``bronze/nmea/feed/<feed>/YYYY-MM-DD/HHMMSS.nmea.zst`` (each a complete zstd stream of whole
  lines, stamped with their receive time; ``aislake.sources.nmea.receiver``).

The day's bronze is ``bronze/nmea/nmea-YYYY-MM-DD.nmea.zst``: the mirror's log (recompressed
when it was not zstd) followed by every closed chunk of the day in order, byte for byte (zstd
streams concatenate). Its version is the chunks it holds: as a feed's hours close, the day is
published again (and judged by silver, like any re-fetch) until the day is over.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

from aislake.bronze.lines import LineCounter
from aislake.bronze.zstd import ZstdDataError, decode
from aislake.sources.fetch import (
    BadArchiveError,
    DayCsv,
    DayNotPublishedError,
    NotFoundError,
    RetryPolicy,
    SourceError,
    fetch,
    read_chunks,
)
from aislake.storage.store import ObjectStore

FEED_PREFIX = "bronze/nmea/feed/"
MIRROR_SUFFIXES = (".nmea.zst", ".nmea.gz", ".nmea")
_CHUNK_RE = re.compile(r"^bronze/nmea/feed/([^/]+)/(\d{4}-\d{2}-\d{2})/(\d{6})\.nmea\.zst$")
_DAY_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.nmea(?:\.gz|\.zst)?(?=$|[\"'<])")


def chunk_key(feed: str, start: dt.datetime) -> str:
    """Where the receiver of ``feed`` publishes its chunk starting at ``start`` (UTC)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", feed):
        raise ValueError(f"feed name {feed!r}: letters, digits, '.', '_' and '-' only")
    return f"{FEED_PREFIX}{feed}/{start:%Y-%m-%d}/{start:%H%M%S}.nmea.zst"


@dataclass(frozen=True)
class Chunk:
    key: str
    feed: str
    day: dt.date


def feed_chunks(lake: ObjectStore) -> list[Chunk]:
    """Every closed chunk the receivers published, in key order (feed, day, time)."""
    chunks = []
    for key in lake.list_keys(FEED_PREFIX):
        found = _CHUNK_RE.match(key)
        if found:
            chunks.append(Chunk(key, found.group(1), dt.date.fromisoformat(found.group(2))))
    return chunks


def day_chunks(lake: ObjectStore, day: dt.date) -> list[str]:
    """The day's closed chunks, every feed's, in order."""
    return [c.key for c in feed_chunks(lake) if c.day == day]


def _mirror_url(base_url: str, name: str) -> str:
    return base_url.rstrip("/") + "/" + name


def _fetch_log(
    base_url: str, day: dt.date, workdir: Path, retry: RetryPolicy, log: Callable[[str], None]
) -> tuple[Path, str] | None:
    """The mirror's file of ``day`` in ``workdir`` and its URL; None when it has none."""
    for suffix in MIRROR_SUFFIXES:
        name = f"{day.isoformat()}{suffix}"
        url = _mirror_url(base_url, name)
        part = workdir / (name + ".part")
        try:
            fetch(url, part, retry, on_log=log)
        except NotFoundError:
            part.unlink(missing_ok=True)
            continue
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return part, url
    return None


def _log_text(path: Path, url: str) -> Iterator[bytes]:
    """The decoded text of a mirror's file, verified to its end."""
    if url.endswith(".zst"):
        yield from decode(read_chunks(path), url)
    elif url.endswith(".gz"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            for chunk in read_chunks(path):
                yield inflater.decompress(chunk)
                while inflater.eof and inflater.unused_data:  # concatenated members
                    rest = inflater.unused_data
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    yield inflater.decompress(rest)
            yield inflater.flush()
        except zlib.error as exc:
            raise BadArchiveError(f"{url} is not valid gzip data ({exc})") from exc
        if not inflater.eof:
            raise BadArchiveError(f"{url} ends inside a gzip stream: truncated or corrupt")
    else:
        yield from read_chunks(path)


def assemble_day(
    day: dt.date,
    dest: Path,
    log_file: tuple[Path, str] | None,
    lake: ObjectStore | None,
    chunks: list[str],
) -> DayCsv:
    """Write the day's bronze file ``dest``: the log's text (zstd) and the chunks, verified
    (every chunk decoded to its end), their lines counted and the result hashed."""
    counter = LineCounter()
    digest = hashlib.sha256()
    decoded = 0
    downloaded = 0
    compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
    with dest.open("wb") as out:

        def write(data: bytes) -> None:
            digest.update(data)
            out.write(data)

        def text_ends_a_line(last: bytes) -> None:
            if last and not last.endswith(b"\n"):  # the next piece starts a line of its own
                counter.feed(b"\n")
                write(compressor.compress(b"\n"))

        if log_file is not None:
            path, url = log_file
            downloaded += path.stat().st_size
            writer = compressor.compressobj()
            last = b""
            try:
                for text in _log_text(path, url):
                    counter.feed(text)
                    decoded += len(text)
                    last = text[-1:] or last
                    write(writer.compress(text))
            except ZstdDataError as exc:
                raise BadArchiveError(str(exc)) from exc
            write(writer.flush())
            text_ends_a_line(last)
        for key in chunks:
            assert lake is not None
            raw = b"".join(lake.iter_bytes(key))
            downloaded += len(raw)
            last = b""
            try:
                for text in decode([raw], key):
                    counter.feed(text)
                    decoded += len(text)
                    last = text[-1:] or last
            except ZstdDataError as exc:
                raise BadArchiveError(f"feed chunk {key}: {exc}") from exc
            write(raw)
            text_ends_a_line(last)
    if counter.newlines == 0 and decoded == 0:
        raise BadArchiveError(f"the NMEA of {day} is empty: an empty day is not published")
    sources = ([log_file[1]] if log_file else []) + [f"lake:{k}" for k in chunks]
    return DayCsv(
        day=day,
        path=dest,
        url=sources[0] if len(sources) == 1 else f"{sources[0]} (+{len(sources) - 1} more)",
        member=dest.name,
        zip_bytes=downloaded,
        csv_bytes=dest.stat().st_size,
        rows=counter.lines + 1,  # every line: an NMEA log has no header
        sha256=digest.hexdigest(),
        layout_columns=0,
        decoded_bytes=decoded,
        long_lines=counter.long_line,
    )


def download_day(
    base_url: str | None,
    day: dt.date,
    workdir: Path,
    retry: RetryPolicy,
    log: Callable[[str], None],
    lake: ObjectStore | None,
) -> DayCsv:
    """The day's NMEA from the mirror (if configured) and the feeds' closed chunks in
    ``lake``, as one verified zstd file for bronze; :class:`DayNotPublishedError` when there
    is neither."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_file = _fetch_log(base_url, day, workdir, retry, log) if base_url else None
    chunks = day_chunks(lake, day) if lake is not None else []
    if log_file is None and not chunks:
        where = f"{base_url} has no {day}.nmea[.gz|.zst]" if base_url else "no mirror is set"
        raise DayNotPublishedError(
            f"no NMEA for {day}: {where} (AISLAKE_NMEA_BASE_URL), and no receiver has "
            f"published a chunk of it under {FEED_PREFIX} (aislake receive)"
        )
    dest = workdir / f"nmea-{day.isoformat()}.nmea.zst"
    try:
        return assemble_day(day, dest, log_file, lake, chunks)
    finally:
        if log_file:
            log_file[0].unlink(missing_ok=True)


def mirror_days(base_url: str, timeout: float = 60) -> list[dt.date]:
    """The days a mirror lists: every file of a ``file://`` folder, or an HTTP index's links."""
    if base_url.startswith("file:"):
        root = Path(urllib.parse.urlparse(base_url).path)
        names = [p.name for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
    else:
        try:
            with urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=timeout) as response:
                names = re.findall(r'href="([^"]+)"', response.read().decode("utf-8", "replace"))
        except OSError as exc:
            raise SourceError(f"cannot list the NMEA mirror {base_url} ({exc})") from exc
    days = set()
    for name in names:
        for y, m, d in _DAY_RE.findall(name.rsplit("/", 1)[-1]):
            try:
                days.add(dt.date(int(y), int(m), int(d)))
            except ValueError:
                continue
    return sorted(days)


def published_days(base_url: str | None, lake: ObjectStore | None) -> dict[dt.date, str]:
    """Days with NMEA, each with its version: '' for a mirror's day, and for a day with
    feed chunks their count and the last one (a new chunk, a new version)."""
    days: dict[dt.date, str] = {d: "" for d in (mirror_days(base_url) if base_url else [])}
    by_day: dict[dt.date, list[str]] = {}
    for chunk in feed_chunks(lake) if lake is not None else []:
        by_day.setdefault(chunk.day, []).append(chunk.key)
    for day, keys in by_day.items():
        newest = max(k.rsplit("/", 3)[-3] + "/" + k.rsplit("/", 1)[-1] for k in keys)
        days[day] = f"{len(keys)} chunks, last {newest}"
    return dict(sorted(days.items()))


def gzip_text(text: bytes, dest: Path) -> None:
    """Write ``text`` gzip-compressed (tests and the simulator make mirrors with it)."""
    with gzip.open(dest, "wb") as out:
        out.write(text)
