"""A scriptable HTTP archive on loopback for download tests: real HTTP, failures on demand."""

from __future__ import annotations

import http.server
import io
import threading
import time
import zipfile
from collections.abc import Iterator

import pytest


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


class Archive:
    """A scriptable HTTP archive: path -> bytes; a path may fail a number of times first."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[int]] = {}
        self.truncate: dict[str, int] = {}
        self.trickle: dict[str, float] = {}  # path -> seconds between single bytes
        self.content_type: dict[str, str] = {}
        self.requests: list[str] = []


@pytest.fixture
def archive() -> Iterator[tuple[Archive, str]]:
    state = Archive()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append(self.path)
            fails = state.failures.get(self.path)
            if fails:
                self.send_error(fails.pop(0))
                return
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            if self.path in state.content_type:
                self.send_header("Content-Type", state.content_type[self.path])
            self.end_headers()
            pause = state.trickle.get(self.path)
            if pause:  # an honest Content-Length, a byte at a time, until the client gives up
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            cut = state.truncate.get(self.path)
            self.wfile.write(body[:cut] if cut else body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
