"""``aislake map``'s web server: the page and its scripts (``static/``), and the map's answers
as JSON (``layers``), on the standard library's threading HTTP server, on loopback by default.

Every answer is JSON; a bad request gets status 400, something the lake has not built 404, a
question that ran too long 503, each with ``{"error": "..."}`` saying what to do: never a hang.
Answers carry an ETag (a digest of the body: the files read are part of what it was computed
from) and ``Cache-Control: no-cache``, so a browser asks again and gets 304 while nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aislake.map import layers
from aislake.map.queries import MapLake, TooSlow
from aislake.map.view import BadRequest, NotBuilt

STATIC = Path(__file__).with_name("static")
log = logging.getLogger(__name__)
Route = Callable[[MapLake, dict[str, list[str]], re.Match[str]], bytes]
ROUTES: list[tuple[re.Pattern[str], Route]] = [
    (re.compile(r"/api/days"), lambda lake, q, m: layers.days(lake, q)),
    (re.compile(r"/api/layer/(\w+)"), lambda lake, q, m: layers.layer(lake, m[1], q)),
    (re.compile(r"/api/ships"), lambda lake, q, m: layers.ships(lake, q)),
    (re.compile(r"/api/vessel/([^/]+)"), lambda lake, q, m: layers.vessel(lake, m[1], q)),
    (re.compile(r"/api/search"), lambda lake, q, m: layers.search(lake, q)),
    (re.compile(r"/api/land"), lambda lake, q, m: layers.land(lake, q)),
]
ERRORS: list[tuple[type[Exception], HTTPStatus]] = [
    (BadRequest, HTTPStatus.BAD_REQUEST),
    (NotBuilt, HTTPStatus.NOT_FOUND),
    (TooSlow, HTTPStatus.SERVICE_UNAVAILABLE),
]


class MapHandler(BaseHTTPRequestHandler):
    server: MapServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path.startswith("/api/"):
            self._api(url.path, parse_qs(url.query))
        else:
            self._static(url.path)

    def _api(self, path: str, query: dict[str, list[str]]) -> None:
        for pattern, route in ROUTES:
            match = pattern.fullmatch(path)
            if match:
                try:
                    body = route(self.server.lake, query, match)
                except Exception as exc:  # every failure answers, as JSON, with its reason
                    status = next(
                        (s for kind, s in ERRORS if isinstance(exc, kind)),
                        HTTPStatus.INTERNAL_SERVER_ERROR,
                    )
                    if status == HTTPStatus.INTERNAL_SERVER_ERROR:
                        log.exception("map request %s failed", path)
                    self._json_error(status, str(exc) or type(exc).__name__)
                    return
                self._send(HTTPStatus.OK, body, "application/json", etag=True)
                return
        self._json_error(HTTPStatus.NOT_FOUND, f"no such request: {path}")

    def _static(self, path: str) -> None:
        name = "index.html" if path in ("", "/") else path.lstrip("/")
        file = (STATIC / name).resolve()
        if not file.is_relative_to(STATIC.resolve()) or not file.is_file():
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, file.read_bytes(), kind, etag=True)

    def _json_error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, kind: str, etag: bool = False) -> None:
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"' if etag else None
        if tag and self.headers.get("If-None-Match") == tag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if "json" in kind else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        if tag:
            self.send_header("ETag", tag)
        self.end_headers()
        self.wfile.write(body)


class MapServer(ThreadingHTTPServer):
    """The map over ``lake`` on ``host``:``port`` (0: a free port; :attr:`url` says which)."""

    daemon_threads = True

    def __init__(self, lake: MapLake, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lake = lake
        super().__init__((host, port), MapHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> threading.Thread:
        """Serve on a thread of its own (tests); stop with :meth:`shutdown`."""
        thread = threading.Thread(target=self.serve_forever, name="aislake-map", daemon=True)
        thread.start()
        return thread
