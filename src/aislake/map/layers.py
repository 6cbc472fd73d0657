"""The map's answers, one function a route: the query string checked into a view, the question
asked of the lake (:class:`aislake.map.queries.MapLake`), its rows as GeoJSON or JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from aislake.map.basemap import land_geojson
from aislake.map.queries import MapLake, Rows
from aislake.map.view import (
    BadRequest,
    NotBuilt,
    View,
    degrees_per_pixel,
    density_cells,
    parse_box,
    parse_day,
    parse_days,
    parse_zoom,
    snap_box,
)

Query = Mapping[str, list[str]]
LIMITS = {  # features a response carries at most (the longest, busiest or latest first)
    "tracks": 20_000,
    "ships": 20_000,
    "port_visits": 5_000,
    "ais_gaps": 5_000,
    "anchorages": 5_000,
    "traffic_density": 50_000,
    "events": 5_000,
    "search": 20,
}
LAYER_NAMES = ("tracks", "port_visits", "ais_gaps", "anchorages", "traffic_density", "events")
TRAIL_MINUTES = 30


def feature(geometry: object, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def collection(layer: str, view: View) -> Callable[[Rows], dict[str, Any]]:
    """Rows as a FeatureCollection: a row's ``geometry`` (GeoJSON text) or ``lon``/``lat``
    becomes the feature's geometry, the rest its properties; ``truncated`` says the limit was
    reached (the map says so)."""

    def encode(rows: Rows) -> dict[str, Any]:
        features = []
        for row in rows:
            if "geometry" in row:
                geometry = json.loads(row.pop("geometry"))
            elif "start_lon" in row:  # a gap: from where it went silent to where it reappeared
                geometry = {
                    "type": "LineString",
                    "coordinates": [
                        [row["start_lon"], row["start_lat"]],
                        [row["end_lon"], row["end_lat"]],
                    ],
                }
            else:
                geometry = point(row["lon"], row["lat"])
            features.append(feature(geometry, row))
        return {
            "type": "FeatureCollection",
            "layer": layer,
            "days": [d.isoformat() for d in view.days],
            "bbox": list(view.box),
            "truncated": len(rows) >= LIMITS.get(layer, len(rows) + 1),
            "features": features,
        }

    return encode


def layer(lake: MapLake, name: str, query: Query) -> bytes:
    """A layer of the days and box in view: tracks, port_visits, ais_gaps, anchorages or
    traffic_density."""
    if name not in LAYER_NAMES:
        raise NotBuilt(f"no layer {name!r}: the layers are {', '.join(LAYER_NAMES)}")
    view = View.from_query(query)
    params: dict[str, object] = {**view.box_params(), "max_rows": LIMITS[name]}
    if name == "tracks":
        params["tolerance"] = degrees_per_pixel(view.zoom)
    elif name in ("port_visits", "ais_gaps"):
        params |= {"start_ts": view.start, "end_ts": view.end}
    elif name == "traffic_density":
        middle = (view.box[1] + view.box[3]) / 2
        params |= {"cells": density_cells(view.zoom, middle), "days": len(view.days)}
    return lake.answer(name, view.days, params, collection(name, view))


def ships(lake: MapLake, query: Query) -> bytes:
    """The ships at one moment (``at``: YYYY-MM-DDTHH:MM, UTC) in the box: the time slider."""
    text = (query.get("at") or [""])[-1]
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"at must be a time as YYYY-MM-DDTHH:MM, got {text!r}") from None
    zoom = parse_zoom((query.get("zoom") or [""])[-1])
    box = snap_box(parse_box((query.get("bbox") or [""])[-1]), zoom)
    view = View((at.date(),), box, zoom)
    params = {
        **view.box_params(),
        "at": at,
        "trail_minutes": TRAIL_MINUTES,
        "max_rows": LIMITS["ships"],
    }
    return lake.answer("ships", view.days, params, collection("ships", view))


def vessel(lake: MapLake, mmsi_text: str, query: Query) -> bytes:
    """One vessel over the days: name, MMSI, type, distance, extent, and its port visits."""
    try:
        mmsi = int(mmsi_text)
    except ValueError:
        raise BadRequest(f"an MMSI is a number, got {mmsi_text!r}") from None
    days = parse_days(query)
    start = dt.datetime.combine(days[0], dt.time())
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time())
    found = json.loads(lake.answer("vessel", days, {"mmsi": mmsi}, lambda rows: rows))
    if not found:
        raise NotBuilt(
            f"no vessel {mmsi} in the lake on {days[0]}"
            + (f" to {days[-1]}" if len(days) > 1 else "")
        )
    visits = json.loads(
        lake.answer("vessel_visits", days, {"mmsi": mmsi, "start_ts": start, "end_ts": end}, list)
    )
    return json.dumps({**found[0], "visits": visits}).encode()


def search(lake: MapLake, query: Query) -> bytes:
    """Vessels of the days whose name contains ``q`` or whose MMSI starts with it."""
    text = (query.get("q") or [""])[-1].strip()
    if not 2 <= len(text) <= 64:
        raise BadRequest("search for 2 to 64 characters of a name or an MMSI")
    days = parse_days(query)
    return lake.answer("search", days, {"text": text, "max_rows": LIMITS["search"]}, list)


def land(lake: MapLake, query: Query) -> bytes:
    """The land in the box at the zoom: Natural Earth's 1:10 m polygons (``map.basemap``)."""
    zoom = parse_zoom((query.get("zoom") or [""])[-1])
    box = snap_box(parse_box((query.get("bbox") or [""])[-1]), zoom)
    return lake.cached(
        ["land", box, zoom],
        lambda: feature(land_geojson(box, degrees_per_pixel(zoom)), {"layer": "land"}),
    )


def days(lake: MapLake, query: Query) -> bytes:
    built = lake.days()
    return json.dumps({"days": [d.isoformat() for d in built]}).encode()


__all__ = ["days", "land", "layer", "parse_day", "search", "ships", "vessel"]
