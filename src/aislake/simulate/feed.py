"""A live NMEA feed on loopback: a file's sentences served over TCP as a shore receiver's
feed sends them, for the receiver's tests and the offline demo.

Each client gets the lines from the start, at ``rate`` lines a second, with the time taken
out of their tag blocks (a live feed's lines carry none: the receiver stamps them) and, on
request, a sequence number in the tag block (``n:``) that tests count lost and doubled lines
by. The server records every line it sent and when.
"""

from __future__ import annotations

import gzip
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from aislake.sources.nmea.sentences import checksum

_TIME = re.compile(rb"(?:,c:\d+(?:\.\d+)?|c:\d+(?:\.\d+)?,?)")


def live_line(line: bytes, number: int | None = None, shift: int | None = None) -> bytes:
    """``line`` as a live feed sends it: its tag block without ``c:`` (dropped when nothing
    else is left), or with ``c:`` moved by ``shift`` seconds (a recording replayed on
    another day); with ``n:<number>`` when ``number`` is given."""
    body = b""
    rest = line
    if line.startswith(b"\\"):
        end = line.find(b"\\", 1)
        if end > 0:
            block = line[1:end].split(b"*", 1)[0]
            if shift is None:
                body = _TIME.sub(b"", block).strip(b",")
            else:
                body = re.sub(
                    rb"(?<![a-z])c:(\d+)", lambda m: b"c:%d" % (int(m.group(1)) + shift), block
                )
            rest = line[end + 1 :]
    if number is not None:
        body = (body + b"," if body else b"") + b"n:%d" % number
    if not body:
        return rest
    return b"\\" + body + b"*" + checksum(body) + b"\\" + rest


def read_lines(path: Path) -> list[bytes]:
    """The non-blank lines of an NMEA file (``.gz`` and ``.zst`` decoded)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    elif path.suffix == ".zst":
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip()]


@dataclass
class FeedServer:
    """Serves ``lines`` to every client that connects to ``port`` (0: any free port)."""

    lines: list[bytes]
    rate: float = 200.0
    loop: bool = False
    numbered: bool = False
    shift: int | None = None  # None: times taken out (the receiver stamps); else moved
    host: str = "127.0.0.1"
    port: int = 0
    sent: list[tuple[float, int]] = field(default_factory=list)  # (time, line index)
    stop: threading.Event = field(default_factory=threading.Event)
    clients: int = 0
    _sock: socket.socket | None = None
    _thread: threading.Thread | None = None
    _position: int = 0  # lines go on from where the last client left (a feed does not rewind)

    def start(self) -> FeedServer:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, self.port))
        self._sock.listen(4)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        if self._thread:
            self._thread.join(5)
        if self._sock:
            self._sock.close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def done(self) -> bool:
        return not self.loop and self._position >= len(self.lines)

    def _serve(self) -> None:
        assert self._sock is not None
        while not self.stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.clients += 1
            with client:
                self._send(client)

    def _send(self, client: socket.socket) -> None:
        interval = 1.0 / self.rate if self.rate > 0 else 0.0
        started = time.monotonic()
        k = 0
        while not self.stop.is_set():
            if self._position >= len(self.lines):
                if not self.loop:
                    # The feed ran out: hold the connection open, quiet, as a live feed does.
                    self.stop.wait(0.1)
                    continue
                self._position = 0
            i = self._position
            line = live_line(self.lines[i], i if self.numbered else None, self.shift)
            try:
                client.sendall(line + b"\r\n")
            except OSError:
                return  # the client went away: the next one gets the lines after this one
            self.sent.append((time.time(), i))
            self._position += 1
            k += 1
            wait = started + k * interval - time.monotonic()
            if wait > 0:
                self.stop.wait(wait)


def replay_file(path: Path, host: str, port: int, rate: float, loop: bool) -> int:
    """Serve ``path`` as a feed on ``host:port`` until it is sent (or forever with ``loop``,
    until interrupted); the lines sent."""
    server = FeedServer(read_lines(path), rate=rate, loop=loop, host=host, port=port).start()
    try:
        while not server.done:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return len(server.sent)


def serve_lines(lines: Iterable[bytes], **kwargs: object) -> FeedServer:
    return FeedServer(list(lines), **kwargs).start()  # type: ignore[arg-type]
