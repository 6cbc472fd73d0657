"""What the product definitions share: columns, measurements for their checks, and the figures
(tables, heatmaps) their assets show in the UI."""

from __future__ import annotations

import duckdb

from aislake.gold.core import GoldParams
from aislake.gold.spec import Columns, Figure, Summary

DENSITY_COLUMNS: Columns = (
    ("cell_x", "INTEGER", "easting of the cell's west edge / cell size (EPSG:3035)"),
    ("cell_y", "INTEGER", "northing of the cell's south edge / cell size (EPSG:3035)"),
    ("cell_code", "VARCHAR", "INSPIRE cell identifier, CRS3035RES1000mN...E..."),
    ("lat", "DOUBLE", "latitude of the cell's centre (WGS84)"),
    ("lon", "DOUBLE", "longitude of the cell's centre (WGS84)"),
    ("ship_type", "VARCHAR", "vessel's most reported ship type that day"),
    ("hours", "DOUBLE", "vessel hours in the cell"),
    ("hours_per_km2", "DOUBLE", "hours / the cell's area in km2 (EMODnet's unit)"),
)

# Where an event at sea was: the mean of its positions and its nearest port or anchorage.
EVENT_PLACE_COLUMNS: Columns = (
    ("lat", "DOUBLE", "mean latitude"),
    ("lon", "DOUBLE", "mean longitude"),
    ("nearest_place", "VARCHAR", "nearest port or anchorage"),
    ("place_km", "DOUBLE", "distance to it, km"),
)


def dup(keys: str) -> str:
    return f"count(*) - count(DISTINCT ({keys}))"


def table(con: duckdb.DuckDBPyConnection, sql: str, header: str) -> Figure:
    rows = con.execute(sql).fetchall()
    body = "\n".join("| " + " | ".join(cell(v) for v in r) + " |" for r in rows)
    return ("md", f"{header}\n{body}")


def cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def summary_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "summary": table(
            con,
            "SELECT ship_type, vessels, messages, distance_nm, hours_under_way FROM "
            f"{t} ORDER BY messages DESC",
            "| ship type | vessels | messages | nm | hours under way |\n|---|---:|---:|---:|---:|",
        )
    }


def density_figures(title: str) -> Summary:
    def figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
        cells = con.execute(
            f"SELECT cell_y, cell_x, sum(hours) FROM {t} GROUP BY ALL HAVING sum(hours) > 0"
        ).fetchall()
        (hours,) = con.execute(f"SELECT coalesce(sum(hours), 0) FROM {t}").fetchone() or (0,)
        figures: dict[str, Figure] = {"cells": ("int", len(cells)), "hours": ("float", hours)}
        if cells:
            figures["heatmap"] = ("heatmap", (cells, p.density_cell_m, title, "vessel hours"))
        return figures

    return figures


def stops_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    rows = con.execute(
        f"SELECT port, count(*) FROM {t} WHERE port_distance_nm <= 1 GROUP BY ALL "
        "ORDER BY 2 DESC, 1 LIMIT 10"
    ).fetchall()
    return {"stops_by_port": ("json", dict(rows))}


def visits_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "visits_by_port": table(
            con,
            f"SELECT port, count(*), count(*) FILTER (WHERE departure IS NULL), "
            f"round(median(duration_hours), 1) FROM {t} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15",
            "| port | visits | in port now | median hours |\n|---|---:|---:|---:|",
        ),
        "by_confidence": ("json", counts(con, f"SELECT confidence, count(*) FROM {t} GROUP BY 1")),
    }


def voyages_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "routes": table(
            con,
            f"SELECT coalesce(origin_port, '?'), coalesce(destination_port, '(at sea)'), "
            f"count(*), round(median(distance_nm), 1) FROM {t} GROUP BY 1, 2 "
            "ORDER BY 3 DESC, 1, 2 LIMIT 15",
            "| from | to | voyages | median nm |\n|---|---|---:|---:|",
        )
    }


def gaps_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "longest": table(
            con,
            f"SELECT mmsi, gap_start, duration_hours, distance_nm FROM {t} "
            "ORDER BY duration_hours DESC, mmsi LIMIT 10",
            "| mmsi | dark from | hours | nm |\n|---:|---|---:|---:|",
        )
    }


def anchorage_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {"by_source": ("json", counts(con, f"SELECT source, count(*) FROM {t} GROUP BY 1"))}


def counts(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in sorted(con.execute(sql).fetchall())}


DENSITY_CHECKS = (
    "count(*) FILTER (WHERE hours < 0 OR messages < 0 OR abs(lat) > 90 OR abs(lon) > 180)"
)


def area_mismatch(p: GoldParams) -> str:
    """SQL: the row's hours per km2 is not its hours over the cell's area."""
    return f"abs(hours_per_km2 * {(p.density_cell_m / 1000) ** 2} - hours) > 0.001"


def density_measures(p: GoldParams, own: str) -> dict[str, str]:
    """A density product's measurements: duplicate cells, and rows out of range (the bounds
    every density row keeps, hours per km2 that is not hours over the cell's area, and ``own``,
    the product's own condition)."""
    return {
        "duplicate_cells": dup("cell_x, cell_y, ship_type"),
        "rows_out_of_range": f"{DENSITY_CHECKS} + count(*) FILTER "
        f"(WHERE {own} OR {area_mismatch(p)})",
    }


def loitering_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "longest": table(
            con,
            f"SELECT mmsi, start_ts, duration_hours, median_sog, round(lat, 3), round(lon, 3), "
            f"nearest_place, place_km FROM {t} ORDER BY duration_hours DESC, mmsi LIMIT 15",
            "| mmsi | from | hours | median kn | lat | lon | nearest | km |\n"
            "|---:|---|---:|---:|---:|---:|---|---:|",
        )
    }


def encounters_figures(con: duckdb.DuckDBPyConnection, t: str, p: GoldParams) -> dict[str, Figure]:
    return {
        "encounters": table(
            con,
            f"SELECT mmsi_a, mmsi_b, start_ts, duration_hours, median_km, round(lat, 3), "
            f"round(lon, 3), nearest_place, place_km FROM {t} "
            "ORDER BY duration_hours DESC, encounter_id LIMIT 15",
            "| mmsi | with | from | hours | median km | lat | lon | nearest | km |\n"
            "|---:|---:|---|---:|---:|---:|---:|---|---:|",
        )
    }


def close_quarters_figures(
    con: duckdb.DuckDBPyConnection, t: str, p: GoldParams
) -> dict[str, Figure]:
    return {
        "closest": table(
            con,
            f"SELECT mmsi_a, mmsi_b, cpa_ts, cpa_nm, tcpa_minutes, sog_a, sog_b, round(lat, 3), "
            f"round(lon, 3) FROM {t} ORDER BY cpa_nm, situation_id LIMIT 15",
            "| mmsi | with | closest at | CPA nm | TCPA min at alert | kn | kn | lat | lon |\n"
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
        )
    }
