"""``aislake map`` over a lake of two simulated days built by real Dagster: its answers over HTTP
(bad requests, a replaced day, S3), and the page in headless Chromium (Debian's, driven by
Playwright from PyPI: no browser download), read back from what is drawn.

Screenshots of each view land in test-artifacts/map-*.png; with AISLAKE_DOCS_SCREENSHOTS=1 in
docs/map/ as well (docs/map.md and the README show them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image

import sysdeps
from aislake.duck.engine import connect
from aislake.map.queries import MapLake
from aislake.map.server import MapServer
from aislake.ops.demo import materialize_day
from aislake.simulate.dmafile import write_dma_zip
from aislake.simulate.mirror import serve_folder
from aislake.storage.layout import gold_prefix
from aislake.storage.store import LocalStore, ObjectStore
from aislake.storage.tables import partition_files, publish
from conftest import REPO, SMALL_FLEET, free_port

pytestmark = [pytest.mark.slow, pytest.mark.ui]
BIN = Path(sys.executable).parent
DAYS = [dt.date(2024, 1, 15), dt.date(2024, 1, 16)]
ARTIFACTS = REPO / "test-artifacts"
DOCS = REPO / "docs" / "map"
DOC_VIEWS = {
    "day",
    "popup",
    "density",
    "search",
    "slider",
    "range",
    "events",
}  # docs/map.md shows them
PASSENGER = (0x15, 0x65, 0xC0)  # map.js: SHIP_COLOURS.Passenger


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two simulated DMA days through bronze, silver and gold on a local lake."""
    root = tmp_path_factory.mktemp("maplake")
    mirror = root / "mirror"
    (root / "work").mkdir()
    for day in DAYS:
        write_dma_zip(day, mirror, replace(SMALL_FLEET, events=True))  # with events at sea
    with serve_folder(mirror) as url:
        env = {
            "AISLAKE_DMA_BASE_URL": url,
            "AISLAKE_LAKE_DIR": str(root / "lake"),
            "AISLAKE_WORKDIR": str(root / "work"),
            "AISLAKE_SOURCES": "dma",
        }
        for day in DAYS:
            assert materialize_day(day, env).success
    return root / "lake"


