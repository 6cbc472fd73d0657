"""Land polygons for drawing maps offline: Natural Earth's 1:10 m land, as the npm package
``world-atlas`` 2.0.2 (ISC licence, ``world-atlas-LICENSE`` beside this file) ships it in
TopoJSON; Natural Earth's data is in the public domain. The file is stored gzipped
(``land-10m.json.gz``, 1 MB; 3.1 MB as published).

:func:`land_polygons` decodes the TopoJSON (quantized, delta-encoded arcs shared between rings)
into polygons of (lon, lat) rings, the first ring of each its outline and the others its holes
(lakes), keeping only those whose extent meets a box.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

LAND_FILE = Path(__file__).with_name("land-10m.json.gz")
Ring = list[tuple[float, float]]
Polygon = list[Ring]
Box = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


@functools.cache
def _topology() -> tuple[list[Ring], list[list[list[int]]]]:
    """The arcs in degrees, and every polygon as lists of arc indices per ring."""
    data = json.loads(gzip.decompress(LAND_FILE.read_bytes()))
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in data["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    polygons: list[list[list[int]]] = []
    for geometry in data["objects"]["land"]["geometries"]:
        parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons.extend(parts)
    return arcs, polygons


def _ring(arcs: list[Ring], indices: list[int]) -> Ring:
    ring: Ring = []
    for i in indices:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points if not ring else points[1:])  # arcs share their end points
    return ring


def land_polygons(box: Box) -> list[Polygon]:
    """The land polygons whose extent meets ``box`` (lon0, lat0, lon1, lat1, degrees)."""
    lon0, lat0, lon1, lat1 = box
    arcs, polygons = _topology()
    found = []
    for polygon in polygons:
        rings = [_ring(arcs, r) for r in polygon]
        lons = [p[0] for p in rings[0]]
        lats = [p[1] for p in rings[0]]
        if max(lons) >= lon0 and min(lons) <= lon1 and max(lats) >= lat0 and min(lats) <= lat1:
            found.append(rings)
    return found
