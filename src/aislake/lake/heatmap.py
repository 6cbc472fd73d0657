"""A PNG heatmap of a day's traffic density grid, with the bundled ports marked."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Iterable

from PIL import Image, ImageDraw, ImageFont

from aislake.reference.ports import PORTS

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


def render_heatmap(
    cells: Iterable[tuple[int, int, int]], grid_deg: float, title: str, width: int = 900
) -> bytes:
    """PNG bytes of ``cells`` = (cell_y, cell_x, messages), log-scaled, north up.

    Cells are ``grid_deg`` squares indexed by floor(lat / grid_deg), floor(lon / grid_deg); the
    picture is stretched east-west by 1/cos(latitude) so distances look right.
    """
    cells = list(cells)
    if not cells:
        raise ValueError("no cells to draw")
    ys = [c[0] for c in cells]
    xs = [c[1] for c in cells]
    y0, y1, x0, x1 = min(ys) - 2, max(ys) + 2, min(xs) - 2, max(xs) + 2
    mid_lat = (y0 + y1) / 2 * grid_deg
    aspect = math.cos(math.radians(mid_lat))
    cols, rows = x1 - x0 + 1, y1 - y0 + 1
    px = width / (cols * aspect)  # pixels per cell north-south
    cell_w, cell_h = width / cols, px
    height = max(int(rows * cell_h), 50)
    image = Image.new("RGB", (width, height + 24), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font, unicode_ok = _font()
    top = max(c[2] for c in cells)
    scale = math.log1p(top)
    for y, x, messages in cells:
        share = math.log1p(messages) / scale if scale else 1.0
        left = (x - x0) * cell_w
        upper = (y1 - y) * cell_h
        draw.rectangle(
            [left, upper, left + cell_w + 0.5, upper + cell_h + 0.5], fill=_colour(share)
        )
    for port in PORTS:
        px_x = (port.lon / grid_deg - x0) * cell_w
        px_y = (y1 - port.lat / grid_deg) * cell_h
        if 0 <= px_x < width and 0 <= px_y < height:
            draw.ellipse([px_x - 2.5, px_y - 2.5, px_x + 2.5, px_y + 2.5], outline=(255, 255, 255))
            name = port.name if unicode_ok else port.name.translate(_ASCII)
            draw.text((px_x + 4, px_y - 7), name, fill=(220, 220, 220), font=font)
    draw.text((6, height + 5), f"{title}  (messages per cell, log scale; max {top:,})",
              fill=(230, 230, 230), font=font)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
