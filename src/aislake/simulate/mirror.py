"""A local stand-in for DMA's archive: simulated daily zips served over HTTP on loopback."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_handler(
    handler: Callable[..., http.server.BaseHTTPRequestHandler], host: str = "127.0.0.1"
) -> Iterator[str]:
    """Serve requests with ``handler`` on a free loopback port, in a thread; yields the base URL
    (ending in ``/``). The server is stopped and closed on leaving."""
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_folder(folder: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free loopback port; yields the base URL."""
    with serve_handler(functools.partial(_QuietHandler, directory=str(folder)), host) as url:
        yield url
