"""A question that runs too long is interrupted and answered 503, never a hang.

No real question over a small test lake is reliably slow, so the SQL text of one is swapped for
a query that counts to ten billion (the one stand-in here: DuckDB, the interrupt and the HTTP
server are real)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aislake.map import layers, queries
from aislake.map.queries import MapLake, TooSlow
from aislake.map.server import MapServer
from aislake.storage.store import LocalStore

SLOW = "SELECT count(*) FROM range(10000000000) AS t(i) WHERE i % 7 = 3"


def test_a_slow_question_is_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "sql_text", lambda question: SLOW)
    lake = MapLake(LocalStore(tmp_path), timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(TooSlow, match=r"longer than 0\.3 s: zoom in or pick fewer days"):
        lake.rows("tracks", {}, {})
    assert time.monotonic() - started < 5
    monkeypatch.setattr(queries, "sql_text", lambda question: "SELECT 42 AS answer")
    assert lake.rows("tracks", {}, {}) == [{"answer": 42}]


def test_the_server_answers_503_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "sql_text", lambda question: SLOW)
    monkeypatch.setattr(layers, "days", lambda lake, query: lake.rows("days", {}, {}))
    server = MapServer(MapLake(LocalStore(tmp_path), timeout_s=0.3))
    server.start()
    try:
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server.url + "api/days", timeout=10)
        assert caught.value.code == 503
        assert "longer than 0.3 s" in json.loads(caught.value.read())["error"]
        assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()
