"""What a map request asks for, checked: the days (one, or a short range), the box in view and the
zoom; and what follows from the zoom (the pixel in degrees, the density cells merged)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

MAX_DAYS = 7  # a request's longest range of days
Box = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1 (degrees, WGS84)


class BadRequest(ValueError):
    """A request the map cannot answer as asked (HTTP 400): the message says what to change."""


class NotBuilt(LookupError):
    """The lake has no current version of what a request needs (HTTP 404)."""


def _one(query: Mapping[str, list[str]], name: str, default: str | None = None) -> str:
    values = query.get(name) or ([default] if default is not None else [])
    if not values or not values[0]:
        raise BadRequest(f"missing parameter {name!r}")
    return values[-1]


def parse_day(text: str, name: str = "day") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD, got {text!r}") from None


def parse_days(query: Mapping[str, list[str]]) -> tuple[dt.date, ...]:
    """``day`` and, for a range, ``to`` (inclusive): at most :data:`MAX_DAYS` days."""
    first = parse_day(_one(query, "day"))
    last = parse_day(_one(query, "to", first.isoformat()), "to")
    if last < first:
        raise BadRequest(f"to ({last}) is before day ({first})")
    count = (last - first).days + 1
    if count > MAX_DAYS:
        raise BadRequest(
            f"{first} to {last} is {count} days: a map shows at most {MAX_DAYS} at once"
        )
    return tuple(first + dt.timedelta(days=i) for i in range(count))


def parse_box(text: str) -> Box:
    """``lon0,lat0,lon1,lat1`` within the world, west before east and south before north."""
    try:
        lon0, lat0, lon1, lat1 = (float(v) for v in text.split(","))
    except ValueError:
        raise BadRequest(f"bbox must be lon0,lat0,lon1,lat1 (degrees), got {text!r}") from None
    finite = all(math.isfinite(v) for v in (lon0, lat0, lon1, lat1))
    if not (finite and -180 <= lon0 < lon1 <= 180 and -90 <= lat0 < lat1 <= 90):
        raise BadRequest(
            f"bbox {text!r} is out of range: -180 <= lon0 < lon1 <= 180 and "
            "-90 <= lat0 < lat1 <= 90"
        )
    return lon0, lat0, lon1, lat1


def parse_zoom(text: str) -> int:
    try:
        zoom = int(text)
    except ValueError:
        raise BadRequest(f"zoom must be a whole number, got {text!r}") from None
    if not 0 <= zoom <= 22:
        raise BadRequest(f"zoom {zoom} is out of range: 0 to 22")
    return zoom


def degrees_per_pixel(zoom: int) -> float:
    """The width of a screen pixel at ``zoom`` (Web Mercator, 256-pixel tiles), degrees."""
    return 360.0 / (256 * (1 << zoom))


def snap_box(box: Box, zoom: int) -> Box:
    """``box`` grown to a grid of 64 pixels at ``zoom``: views that differ by a few pixels ask
    the same question (one cached answer), and a pan shows what was just outside the view."""
    step = 64 * degrees_per_pixel(zoom)
    lon0, lat0, lon1, lat1 = box
    return (
        max(-180.0, math.floor(lon0 / step) * step),
        max(-90.0, math.floor(lat0 / step) * step),
        min(180.0, math.ceil(lon1 / step) * step),
        min(90.0, math.ceil(lat1 / step) * step),
    )


def density_cells(zoom: int, lat: float) -> int:
    """How many 1 km cells a side one drawn square merges so that it is at least 3 pixels wide
    at ``zoom`` and latitude ``lat`` (a power of two)."""
    km_per_pixel = 40075.0 * math.cos(math.radians(lat)) / (256 * (1 << zoom))
    return max(1, 1 << math.ceil(math.log2(max(3 * km_per_pixel, 1.0))))


@dataclass(frozen=True)
class View:
    """The days, the box (snapped) and the zoom of a layer request."""

    days: tuple[dt.date, ...]
    box: Box
    zoom: int

    @classmethod
    def from_query(cls, query: Mapping[str, list[str]]) -> View:
        zoom = parse_zoom(_one(query, "zoom"))
        return cls(parse_days(query), snap_box(parse_box(_one(query, "bbox")), zoom), zoom)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.days[0], dt.time())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.days[-1] + dt.timedelta(days=1), dt.time())

    def box_params(self) -> dict[str, float]:
        return dict(zip(("lon0", "lat0", "lon1", "lat1"), self.box, strict=True))
