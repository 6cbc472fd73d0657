"""Vessel density in hours (EMODnet Human Activities' method) on a metric grid, a day and a
month at a time; the SQL is in ``sql/traffic_density*.sql``."""

from __future__ import annotations

from aislake.gold.core import Inputs, laea, render, vessel_type_cte


def traffic_density_sql(i: Inputs) -> str:
    """Per cell of ``density_cell_m`` metres (EPSG:3035) and ship type: the hours vessels spent
    there (their lines between consecutive positions of a segment of ``vessel_positions``, split
    across cells by length), with distinct vessels and positions."""
    p = i.params
    return render(
        "traffic_density",
        positions=i.upstream["vessel_positions"],
        vessel_type=vessel_type_cte("pos"),
        point=laea("lon", "lat"),
        cell=int(p.density_cell_m),
        day=i.day_sql,
    )


def traffic_density_monthly_sql(i: Inputs) -> str:
    """The month's daily density summed per cell and ship type."""
    return render("traffic_density_monthly", daily=i.upstream["traffic_density"], day=i.day_sql)
