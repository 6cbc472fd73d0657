"""The map's land: Natural Earth's 1:10 m land polygons (``aislake.reference.land``) that meet a
box, cut to it (Sutherland-Hodgman, ring by ring) and thinned to the zoom's pixel, as GeoJSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aislake.reference.land import Box, Ring, land_polygons

Point = tuple[float, float]


def _clip_edge(
    ring: Ring, inside: Callable[[Point], bool], cross: Callable[[Point, Point], Point]
) -> Ring:
    out: Ring = []
    for i, current in enumerate(ring):
        previous = ring[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(cross(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(cross(previous, current))
    return out


def _at_lon(x: float) -> Callable[[Point, Point], Point]:
    def cross(a: Point, b: Point) -> Point:
        return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])

    return cross


def _at_lat(y: float) -> Callable[[Point, Point], Point]:
    def cross(a: Point, b: Point) -> Point:
        return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y

    return cross


def clip_ring(ring: Ring, box: Box) -> Ring:
    """The part of a closed ring inside ``box`` (edges along the box where it was cut)."""
    lon0, lat0, lon1, lat1 = box
    points = ring[:-1] if ring and ring[0] == ring[-1] else ring
    for inside, cross in (
        (lambda p: p[0] >= lon0, _at_lon(lon0)),
        (lambda p: p[0] <= lon1, _at_lon(lon1)),
        (lambda p: p[1] >= lat0, _at_lat(lat0)),
        (lambda p: p[1] <= lat1, _at_lat(lat1)),
    ):
        if not points:
            break
        points = _clip_edge(points, inside, cross)
    return points


def thin(ring: Ring, step: float) -> Ring:
    """The ring without the points closer than ``step`` (degrees) to the last one kept."""
    if not ring:
        return ring
    kept = [ring[0]]
    for lon, lat in ring[1:]:
        if abs(lon - kept[-1][0]) >= step or abs(lat - kept[-1][1]) >= step:
            kept.append((lon, lat))
    return kept


def area(ring: Ring) -> float:
    """The ring's area (shoelace), square degrees."""
    return (
        abs(
            sum(
                x0 * y1 - x1 * y0
                for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
            )
        )
        / 2
    )


def land_geojson(box: Box, step: float) -> dict[str, Any]:
    """The land in ``box`` as one GeoJSON MultiPolygon, thinned to ``step`` degrees."""
    polygons = []
    for polygon in land_polygons(box):
        rings = []
        for i, ring in enumerate(polygon):
            kept = thin(clip_ring(ring, box), step)
            if len(kept) >= 3 and area(kept) > step * step:  # not a sliver along the box
                rings.append([[round(x, 5), round(y, 5)] for x, y in [*kept, kept[0]]])
            elif i == 0:
                break  # its outline is outside the box: so are its holes
        if rings:
            polygons.append(rings)
    return {"type": "MultiPolygon", "coordinates": polygons}
