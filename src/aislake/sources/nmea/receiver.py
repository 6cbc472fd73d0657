"""A live AIS receiver: NMEA from a TCP feed (or UDP datagrams) into the lake's bronze.

- **Stamped**: a line without a time gets one, its receive time, as an NMEA 4.0 tag block
  (``\\s:<feed>,c:<unix seconds>*hh\\`` before it; a line whose tag block has no ``c:`` gets
  ``\\c:<unix seconds>*hh\\`` before that block). Lines that carry a time keep theirs.
- **Journaled**: lines are appended to the journal segment of their period
  (``<journal>/<feed>/<YYYYmmddTHHMMSS>.nmea``) and written out at least every
  ``flush_seconds`` (1 s), then fsynced. Only whole lines are ever written: a partial line
  waits in memory for its end.
- **Published in closed chunks**: when a period is over, its segment is compressed and moved
  into the lake at ``bronze/nmea/feed/<feed>/YYYY-MM-DD/HHMMSS.nmea.zst`` atomically, then
  removed from the journal. Publishing is idempotent (the same segment gives the same bytes
  at the same key), so a receiver killed between the two publishes the same chunk again.
- **Recovered**: a receiver killed (``kill -9``) and started again truncates each segment to
  its last whole line (a write cut by the kill), publishes the segments whose period is over,
  and appends to the current one: nothing it flushed is lost, torn or doubled. What it can
  lose is what it had not flushed: at most its last ``flush_seconds`` of lines (and what the
  network held for the dead connection).
- **Reconnecting**: a refused or dropped connection is retried with exponential backoff
  (1 s doubling to 30 s), reset by a connection that delivers data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from aislake.sources.nmea.archive import chunk_key
from aislake.sources.nmea.sentences import checksum
from aislake.storage.store import ObjectStore

log = logging.getLogger(__name__)

MAX_LINE = 4096  # a longer "line" is noise: dropped, never journaled half


def stamp(line: bytes, feed: bytes, now: int) -> bytes:
    """``line`` with its receive time ``now`` as a tag block where it has no time."""
    if line.startswith(b"\\"):
        end = line.find(b"\\", 1)
        block = line[1:end] if end > 0 else b""
        fields = block.split(b"*", 1)[0].split(b",")
        if any(f.startswith(b"c:") for f in fields):
            return line
        body = b"c:%d" % now
    else:
        body = b"s:" + feed + b",c:%d" % now
    return b"\\" + body + b"*" + checksum(body) + b"\\" + line


@dataclass
class Journal:
    """Segments of whole lines, one per period, under ``folder``."""

    folder: Path
    period_seconds: int
    flush_seconds: float = 1.0
    pending: dict[int, list[bytes]] = field(default_factory=dict)  # period start -> lines
    last_flush: float = field(default_factory=time.monotonic)
    written: int = 0  # lines flushed since start

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def segment(self, start: int) -> Path:
        return self.folder / f"{dt.datetime.fromtimestamp(start, dt.UTC):%Y%m%dT%H%M%S}.nmea"

    def period(self, now: float) -> int:
        return int(now) - int(now) % self.period_seconds

    def segments(self) -> list[tuple[int, Path]]:
        """Segments on disk, oldest first, with their period's start."""
        found = []
        for path in self.folder.glob("*.nmea"):
            start = dt.datetime.strptime(path.stem, "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
            found.append((int(start.timestamp()), path))
        return sorted(found)

    def recover(self) -> int:
        """Cut every segment back to its last whole line; the bytes removed."""
        cut = 0
        for _, path in self.segments():
            data = path.read_bytes()
            keep = data.rfind(b"\n") + 1
            if keep < len(data):
                with path.open("r+b") as f:
                    f.truncate(keep)
                    os.fsync(f.fileno())
                cut += len(data) - keep
        return cut

    def append(self, line: bytes, now: float) -> None:
        self.pending.setdefault(self.period(now), []).append(line + b"\n")

    def flush(self, force: bool = False) -> int:
        """Write what waits (at most every ``flush_seconds`` unless ``force``); lines written."""
        now = time.monotonic()
        if not force and now - self.last_flush < self.flush_seconds:
            return 0
        self.last_flush = now
        n = 0
        for start, lines in sorted(self.pending.items()):
            fd = os.open(self.segment(start), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, b"".join(lines))
                os.fsync(fd)
            finally:
                os.close(fd)
            n += len(lines)
        self.pending.clear()
        self.written += n
        return n


def publish_closed(
    journal: Journal, store: ObjectStore, feed: str, now: float, everything: bool = False
) -> list[str]:
    """Publish the segments whose period is over (all of them with ``everything``) as chunks
    in the lake, then remove them; the keys published."""
    published = []
    current = journal.period(now)
    for start, path in journal.segments():
        if start >= current and not everything:
            continue
        data = path.read_bytes()
        if data:
            key = chunk_key(feed, dt.datetime.fromtimestamp(start, dt.UTC))
            tmp = path.with_suffix(".zst.tmp")
            compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
            tmp.write_bytes(compressor.compress(data))
            store.move_in(tmp, key)
            published.append(key)
            log.info("published %s (%d lines)", key, data.count(b"\n"))
        path.unlink()
    return published


@dataclass(frozen=True)
class Endpoint:
    protocol: str  # 'tcp' (connect) or 'udp' (listen)
    host: str
    port: int

    @classmethod
    def parse(cls, protocol: str, text: str) -> Endpoint:
        host, _, port = text.rpartition(":")
        if not port.isdigit():
            raise ValueError(f"{text!r}: expected HOST:PORT (or PORT for UDP)")
        return cls(protocol, host or ("0.0.0.0" if protocol == "udp" else "localhost"), int(port))


@dataclass
class Receiver:
    """Receives a feed into the journal and publishes closed chunks (:meth:`run`)."""

    endpoint: Endpoint
    feed: str
    store: ObjectStore
    journal_dir: Path
    chunk_seconds: int = 3600
    flush_seconds: float = 1.0
    max_backoff: float = 30.0
    clock: Callable[[], float] = time.time
    stop: threading.Event = field(default_factory=threading.Event)
    connections: int = 0
    lines: int = 0

    def __post_init__(self) -> None:
        chunk_key(self.feed, dt.datetime(2024, 1, 1))  # refuse a feed name unfit for a key
        if self.chunk_seconds < 1 or 86400 % self.chunk_seconds:
            raise ValueError(
                f"chunk seconds {self.chunk_seconds}: a divisor of a day (3600: hourly)"
            )
        self.journal = Journal(self.journal_dir / self.feed, self.chunk_seconds, self.flush_seconds)
        self._feed = self.feed.encode()

    def _take(self, data: bytes, carry: bytes) -> bytes:
        """Journal the whole lines of ``carry + data``; what is left of a line."""
        data = carry + data
        *whole, rest = data.split(b"\n")
        now = self.clock()
        for raw in whole:
            line = raw.rstrip(b"\r")
            if line.strip() and len(line) <= MAX_LINE:
                self.journal.append(stamp(line, self._feed, int(now)), now)
                self.lines += 1
        return rest if len(rest) <= MAX_LINE else b""

    def _tick(self) -> None:
        now = self.clock()
        current = self.journal.period(now)
        # A period that ended is written out whole before its chunk is published.
        ended = any(start < current for start in self.journal.pending)
        self.journal.flush(force=ended)
        publish_closed(self.journal, self.store, self.feed, now)

    def run(self) -> None:
        """Receive until :attr:`stop` is set; then flush and publish what is journaled."""
        cut = self.journal.recover()
        if cut:
            log.warning("journal recovered: %d bytes of a line cut by a stop removed", cut)
        publish_closed(self.journal, self.store, self.feed, self.clock())
        try:
            if self.endpoint.protocol == "udp":
                self._run_udp()
            else:
                self._run_tcp()
        finally:
            self.journal.flush(force=True)
            publish_closed(self.journal, self.store, self.feed, self.clock())

    def finish(self) -> None:
        """Publish every segment, the current one too (a receiver retired for good)."""
        self.journal.flush(force=True)
        publish_closed(self.journal, self.store, self.feed, self.clock(), everything=True)

    def _run_tcp(self) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                sock = socket.create_connection((self.endpoint.host, self.endpoint.port), 10)
            except OSError as exc:
                log.warning(
                    "cannot connect to %s:%d (%s); retrying in %.0f s",
                    self.endpoint.host,
                    self.endpoint.port,
                    exc,
                    backoff,
                )
                self._wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            self.connections += 1
            log.info("connected to %s:%d", self.endpoint.host, self.endpoint.port)
            with sock:
                if self._read(sock):
                    backoff = 1.0
            if not self.stop.is_set():
                log.warning(
                    "feed %s:%d closed; reconnecting in %.0f s",
                    self.endpoint.host,
                    self.endpoint.port,
                    backoff,
                )
                self._wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    def _read(self, sock: socket.socket) -> bool:
        """Read until the connection ends or :attr:`stop`; whether any data came."""
        got = False
        carry = b""
        with selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_READ)
            while not self.stop.is_set():
                if sel.select(timeout=min(self.flush_seconds, 0.25)):
                    try:
                        data = sock.recv(1 << 16)
                    except OSError:
                        data = b""
                    if not data:
                        break  # the partial line of a dropped connection is no sentence
                    got = True
                    carry = self._take(data, carry)
                self._tick()
        return got

    def _run_udp(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.endpoint.host, self.endpoint.port))
        self.connections += 1
        with sock, selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_READ)
            while not self.stop.is_set():
                if sel.select(timeout=min(self.flush_seconds, 0.25)):
                    data, _ = sock.recvfrom(1 << 16)
                    self._take(data if data.endswith(b"\n") else data + b"\n", b"")
                self._tick()

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.stop.wait(min(0.25, deadline - time.monotonic()))
            with contextlib.suppress(Exception):
                self._tick()
