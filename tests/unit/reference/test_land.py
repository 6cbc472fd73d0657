"""The land maps draw: the arrays maps read (land-10m.npz) hold exactly the TopoJSON source."""

import gzip
import json

import numpy as np
import pytest

from aislake.reference.land import (
    LAND_FILE,
    SOURCE_FILE,
    land_polygons,
    topology_arrays,
    write_land_arrays,
)


def topojson_polygons(box: tuple[float, float, float, float]) -> list[list[list[tuple]]]:
    """The TopoJSON decoded point by point, as its specification reads: each arc's points are
    deltas from the one before (the first from zero), times the scale plus the translation; a
    ring joins its arcs (``~i``: arc i backwards), each after the first without its first point
    (the end it shares); a polygon is kept if its outline's extent meets the box."""
    data = json.loads(gzip.decompress(SOURCE_FILE.read_bytes()))
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    arcs = []
    for arc in data["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    (land,) = data["objects"]["land"]["geometries"]
    found = []
    for polygon in land["arcs"]:
        rings = []
        for ring_arcs in polygon:
            ring: list[tuple] = []
            for i in ring_arcs:
                points = arcs[i] if i >= 0 else arcs[~i][::-1]
                ring.extend(points if not ring else points[1:])
            rings.append(ring)
        lons, lats = [p[0] for p in rings[0]], [p[1] for p in rings[0]]
        lon0, lat0, lon1, lat1 = box
        if max(lons) >= lon0 and min(lons) <= lon1 and max(lats) >= lat0 and min(lats) <= lat1:
            found.append(rings)
    return found


@pytest.mark.parametrize(
    "box",
    [
        (7.0, 53.0, 16.0, 59.0),  # the Danish straits: Eurasia, Zealand, islands with lakes
        (-75.0, 40.0, -70.0, 42.0),  # New York and Long Island
        (170.0, -50.0, 180.0, -30.0),  # New Zealand, at the antimeridian
        (-180.0, -90.0, 180.0, 90.0),  # the world: every polygon
        (-30.0, -10.0, -29.0, -9.0),  # open ocean: none
    ],
)
def test_the_polygons_in_a_box_are_the_topojsons_to_the_last_bit(box) -> None:
    assert land_polygons(box) == topojson_polygons(box)


def test_the_shipped_arrays_are_made_from_the_shipped_topojson(tmp_path) -> None:
    """land-10m.npz is what write_land_arrays makes of land-10m.json.gz today (a source updated
    without its arrays fails here)."""
    made = tmp_path / "land.npz"
    write_land_arrays(target=made)
    with np.load(made) as fresh, np.load(LAND_FILE) as shipped:
        assert sorted(fresh.files) == sorted(shipped.files)
        for name in fresh.files:
            assert np.array_equal(fresh[name], shipped[name]), name
    arrays = topology_arrays(json.loads(gzip.decompress(SOURCE_FILE.read_bytes())))
    assert arrays["arc_starts"][-1] == len(arrays["deltas"]) > 400_000
