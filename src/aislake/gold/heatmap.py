"""A PNG heatmap of a traffic density grid (metric cells of EPSG:3035) over land and coastlines
(Natural Earth 1:10 m, ``aislake.reference.land``), with the bundled ports marked (labels placed
so that none overlaps another) and a legend of the colour scale in its unit per km2."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import duckdb
from PIL import Image, ImageDraw, ImageFont

from aislake.duck.engine import load_spatial
from aislake.gold.core import laea, ports_values
from aislake.reference.land import land_polygons

if TYPE_CHECKING:  # numpy is imported where a map is drawn, not with the definitions
    import numpy as np

# Rings of a land polygon in EPSG:3035 metres: the outline, then its holes (lakes).
Shape = list[list[tuple[float, float]]]

# Dark water to hot traffic: (share of the log scale, RGB).
_STOPS = (
    (0.0, (16, 30, 68)),
    (0.3, (32, 104, 168)),
    (0.55, (60, 190, 170)),
    (0.8, (250, 220, 80)),
    (1.0, (240, 60, 40)),
)
BACKGROUND = (8, 14, 32)  # the sea
LAND = (46, 50, 58)
COAST = (120, 128, 140)
LABEL = (225, 225, 225)
LEGEND_HEIGHT = 54
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
_ASCII = str.maketrans(
    {"ø": "o", "Ø": "O", "å": "a", "Å": "A", "æ": "ae", "ö": "o", "ä": "a", "ü": "u", "ń": "n"}
)


def _font() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A font that draws Nordic letters if the machine has one; else Pillow's, with ASCII names."""
    for path in FONT_FILES:
        try:
            return ImageFont.truetype(path, 12), True
        except OSError:
            continue
    return ImageFont.load_default(size=12), False


def _colour(share: float) -> tuple[int, int, int]:
    for (s0, c0), (s1, c1) in itertools.pairwise(_STOPS):
        if share <= s1:
            f = (share - s0) / (s1 - s0) if s1 > s0 else 0.0
            r, g, b = (round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True))
            return r, g, b
    return _STOPS[-1][1]


def port_marks(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float, float]]:
    """The bundled ports as (name, x, y) in EPSG:3035 metres (DuckDB's spatial extension)."""
    load_spatial(con)
    p = laea("port_lon", "port_lat")
    return [
        (str(n), float(x), float(y))
        for n, x, y in con.execute(
            f"SELECT port, ST_X({p}), ST_Y({p}) FROM {ports_values()}"
        ).fetchall()
    ]


# EPSG:3035, ETRS89 Lambert azimuthal equal-area on GRS80 (EPSG Guidance Note 7-2, 1.3.11):
# a, e, the origin (52 N, 10 E) and its false easting and northing.
_A, _E = 6378137.0, math.sqrt(2 / 298.257222101 - (1 / 298.257222101) ** 2)
_LAT0, _LON0, _FE, _FN = math.radians(52.0), math.radians(10.0), 4321000.0, 3210000.0


def _q(sin_lat: np.ndarray | float) -> np.ndarray | float:
    import numpy as np

    e = _E
    return (1 - e * e) * (
        sin_lat / (1 - e * e * sin_lat**2) - np.log((1 - e * sin_lat) / (1 + e * sin_lat)) / (2 * e)
    )


