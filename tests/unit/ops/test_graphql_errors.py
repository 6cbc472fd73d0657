"""What `aislake backfill` says when the Dagster webserver answers with an error: what the
webserver said (a refused title, an exception), not that it cannot be reached. A real HTTP
server on loopback answers as Dagster's does (HTTP 500 with a JSON body)."""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator

import pytest

from aislake.ops.graphql import DagsterApiError, DagsterWebserver
from aislake.simulate.mirror import serve_handler

SAID = {"data": {"launchPartitionBackfill": {"__typename": "PythonError", "message": "no '*'"}}}


@pytest.fixture
def failing_webserver() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps(SAID).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        yield url


def test_an_error_answer_is_reported_with_what_the_webserver_said(failing_webserver: str) -> None:
    with pytest.raises(DagsterApiError, match=r"answered HTTP 500: .*PythonError.*no '\*'") as e:
        DagsterWebserver(failing_webserver).launch_backfill({"dma_ais_silver": None}, "title")
    assert "cannot reach" not in str(e.value)
