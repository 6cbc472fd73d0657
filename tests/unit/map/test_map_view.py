"""The map's request checks and its basemap geometry, as plain functions."""

from __future__ import annotations

import datetime as dt

import pytest

from aislake.map.basemap import clip_ring, land_geojson, thin
from aislake.map.view import (
    MAX_DAYS,
    BadRequest,
    View,
    degrees_per_pixel,
    density_cells,
    parse_box,
    snap_box,
)


def test_a_view_is_the_days_the_snapped_box_and_the_zoom() -> None:
    view = View.from_query(
        {
            "day": ["2024-01-15"],
            "to": ["2024-01-16"],
            "bbox": ["10.1,55.2,11.3,55.9"],
            "zoom": ["8"],
        }
    )
    assert view.days == (dt.date(2024, 1, 15), dt.date(2024, 1, 16))
    assert view.start == dt.datetime(2024, 1, 15) and view.end == dt.datetime(2024, 1, 17)
    lon0, lat0, lon1, lat1 = view.box
    assert lon0 <= 10.1 and lat0 <= 55.2 and lon1 >= 11.3 and lat1 >= 55.9
    step = 64 * degrees_per_pixel(8)
    assert all(abs(v / step - round(v / step)) < 1e-9 for v in view.box)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"bbox": ["0,0,1,1"], "zoom": ["5"]}, "missing parameter 'day'"),
        ({"day": ["15/01/2024"], "bbox": ["0,0,1,1"], "zoom": ["5"]}, "YYYY-MM-DD"),
        (
            {"day": ["2024-01-15"], "to": ["2024-01-14"], "bbox": ["0,0,1,1"], "zoom": ["5"]},
            "before",
        ),
        (
            {"day": ["2024-01-01"], "to": ["2024-03-01"], "bbox": ["0,0,1,1"], "zoom": ["5"]},
            f"at most {MAX_DAYS}",
        ),
        ({"day": ["2024-01-15"], "bbox": ["0,0,200,1"], "zoom": ["5"]}, "out of range"),
        ({"day": ["2024-01-15"], "bbox": ["5,0,1,1"], "zoom": ["5"]}, "out of range"),
        ({"day": ["2024-01-15"], "bbox": ["nan,0,1,1"], "zoom": ["5"]}, "out of range"),
        ({"day": ["2024-01-15"], "bbox": ["0,0,1"], "zoom": ["5"]}, "lon0,lat0,lon1,lat1"),
        ({"day": ["2024-01-15"], "bbox": ["0,0,1,1"], "zoom": ["40"]}, "zoom 40 is out of range"),
    ],
)
def test_a_bad_request_says_what_to_change(query: dict[str, list[str]], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        View.from_query(query)


def test_snapping_stays_within_the_world() -> None:
    assert snap_box(parse_box("-180,-90,180,90"), 0) == (-180.0, -90.0, 180.0, 90.0)


def test_density_squares_are_at_least_three_pixels_wide() -> None:
    for zoom in range(0, 17):
        cells = density_cells(zoom, 56.0)
        km_per_pixel = 40075.0 * 0.559 / (256 * 2**zoom)
        assert cells >= 1 and cells & (cells - 1) == 0
        assert cells >= 3 * km_per_pixel * 0.99 or cells == 1
        assert cells == 1 or cells / 2 < 3 * km_per_pixel * 1.01
    assert density_cells(16, 56.0) == 1 and density_cells(4, 56.0) == 32


def test_a_ring_is_cut_to_the_box() -> None:
    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]
    cut = clip_ring(square, (2.0, 1.0, 6.0, 3.0))
    assert sorted(set(cut)) == [(2.0, 1.0), (2.0, 3.0), (4.0, 1.0), (4.0, 3.0)]
    assert clip_ring(square, (5.0, 5.0, 6.0, 6.0)) == []
    assert sorted(set(clip_ring(square, (-1.0, -1.0, 9.0, 9.0)))) == sorted(set(square))


def test_thinning_keeps_one_point_a_pixel() -> None:
    ring = [(i / 1024, 0.0) for i in range(129)]  # exact in binary: 8 points a step
    kept = thin(ring, 8 / 1024)
    assert kept == ring[::8]


def test_land_of_denmark_is_cut_and_thinned() -> None:
    box = (11.5, 55.5, 12.8, 56.2)  # Zealand's north, the Øresund
    land = land_geojson(box, degrees_per_pixel(9))
    points = [p for polygon in land["coordinates"] for ring in polygon for p in ring]
    assert land["type"] == "MultiPolygon" and len(points) > 100
    assert all(11.5 <= x <= 12.8 and 55.5 <= y <= 56.2 for x, y in points)
    coarse = land_geojson(box, degrees_per_pixel(5))
    assert sum(len(r) for p in coarse["coordinates"] for r in p) < len(points)
    sea = land_geojson((5.0, 56.0, 6.0, 57.0), degrees_per_pixel(9))  # the North Sea
    assert sea["coordinates"] == []
