"""A PNG heatmap of a traffic density grid (metric cells of EPSG:3035), with the bundled ports
marked."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterable

import duckdb
from PIL import Image, ImageDraw, ImageFont

from aislake.lake.duck import load_spatial
from aislake.lake.gold.core import laea, ports_values

# Dark water to hot traffic: (share of the log scale, RGB).
_STOPS = (
    (0.0, (16, 30, 68)),
    (0.3, (32, 104, 168)),
    (0.55, (60, 190, 170)),
    (0.8, (250, 220, 80)),
    (1.0, (240, 60, 40)),
)
BACKGROUND = (8, 14, 32)
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
_ASCII = str.maketrans({"ø": "o", "Ø": "O", "å": "a", "Å": "A", "æ": "ae", "ö": "o", "ä": "a",
                        "ü": "u", "ń": "n"})  # fmt: skip


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


def render_heatmap(
    cells: Iterable[tuple[int, int, float]],
    cell_m: float,
    title: str,
    unit: str = "vessel hours",
    marks: Iterable[tuple[str, float, float]] = (),
    width: int = 900,
) -> bytes:
    """PNG bytes of ``cells`` = (cell_y, cell_x, value) of a metric grid (EPSG:3035 cells of
    ``cell_m`` metres, indexed by floor(y / cell_m), floor(x / cell_m)), log-scaled, north up,
    with ``marks`` (name, x, y in metres) drawn where they fall."""
    cells = list(cells)
    if not cells:
        raise ValueError("no cells to draw")
    ys = [c[0] for c in cells]
    xs = [c[1] for c in cells]
    y0, y1, x0, x1 = min(ys) - 2, max(ys) + 2, min(xs) - 2, max(xs) + 2
    cols, rows = x1 - x0 + 1, y1 - y0 + 1
    cell_px = width / cols  # square cells: the grid is metric
    height = max(int(rows * cell_px), 50)
    image = Image.new("RGB", (width, height + 24), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font, unicode_ok = _font()
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
    for name, mx, my in marks:
        px_x = (mx / cell_m - x0) * cell_px
        px_y = (y1 + 1 - my / cell_m) * cell_px
        if 0 <= px_x < width and 0 <= px_y < height:
            draw.ellipse([px_x - 2.5, px_y - 2.5, px_x + 2.5, px_y + 2.5], outline=(255, 255, 255))
            label = name if unicode_ok else name.translate(_ASCII)
            draw.text((px_x + 4, px_y - 7), label, fill=(220, 220, 220), font=font)
    draw.text((6, height + 5), f"{title}  ({unit} per {cell_m / 1000:g} km cell, log scale; "
              f"max {top:,.1f})", fill=(230, 230, 230), font=font)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
