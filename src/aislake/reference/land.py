"""Land polygons for drawing maps offline: Natural Earth's 1:10 m land, as the npm package
``world-atlas`` 2.0.2 (ISC licence, ``world-atlas-LICENSE`` beside this file) ships it in
TopoJSON; Natural Earth's data is in the public domain. The TopoJSON is stored gzipped
(``land-10m.json.gz``, 0.8 MB; 3.1 MB as published): the source.

Maps read ``land-10m.npz``, the same topology as numpy arrays (made from the TopoJSON by
:func:`write_land_arrays`; a test holds them equal). Python's JSON parser took 0.4 s and decoding
its arcs 0.3 s in every process that drew a heatmap; the arrays load in milliseconds.

:func:`land_polygons` gives the polygons of (lon, lat) rings, the first ring of each its outline
and the others its holes (lakes), keeping only those whose outline's extent meets a box.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where a map is drawn, not with the definitions
    import numpy as np

SOURCE_FILE = Path(__file__).with_name("land-10m.json.gz")
LAND_FILE = Path(__file__).with_name("land-10m.npz")
Ring = list[tuple[float, float]]
Polygon = list[Ring]
Box = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


def topology_arrays(topojson: dict[str, Any]) -> dict[str, np.ndarray]:
    """The TopoJSON's land as flat arrays: every arc's quantized, delta-encoded points
    (``deltas``) and where each arc starts in them (``arc_starts``, one past the end last); each
    ring's arc indices (``ring_arcs``, ``~i`` for arc i reversed) and where each ring and each
    polygon starts (``ring_starts`` in ring_arcs, ``polygon_starts`` in rings); and the
    transform (``scale``, ``translate``)."""
    import numpy as np

    arcs = topojson["arcs"]
    polygons: list[list[list[int]]] = []
    for geometry in topojson["objects"]["land"]["geometries"]:
        parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons.extend(parts)
    rings = [ring for polygon in polygons for ring in polygon]

    def starts(lengths: list[int]) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)

    return {
        "deltas": np.array([p for arc in arcs for p in arc], dtype=np.int32).reshape(-1, 2),
        "arc_starts": starts([len(arc) for arc in arcs]),
        "ring_arcs": np.array([i for ring in rings for i in ring], dtype=np.int32),
        "ring_starts": starts([len(ring) for ring in rings]),
        "polygon_starts": starts([len(polygon) for polygon in polygons]),
        "scale": np.array(topojson["transform"]["scale"], dtype=np.float64),
        "translate": np.array(topojson["transform"]["translate"], dtype=np.float64),
    }


def write_land_arrays(source: Path = SOURCE_FILE, target: Path = LAND_FILE) -> None:
    """(Re)make ``land-10m.npz`` from the TopoJSON (run after updating the source)."""
    import numpy as np

    arrays = topology_arrays(json.loads(gzip.decompress(source.read_bytes())))
    # numpy's stub reads any keyword as its allow_pickle flag.
    np.savez_compressed(target, **arrays)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Topology:
    points: np.ndarray  # (n, 2) lon, lat of every arc's points, arc after arc
    arc_starts: np.ndarray
    ring_arcs: np.ndarray
    ring_starts: np.ndarray
    polygon_starts: np.ndarray
    outlines: np.ndarray  # (polygons, 4) lon0, lat0, lon1, lat1 of each polygon's outline


@functools.cache
def _topology() -> _Topology:
    """The arcs decoded to degrees, and each polygon's outline extent."""
    import numpy as np

    with np.load(LAND_FILE) as data:
        a = {name: data[name] for name in data.files}
    starts = a["arc_starts"]
    # Each arc's deltas summed from its first point (absolute): a running sum over all arcs,
    # less the sum before the arc's start.
    total = np.cumsum(a["deltas"], axis=0, dtype=np.int64)
    before = np.vstack([np.zeros((1, 2), np.int64), total[starts[1:-1] - 1]])
    quantized = total - np.repeat(before, np.diff(starts), axis=0)
    points = quantized * a["scale"] + a["translate"]
    # A ring's extent is its arcs' extents (direction does not matter); an outline is its
    # polygon's first ring.
    arc_min = np.minimum.reduceat(points, starts[:-1], axis=0)
    arc_max = np.maximum.reduceat(points, starts[:-1], axis=0)
    arcs = a["ring_arcs"].astype(np.int64)
    arcs = np.where(arcs < 0, ~arcs, arcs)
    ring_min = np.minimum.reduceat(arc_min[arcs], a["ring_starts"][:-1], axis=0)
    ring_max = np.maximum.reduceat(arc_max[arcs], a["ring_starts"][:-1], axis=0)
    first = a["polygon_starts"][:-1]
    outlines = np.column_stack([ring_min[first], ring_max[first]])
    return _Topology(
        points, starts, a["ring_arcs"], a["ring_starts"], a["polygon_starts"], outlines
    )


def _ring(t: _Topology, ring: int) -> Ring:
    import numpy as np

    pieces = []
    for n, i in enumerate(t.ring_arcs[t.ring_starts[ring] : t.ring_starts[ring + 1]].tolist()):
        arc = i if i >= 0 else ~i
        points = t.points[t.arc_starts[arc] : t.arc_starts[arc + 1]]
        if i < 0:
            points = points[::-1]
        pieces.append(points if n == 0 else points[1:])  # arcs share their end points
    return [(x, y) for x, y in np.concatenate(pieces).tolist()]


def land_polygons(box: Box) -> list[Polygon]:
    """The land polygons whose outline's extent meets ``box`` (lon0, lat0, lon1, lat1,
    degrees)."""
    import numpy as np

    lon0, lat0, lon1, lat1 = box
    t = _topology()
    o = t.outlines
    meets = (o[:, 2] >= lon0) & (o[:, 0] <= lon1) & (o[:, 3] >= lat0) & (o[:, 1] <= lat1)
    return [
        [_ring(t, r) for r in range(t.polygon_starts[p], t.polygon_starts[p + 1])]
        for p in np.flatnonzero(meets).tolist()
    ]
