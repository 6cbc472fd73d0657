"""The products that carry geometry write it as GeoParquet 1.1: a WKB ``geometry`` column in
longitude/latitude (OGC:CRS84, GeoParquet's default), a ``geometry_bbox`` covering column
(``xmin``, ``ymin``, ``xmax``, ``ymax``) whose row-group statistics let readers (GDAL/QGIS,
GeoPandas' ``bbox=``, DuckDB) skip what lies outside a box, and the ``geo`` metadata naming them.

A product declares how its rows are drawn (:class:`Geometry`: a DuckDB expression over its own
columns); its SQL stays as it is and :func:`with_geometry` adds the two columns around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aislake.duck.sql import sql_literal

Columns = tuple[tuple[str, str, str], ...]

BBOX_FIELDS = ("xmin", "ymin", "xmax", "ymax")
BBOX_TYPE = "STRUCT(" + ", ".join(f"{f} DOUBLE" for f in BBOX_FIELDS) + ")"


@dataclass(frozen=True)
class Geometry:
    """A product's rows as shapes: ``expr``, a DuckDB GEOMETRY in longitude/latitude made from
    the row's columns (and the product's SQL parameters), of GeoParquet ``types``."""

    expr: str
    types: tuple[str, ...]
    meaning: str

    @property
    def columns(self) -> Columns:
        """The two columns it adds to the product (docs/gold.md lists them with the others)."""
        return (
            ("geometry", "BLOB", f"{self.meaning}: WKB, longitude/latitude (GeoParquet 1.1)"),
            ("geometry_bbox", BBOX_TYPE, "the geometry's bounding box (GeoParquet's covering)"),
        )


POINT = Geometry("ST_Point(lon, lat)", ("Point",), "the point (lon, lat)")


def with_geometry(sql: str, geometry: Geometry) -> str:
    """``sql``'s rows, in its order, with ``geometry`` and ``geometry_bbox`` after its columns."""
    bbox = ", ".join(f"{f} := ST_{f[0].upper()}{f[1:].capitalize()}(geom_)" for f in BBOX_FIELDS)
    return (
        f"SELECT * EXCLUDE (geom_), ST_AsWKB(geom_)::BLOB AS geometry,\n"
        f"       struct_pack({bbox}) AS geometry_bbox\n"
        f"FROM (SELECT *, {geometry.expr} AS geom_ FROM (\n{sql}\n))"
    )


def geoparquet_option(geometry: Geometry) -> str:
    """The ``COPY`` option writing GeoParquet 1.1's ``geo`` metadata into each file."""
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": list(geometry.types),
                "covering": {"bbox": {f: ["geometry_bbox", f] for f in BBOX_FIELDS}},
            }
        },
    }
    return f"KV_METADATA {{geo: {sql_literal(json.dumps(geo))}}}"
