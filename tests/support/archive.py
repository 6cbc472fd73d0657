"""The one scriptable HTTP archive on loopback for every test that downloads: real HTTP, real
files, failures on demand.

An :class:`Archive` serves ``files`` (path -> bytes), then anything under ``folder`` (a
simulated mirror laid out like the real archive, folders as HTML indexes), then ``routes``
(path without query -> a function of the full path, for listings such as Azure's List Blobs).
Per path it can fail a number of times first (``failures``: the statuses, in order), cut the
body (``truncate``), trickle it a byte at a time (``trickle``: seconds per byte) or send it in
16 KiB chunks with a pause after each (``chunk_pause``, read at every chunk so a test can lift
it mid-transfer), and set a content type. ``requests`` lists what was asked; ``began`` is set
when a body starts.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aislake.simulate.mirror import serve_handler

CHUNK = 16_384


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@dataclass
class Archive:
    """What the server answers (see the module's docstring)."""

    files: dict[str, bytes] = field(default_factory=dict)
    folder: Path | None = None
    routes: dict[str, Callable[[str], bytes]] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)
    truncate: dict[str, int] = field(default_factory=dict)
    trickle: dict[str, float] = field(default_factory=dict)  # path -> seconds between bytes
    chunk_pause: dict[str, float] = field(default_factory=dict)  # path -> seconds per 16 KiB
    content_type: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    began: threading.Event = field(default_factory=threading.Event)

    def body(self, path: str) -> bytes | None:
        if path in self.files:
            return self.files[path]
        route = self.routes.get(urllib.parse.urlparse(path).path)
        if route:
            return route(path)
        if self.folder is not None:
            local = (self.folder / urllib.parse.unquote(path).lstrip("/")).resolve()
            if not local.is_relative_to(self.folder.resolve()):
                return None
            if local.is_file():
                return local.read_bytes()
            if local.is_dir():  # an HTML index, as a web server's folder listing
                links = "".join(
                    f'<a href="{e.name}{"/" if e.is_dir() else ""}">{e.name}</a>\n'
                    for e in sorted(local.iterdir())
                )
                return f"<html><body>\n{links}</body></html>\n".encode()
        return None


@contextmanager
def serve(state: Archive) -> Iterator[str]:
    """Serve ``state`` on a free loopback port; the base URL (ending in ``/``)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append(self.path)
            fails = state.failures.get(self.path)
            if fails:
                self.send_error(fails.pop(0))
                return
            body = state.body(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            if self.path in state.content_type:
                self.send_header("Content-Type", state.content_type[self.path])
            self.end_headers()
            state.began.set()
            # The client may give up mid-body: what the slow cases test.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(body)

        def _send(self, body: bytes) -> None:
            pause = state.trickle.get(self.path)
            if pause:  # an honest Content-Length, a byte at a time, until the client gives up
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(pause)
                return
            if self.path in state.chunk_pause:
                for i in range(0, len(body), CHUNK):
                    self.wfile.write(body[i : i + CHUNK])
                    time.sleep(state.chunk_pause.get(self.path, 0))
                return
            cut = state.truncate.get(self.path)
            self.wfile.write(body[:cut] if cut else body)

    with serve_handler(Handler) as url:
        yield url


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A simulated mirror under ``folder``, served as the real archive lays it out."""
    with serve(Archive(folder=folder)) as url:
        yield url


@pytest.fixture
def archive() -> Iterator[tuple[Archive, str]]:
    """An empty :class:`Archive` and its URL; a test fills it."""
    state = Archive()
    with serve(state) as url:
        yield state, url
