"""The density heatmap over land: the projection, the land drawn where it is, labels that do not
overlap, the legend in its unit per km2."""

from __future__ import annotations

import io

import duckdb
import numpy as np
import pytest
from PIL import Image

from aislake.duck.engine import load_spatial
from aislake.gold.heatmap import (
    BACKGROUND,
    LAND,
    LEGEND_HEIGHT,
    laea_3035,
    land_shapes,
    place_labels,
    render_heatmap,
)

POINTS = [(12.6, 56.03), (-75.0, 36.9), (10.0, 52.0), (24.9, 60.2), (-9.1, 38.7)]


def test_the_projection_agrees_with_duckdb_spatial() -> None:
    con = duckdb.connect()
    load_spatial(con)
    mine = laea_3035(np.array([p[0] for p in POINTS]), np.array([p[1] for p in POINTS]))
    for (lon, lat), (x, y) in zip(POINTS, mine, strict=True):
        dx, dy = con.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point($lon, $lat), "
            "'EPSG:4326', 'EPSG:3035', always_xy := true) AS p)",
            {"lon": lon, "lat": lat},
        ).fetchone()  # type: ignore[misc]
        assert (x, y) == pytest.approx((dx, dy), abs=0.001)


def test_labels_of_ports_side_by_side_do_not_overlap() -> None:
    """Helsingør and Helsingborg, 4 km apart: drawn one over the other before."""

    def size(text: str) -> tuple[float, float]:
        return 7.0 * len(text), 14.0

    points = [("Helsingborg", 400.0, 300.0), ("Helsingør", 396.0, 302.0), ("Edge", 880.0, 300.0)]
    placed = place_labels(points, size, 900, 600)
    boxes = [(x, y, x + size(n)[0], y + size(n)[1]) for n, x, y in placed]
    assert [n for n, _, _ in placed] == ["Helsingborg", "Helsingør", "Edge"]
    assert placed[2][1] < 880  # no room on its right: on its left
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[2] <= 900 and a[1] >= 0 and a[3] <= 600
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _cell(lon: float, lat: float) -> tuple[int, int]:
    ((x, y),) = laea_3035(np.array([lon]), np.array([lat]))
    return int(y // 1000), int(x // 1000)


def test_land_is_drawn_where_it_is_under_the_traffic() -> None:
    """Cells at the corners of the Danish straits; Zealand's interior is drawn as land, the
    Kattegat as sea, and the legend's bar runs from the scale's low colour to its high one."""
    corners = [_cell(9.0, 54.5), _cell(13.5, 57.5)]
    cells = [(*corners[0], 0.5), (*corners[1], 20.0)]
    con = duckdb.connect()
    land = land_shapes(con, cells, 1000)
    assert land  # Denmark, Sweden, Germany
    png = render_heatmap(cells, 1000, "t", "vessel hours", land=land)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    x0 = min(c[1] for c in cells) - 2
    y1 = max(c[0] for c in cells) + 2
    cell_px = image.width / (max(c[1] for c in cells) + 2 - x0 + 1)

    def at(lon: float, lat: float) -> tuple[int, int, int]:
        cy, cx = _cell(lon, lat)
        return image.getpixel((int((cx - x0 + 0.5) * cell_px), int((y1 - cy + 0.5) * cell_px)))

    assert at(11.75, 55.45) == LAND  # Zealand, near Ringsted
    assert at(9.3, 56.2) == LAND  # Jutland, near Silkeborg
    assert at(11.6, 56.6) == BACKGROUND  # the Kattegat
    bar = image.height - LEGEND_HEIGHT + 27
    low, high = image.getpixel((6, bar)), image.getpixel((305, bar))
    assert low == pytest.approx((16, 30, 68), abs=2)  # the scale's bottom colour
    assert high == pytest.approx((240, 60, 40), abs=2)  # its top