def laea_3035(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(lon, lat) degrees to EPSG:3035 (x, y) metres, vectorised: the land's hundred thousand
    vertices in milliseconds (DuckDB's ``ST_Transform`` took seconds). Agrees with DuckDB's
    spatial extension to the millimetre (tested)."""
    import numpy as np

    qp = _q(1.0)
    beta0 = math.asin(_q(math.sin(_LAT0)) / qp)
    rq = _A * math.sqrt(qp / 2)
    d = _A * math.cos(_LAT0) / math.sqrt(1 - _E**2 * math.sin(_LAT0) ** 2) / (rq * math.cos(beta0))
    beta = np.arcsin(np.clip(_q(np.sin(np.radians(lat))) / qp, -1, 1))
    dlon = np.radians(lon) - _LON0
    b = rq * np.sqrt(
        2 / (1 + math.sin(beta0) * np.sin(beta) + math.cos(beta0) * np.cos(beta) * np.cos(dlon))
    )
    x = _FE + b * d * np.cos(beta) * np.sin(dlon)
    y = _FN + (b / d) * (
        math.cos(beta0) * np.sin(beta) - math.sin(beta0) * np.cos(beta) * np.cos(dlon)
    )
    return np.column_stack([x, y])


def land_shapes(
    con: duckdb.DuckDBPyConnection, cells: Iterable[tuple[int, int, float]], cell_m: float
) -> list[Shape]:
    """The land polygons around ``cells`` (a margin of a tenth of their extent), projected to
    EPSG:3035 metres with DuckDB's spatial extension, as the density cells are."""
    cells = list(cells)
    if not cells:
        return []
    load_spatial(con)
    ys = [c[0] for c in cells]
    xs = [c[1] for c in cells]
    pad = 0.1 * max(max(xs) - min(xs), max(ys) - min(ys), 10)
    x0, x1 = (min(xs) - pad) * cell_m, (max(xs) + 1 + pad) * cell_m
    y0, y1 = (min(ys) - pad) * cell_m, (max(ys) + 1 + pad) * cell_m
    corners = [(x, y) for x in (x0, (x0 + x1) / 2, x1) for y in (y0, (y0 + y1) / 2, y1)]
    lonlat = con.execute(
        "SELECT min(ST_X(p)), min(ST_Y(p)), max(ST_X(p)), max(ST_Y(p)) FROM (SELECT "
        "ST_Transform(ST_Point(x, y), 'EPSG:3035', 'EPSG:4326', always_xy := true) AS p "
        "FROM (SELECT unnest($x) AS x, unnest($y) AS y))",
        {"x": [c[0] for c in corners], "y": [c[1] for c in corners]},
    ).fetchone()
    assert lonlat is not None
    polygons = land_polygons(tuple(float(v) for v in lonlat))  # type: ignore[arg-type]
    rings = [ring for polygon in polygons for ring in polygon]
    if not rings:
        return []
    import numpy as np

    projected = laea_3035(
        np.array([p[0] for ring in rings for p in ring]),
        np.array([p[1] for ring in rings for p in ring]),
    ).tolist()
    shapes, at = [], 0
    for polygon in polygons:
        shape = []
        for ring in polygon:
            shape.append([(x, y) for x, y in projected[at : at + len(ring)]])
            at += len(ring)
        shapes.append(shape)
    return shapes


def place_labels(
    points: list[tuple[str, float, float]],
    size: Callable[[str], tuple[float, float]],
    width: float,
    height: float,
) -> list[tuple[str, float, float]]:
    """(text, left, top) for each labelled point (name, x, y in pixels) that can have a label
    beside it overlapping no other label and inside the picture, tried right, left, above and
    below its mark in turn (Helsingør beside Helsingborg: one right, one left); a point whose
    every place is taken goes unlabelled (its mark stays)."""
    placed: list[tuple[str, float, float]] = []
    boxes: list[tuple[float, float, float, float]] = []
    for name, x, y in points:
        w, h = size(name)
        for left, top in (
            (x + 5, y - h / 2),
            (x - 5 - w, y - h / 2),
            (x - w / 2, y - 6 - h),
            (x - w / 2, y + 6),
        ):
            box = (left, top, left + w, top + h)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_overlap(box, other) for other in boxes):
                placed.append((name, left, top))
                boxes.append(box)
                break
    return placed


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def render_heatmap(
    cells: Iterable[tuple[int, int, float]],
    cell_m: float,
    title: str,
    unit: str = "vessel hours",
    marks: Iterable[tuple[str, float, float]] = (),
    width: int = 900,
    land: Iterable[Shape] = (),
) -> bytes:
    """PNG bytes of ``cells`` = (cell_y, cell_x, value) of a metric grid (EPSG:3035 cells of
    ``cell_m`` metres, indexed by floor(y / cell_m), floor(x / cell_m)), log-scaled, north up,
    over ``land`` (:func:`land_shapes`), with ``marks`` (name, x, y in metres) drawn where they
    fall and labelled where a label fits (:func:`place_labels`), and a legend: the colour scale
    in ``unit`` per km2."""
    cells = list(cells)
    if not cells:
        raise ValueError("no cells to draw")
    ys = [c[0] for c in cells]
    xs = [c[1] for c in cells]
    y0, y1, x0, x1 = min(ys) - 2, max(ys) + 2, min(xs) - 2, max(xs) + 2
    cols, rows = x1 - x0 + 1, y1 - y0 + 1
    cell_px = width / cols  # square cells: the grid is metric
    height = max(int(rows * cell_px), 50)
    image = Image.new("RGB", (width, height + LEGEND_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font, unicode_ok = _font()

    def pixel(mx: float, my: float) -> tuple[float, float]:
        return (mx / cell_m - x0) * cell_px, (y1 + 1 - my / cell_m) * cell_px

    shapes = [[[pixel(x, y) for x, y in ring] for ring in shape] for shape in land]
    for outline, *holes in (s for s in shapes if s and len(s[0]) > 2):
        draw.polygon(outline, fill=LAND)
        for hole in holes:
            if len(hole) > 2:
                draw.polygon(hole, fill=BACKGROUND)
    top = max(c[2] for c in cells)
    # Log scale over four decades below the top: a cell crossed for minutes still shows
    # beside one where ships lie moored all day.
    floor = max(min(c[2] for c in cells), top / 10_000)
    span = math.log(top / floor) if top > floor else 0.0
    for y, x, value in cells:
        share = math.log(max(value, floor) / floor) / span if span else 1.0
        left = (x - x0) * cell_px
        upper = (y1 - y) * cell_px
        draw.rectangle(
            [left, upper, left + cell_px + 0.5, upper + cell_px + 0.5], fill=_colour(share)
        )
    for shape in shapes:
        for ring in shape:
            if len(ring) > 1:
                draw.line([*ring, ring[0]], fill=COAST, width=1)
    points = []
    for name, mx, my in marks:
        px_x, px_y = pixel(mx, my)
        if 0 <= px_x < width and 0 <= px_y < height:
            draw.ellipse([px_x - 2.5, px_y - 2.5, px_x + 2.5, px_y + 2.5], outline=(255, 255, 255))
            points.append((name if unicode_ok else name.translate(_ASCII), px_x, px_y))

    def size(text: str) -> tuple[float, float]:
        left, upper, right, lower = draw.textbbox((0, 0), text, font=font)
        return right - left, lower - upper + 2

    for label, left, upper in place_labels(points, size, width, height):
        draw.text((left, upper), label, fill=LABEL, font=font)
    _legend(draw, font, height, width, floor, top, cell_m, title, unit)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    height: int,
    width: int,
    floor: float,
    top: float,
    cell_m: float,
    title: str,
    unit: str,
) -> None:
    """The title, then the colour bar from ``floor`` to ``top`` (log scale) in ``unit`` per
    km2, with its ends and middle marked."""
    km2 = (cell_m / 1000) ** 2
    draw.text((6, height + 4), title, fill=LABEL, font=font)
    bar_left, bar_top, bar_width = 6, height + 22, min(300, width - 200)
    for i in range(bar_width):
        draw.line(
            [(bar_left + i, bar_top), (bar_left + i, bar_top + 10)],
            fill=_colour(i / max(bar_width - 1, 1)),
        )
    middle = math.sqrt(floor * top)
    for share, value in ((0.0, floor), (0.5, middle), (1.0, top)):
        x = bar_left + share * (bar_width - 1)
        draw.line([(x, bar_top + 10), (x, bar_top + 13)], fill=LABEL)
        text = f"{value / km2:,.2f}" if value / km2 < 10 else f"{value / km2:,.0f}"
        draw.text((x - 10 if share else x, bar_top + 13), text, fill=LABEL, font=font)
    draw.text(
        (bar_left + bar_width + 12, bar_top - 2),
        f"{unit} per km\u00b2 (log scale)",
        fill=LABEL,
        font=font,
    )