@pytest.fixture(scope="module")
def map_url(lake_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``aislake map`` itself, on a free loopback port, stopped at the end."""
    port = free_port()
    env = {**os.environ, "AISLAKE_LAKE_DIR": str(lake_dir)}
    env.pop("MINIO_ENDPOINT", None)
    log = tmp_path_factory.mktemp("maplog") / "map.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "aislake"), "map", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "api/days", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"aislake map did not start: {log.read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, log.read_text()  # Ctrl-C is a clean stop


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def rows(store: ObjectStore, product: str, day: dt.date, sql: str) -> list[tuple]:
    from aislake.storage.current import partition_keys

    files = [store.uri(k) for k in partition_keys(store, gold_prefix(product, day))]
    con = connect(store)
    con.execute(f"CREATE VIEW {product} AS SELECT * FROM read_parquet({files!r})")
    return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def ferry(lake_dir: Path) -> dict[str, Any]:
    """The first day's longest ferry track (a passenger ship), and a point half way along the
    longest straight leg of it (away from ports, where no other track runs)."""
    store = LocalStore(lake_dir)
    (row,) = rows(
        store,
        "vessel_registry",
        DAYS[0],
        "SELECT mmsi, name FROM vessel_registry WHERE ship_type = 'Passenger' "
        "ORDER BY mmsi LIMIT 1",
    )
    mmsi, name = row
    ((wkt,),) = rows(
        store,
        "vessel_tracks",
        DAYS[0],
        f"SELECT geometry_wkt FROM vessel_tracks WHERE mmsi = {mmsi} ORDER BY points DESC LIMIT 1",
    )
    points = [tuple(map(float, p.split())) for p in wkt[wkt.index("(") + 1 : -1].split(", ")]
    a, b = max(
        itertools.pairwise(points),
        key=lambda ab: abs(ab[0][0] - ab[1][0]) + abs(ab[0][1] - ab[1][1]),
    )
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return {
        "mmsi": mmsi,
        "name": name,
        "lon": (a[0] + b[0]) / 2,
        "lat": (a[1] + b[1]) / 2,
        "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]],
    }


# -- the answers over HTTP -------------------------------------------------------------------


def test_days_and_layers_answer_as_geojson(map_url: str, ferry: dict[str, Any]) -> None:
    status, days = get(map_url + "api/days")
    assert status == 200 and days == {"days": [d.isoformat() for d in DAYS]}
    view = "day=2024-01-15&bbox=7,54,13,58&zoom=7"
    status, tracks = get(f"{map_url}api/layer/tracks?{view}")
    assert status == 200 and tracks["type"] == "FeatureCollection" and not tracks["truncated"]
    mine = [f for f in tracks["features"] if f["properties"]["mmsi"] == ferry["mmsi"]]
    assert mine and all(f["properties"]["ship_type"] == "Passenger" for f in mine)
    assert all(f["properties"]["day"] == "2024-01-15" for f in tracks["features"])
    for name in ("port_visits", "ais_gaps", "anchorages", "traffic_density", "events"):
        status, layer = get(f"{map_url}api/layer/{name}?{view}")
        assert status == 200 and layer["features"], name
    status, vessel = get(f"{map_url}api/vessel/{ferry['mmsi']}?day=2024-01-15")
    assert status == 200 and vessel["name"] == ferry["name"] and vessel["distance_nm"] > 0
    assert vessel["visits"] and {"port", "arrival", "departure"} <= set(vessel["visits"][0])
    status, found = get(f"{map_url}api/search?q={ferry['name'][:4].lower()}&day=2024-01-15")
    assert status == 200 and ferry["mmsi"] in [v["mmsi"] for v in found]
    status, ships = get(f"{map_url}api/ships?at=2024-01-15T12:00&bbox=7,54,13,58&zoom=7")
    assert status == 200 and ships["features"]
    assert all(len(f["properties"]["trail"]) >= 1 for f in ships["features"])


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (
            "api/layer/tracks?day=2024-02-01&bbox=7,54,13,58&zoom=7",
            404,
            "no vessel_tracks for 2024-02-01",
        ),
        ("api/layer/tracks?day=2024-01-15&bbox=7,54,193,58&zoom=7", 400, "out of range"),
        ("api/layer/tracks?day=2024-01-01&to=2024-12-31&bbox=7,54,13,58&zoom=7", 400, "366 days"),
        ("api/layer/rivers?day=2024-01-15&bbox=7,54,13,58&zoom=7", 404, "no layer 'rivers'"),
        ("api/vessel/123?day=2024-01-15", 404, "no vessel 123"),
        ("api/vessel/abc?day=2024-01-15", 400, "an MMSI is a number"),
        ("api/search?q=x&day=2024-01-15", 400, "2 to 64 characters"),
        ("api/ships?at=noon&bbox=7,54,13,58&zoom=7", 400, "YYYY-MM-DDTHH:MM"),
        ("api/what", 404, "no such request"),
    ],
)
def test_a_bad_request_gets_a_clear_answer_at_once(
    map_url: str, path: str, status: int, message: str
) -> None:
    started = time.monotonic()
    got, body = get(map_url + path)
    assert (got, message in body["error"]) == (status, True), body
    assert time.monotonic() - started < 5


def test_a_replaced_day_is_never_served_stale(lake_dir: Path, tmp_path: Path) -> None:
    """A day republished without the ferry (a new version, through the publishing protocol) is
    answered afresh by the same server; the old answer stays cached under the old files."""
    store = LocalStore(lake_dir)
    server = MapServer(MapLake(store))
    server.start()
    try:
        view = f"{server.url}api/layer/tracks?day=2024-01-16&bbox=7,54,13,58&zoom=7"
        _, before = get(view)
        mmsi = before["features"][0]["properties"]["mmsi"]
        prefix = gold_prefix("vessel_tracks", DAYS[1])
        keys = partition_files(store, prefix)
        staged = tmp_path / "part-0.parquet"
        duckdb.sql(
            f"COPY (SELECT * FROM read_parquet({[store.uri(k) for k in keys]!r}) "
            f"WHERE mmsi <> {mmsi}) TO '{staged}' (FORMAT parquet)"
        )
        store.put_file(staged, "staging/map-test/part-0.parquet")
        publish(store, {prefix: "staging/map-test/"})
        _, after = get(view)
        assert mmsi not in {f["properties"]["mmsi"] for f in after["features"]}
        assert len(after["features"]) == len(before["features"]) - sum(
            f["properties"]["mmsi"] == mmsi for f in before["features"]
        )
    finally:
        server.shutdown()
        server.server_close()


def test_the_map_reads_a_lake_on_s3(lake_dir: Path, s3_store: ObjectStore) -> None:
    """The same lake copied key for key into an S3 bucket (moto over HTTP): the same answers."""
    for path in lake_dir.rglob("*"):
        if path.is_file() and "gold" in path.parts:  # the tables, their logs included
            s3_store.put_file(path, path.relative_to(lake_dir).as_posix())
    local, s3 = MapServer(MapLake(LocalStore(lake_dir))), MapServer(MapLake(s3_store))
    for server in (local, s3):
        server.start()
    try:
        for path in (
            "api/days",
            "api/layer/tracks?day=2024-01-15&bbox=7,54,13,58&zoom=7",
            "api/layer/port_visits?day=2024-01-15&to=2024-01-16&bbox=7,54,13,58&zoom=7",
        ):
            assert get(s3.url + path) == get(local.url + path)
    finally:
        for server in (local, s3):
            server.shutdown()
            server.server_close()


# -- the page in Chromium ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(map_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = sysdeps.chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=sysdeps.CHROMIUM_FLAGS,
        )
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(map_url)
        settle(page)
        yield page
        browser.close()
    assert not errors, errors


def settle(page: Any) -> None:
    """Wait until every request the page made is answered and drawn."""
    page.wait_for_function(
        "window.aislake && window.aislake.loaded && window.aislake.busy === 0", timeout=30_000
    )
    page.wait_for_timeout(300)  # Leaflet draws on the next animation frame


def shot(page: Any, name: str) -> Image.Image:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"map-{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("AISLAKE_DOCS_SCREENSHOTS") == "1" and name in DOC_VIEWS:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / f"{name}.png")
    return Image.open(path).convert("RGB")


def near(
    image: Image.Image, x: float, y: float, colour: tuple[int, int, int], radius: int = 3
) -> bool:
    """Some pixel within ``radius`` of (x, y) has ``colour`` (give or take antialiasing)."""
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            pixel = image.getpixel((round(x) + dx, round(y) + dy))
            if sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) < 40:
                return True
    return False


def pixel_of(page: Any, lat: float, lon: float) -> tuple[float, float]:
    """Where a position is drawn on the page (CSS pixels = screenshot pixels)."""
    return page.evaluate(
        """([lat, lon]) => {
            const m = window.aislake.map, p = m.latLngToContainerPoint([lat, lon]);
            const box = m.getContainer().getBoundingClientRect();
            return [p.x + box.left, p.y + box.top];
        }""",
        [lat, lon],
    )


def show(page: Any, bounds: list[list[float]]) -> None:
    page.evaluate(
        "(b) => window.aislake.map.fitBounds(b, {padding: [80, 80], animate: false})", bounds
    )
    settle(page)


def test_the_page_draws_the_day_on_land_and_sea(page: Any) -> None:
    state = page.evaluate("({counts: window.aislake.counts, errors: window.aislake.errors})")
    assert state["errors"] == []
    assert {"tracks", "port_visits", "ais_gaps", "anchorages"} <= set(state["counts"])
    assert state["counts"]["tracks"] > 0
    assert page.locator("#day").input_value() == "2024-01-16"  # the latest day first
    image = shot(page, "day")
    colours = {colour for _, colour in image.getcolors(image.width * image.height)}
    sea, land = (0xA9, 0xCB, 0xE0), (0xEF, 0xE9, 0xDC)  # map.css, map.js
    assert sea in colours and land in colours  # the offline basemap: land on the sea
    legend = page.locator("#legend").inner_text()
    assert "Passenger" in legend and "gap" in legend


def test_a_ferry_track_is_drawn_and_clicked(page: Any, ferry: dict[str, Any]) -> None:
    page.select_option("#day", "2024-01-15")
    settle(page)
    show(page, ferry["bounds"])
    x, y = pixel_of(page, ferry["lat"], ferry["lon"])
    assert near(shot(page, "ferry"), x, y, PASSENGER), (
        "no passenger-blue pixel on the ferry's track"
    )
    page.mouse.click(x, y)
    popup = page.locator(".vessel-popup")
    popup.wait_for()
    page.wait_for_function(
        "!document.querySelector('.vessel-popup').textContent.includes('loading')"
    )
    text = popup.inner_text()
    assert ferry["name"] in text and str(ferry["mmsi"]) in text and "Passenger" in text
    assert " nm" in text and "port visit" in text
    page.wait_for_timeout(400)  # the popup fades in
    shot(page, "popup")
    page.evaluate("window.aislake.map.closePopup()")


def test_layers_toggle(page: Any, ferry: dict[str, Any]) -> None:
    show(page, ferry["bounds"])
    x, y = pixel_of(page, ferry["lat"], ferry["lon"])
    page.get_by_label("Tracks").uncheck()
    settle(page)
    assert not near(shot(page, "no-tracks"), x, y, PASSENGER)
    page.get_by_label("Tracks").check()
    settle(page)
    assert near(shot(page, "tracks-again"), x, y, PASSENGER)

    page.evaluate("window.aislake.map.setZoom(7, {animate: false})")
    settle(page)
    before = shot(page, "before-density")
    page.get_by_label("Density (vessel hours per km² a day)").check()
    settle(page)
    after = shot(page, "density")
    assert page.evaluate("window.aislake.counts.traffic_density") > 0
    ramp = [(0xFD, 0xE7, 0x25), (0x7A, 0xD1, 0x51), (0x22, 0xA8, 0x84), (0x2A, 0x78, 0x8E)]

    def coloured(image: Image.Image) -> int:
        return sum(
            n
            for n, p in image.getcolors(image.width * image.height)
            if any(sum(abs(a - b) for a, b in zip(p, c, strict=True)) < 60 for c in ramp)
        )

    assert coloured(after) > coloured(before) + 50
    assert "vessel hours per km² a day" in page.locator("#legend").inner_text()
    page.get_by_label("Density (vessel hours per km² a day)").uncheck()
    settle(page)

    dashed = page.evaluate(
        "document.querySelectorAll('.leaflet-gaps-pane path[stroke-dasharray]').length"
    )
    assert dashed == page.evaluate("window.aislake.counts.ais_gaps") > 0
    page.get_by_label("Gaps (went silent → reappeared)").uncheck()
    settle(page)
    assert page.evaluate("document.querySelectorAll('.leaflet-gaps-pane path').length") == 0
    page.get_by_label("Gaps (went silent → reappeared)").check()
    settle(page)


def test_search_flies_to_a_vessel(page: Any, ferry: dict[str, Any]) -> None:
    page.evaluate("window.aislake.map.setView([56, 11], 5, {animate: false})")
    settle(page)
    page.fill("#search", ferry["name"].lower())
    page.locator("#results li", has_text=str(ferry["mmsi"])).click()
    popup = page.locator(".vessel-popup")
    popup.wait_for()
    page.wait_for_function(
        "!document.querySelector('.vessel-popup').textContent.includes('loading')"
    )
    settle(page)
    assert ferry["name"] in popup.inner_text()
    centre = page.evaluate(
        "(() => { const c = window.aislake.map.getCenter(); return [c.lat, c.lng]; })()"
    )
    (lat0, lon0), (lat1, lon1) = ferry["bounds"]
    assert lat0 - 0.05 <= centre[0] <= lat1 + 0.05 and lon0 - 0.05 <= centre[1] <= lon1 + 0.05
    assert page.evaluate("window.aislake.map.getZoom()") >= 8
    page.wait_for_timeout(400)
    shot(page, "search")
    page.evaluate("window.aislake.map.closePopup()")


def test_the_time_slider_plays_the_day(page: Any) -> None:
    page.evaluate("window.aislake.map.setView([55.6, 11.2], 7, {animate: false})")
    settle(page)
    page.evaluate(
        "(() => { const s = document.getElementById('time'); s.value = '600';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    page.wait_for_function("window.aislake.frame && window.aislake.frame.endsWith('T10:00')")
    settle(page)
    assert page.locator("#clock").inner_text() == "10:00 UTC"
    assert page.evaluate("window.aislake.counts.ships") > 0
    assert page.evaluate("document.querySelectorAll('.leaflet-ships-pane path').length") > 0
    shot(page, "slider")
    page.click("#play")
    page.wait_for_function("Number(document.getElementById('time').value) >= 640", timeout=20_000)
    page.click("#play")
    settle(page)
    assert page.evaluate("window.aislake.playing") is False


def test_events_are_drawn_and_told(page: Any, map_url: str) -> None:
    """The planted crossing (simulate/events.py) is a close-quarters marker whose popup gives
    its CPA; the layer draws every event the lake holds for the day in view."""
    from aislake.simulate.events import CROSSING_AT

    _, events = get(f"{map_url}api/layer/events?day=2024-01-15&bbox=3,53,17,59&zoom=6")
    kinds = sorted(f["properties"]["kind"] for f in events["features"])
    assert kinds.count("encounter") == 1 and kinds.count("loitering") == 3
    crossing = min(
        (f for f in events["features"] if f["properties"]["kind"] == "close_quarters"),
        key=lambda f: (
            abs(f["properties"]["lat"] - CROSSING_AT[0])
            + abs(f["properties"]["lon"] - CROSSING_AT[1])
        ),
    )
    lon, lat = crossing["geometry"]["coordinates"]
    page.select_option("#day", "2024-01-15")
    page.select_option("#to", "")
    page.evaluate(f"window.aislake.map.setView([{lat}, {lon}], 9, {{animate: false}})")
    page.get_by_label("Events (loitering, encounters, close quarters)").check()
    settle(page)
    assert page.evaluate("window.aislake.counts.events") >= 1
    assert "close quarters" in page.locator("#legend").inner_text()
    x, y = pixel_of(page, lat, lon)
    page.mouse.click(x, y)
    popup = page.locator(".event-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert (
        "Close quarters" in text
        and "CPA 0.3" in text
        and str(crossing["properties"]["vessels"]) in text
    )
    page.wait_for_timeout(400)
    shot(page, "events")
    page.evaluate("window.aislake.map.closePopup()")
    page.get_by_label("Events (loitering, encounters, close quarters)").uncheck()
    settle(page)


def test_switching_days(page: Any) -> None:
    page.get_by_label("Ships at the slider's time").uncheck()
    page.evaluate("window.aislake.map.setView([56, 11], 6, {animate: false})")
    settle(page)
    page.select_option("#day", "2024-01-16")
    settle(page)
    assert "2024-01-16" in page.locator("#status").inner_text()
    assert "day=2024-01-16" in page.evaluate("location.hash")
    days = page.evaluate(
        "(() => { const d = new Set(); window.aislake.layers.tracks.eachLayer("
        "(l) => d.add(l.feature.properties.day)); return [...d]; })()"
    )
    assert days == ["2024-01-16"]
    page.select_option("#to", "")
    page.select_option("#day", "2024-01-15")
    page.select_option("#to", "2024-01-16")
    settle(page)
    assert "2024-01-15 to 2024-01-16" in page.locator("#status").inner_text()
    days = page.evaluate(
        "(() => { const d = new Set(); window.aislake.layers.tracks.eachLayer("
        "(l) => d.add(l.feature.properties.day)); return [...d].sort(); })()"
    )
    assert days == ["2024-01-15", "2024-01-16"]
    shot(page, "range")
