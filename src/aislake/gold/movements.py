"""Where vessels stop and go across days: anchorages, vessel runs, port visits, voyages and AIS
gaps (Global Fishing Watch's definitions; docs/gold.md). The SQL is in ``sql/``.

A day's silver is read once, into its **vessel runs** (each vessel's day cut into runs in a port
or at sea); visits, voyages and gaps are stitched from the runs of every day, so a visit or a
gap across midnight is one, and re-running or backfilling days in any order gives the same
rows.
"""

from __future__ import annotations

from aislake.ais.motion import haversine_nm
from aislake.gold.core import (
    UNDER_WAY_MIN_SOG,
    Inputs,
    exact_mean,
    laea,
    ports_values,
    render,
)

KM_PER_NM = 1.852
# The straight line from a run's end (p_lat, p_lon: the previous run's) to its start, in nm.
HOP_NM = haversine_nm("p_lat", "p_lon", "start_lat", "start_lon")


def linked_runs(runs: str) -> str:
    """Every run of ``runs`` in its vessel's order across days (``k``: 1, 2, ...) with the end
    of the run before it (``p_end``, ``p_lat``, ``p_lon``, ``p_sog``, ``p_port``, ``p_stopped``)
    and the hop between the two (``hop_nm``, ``hop_hours``; NULL on a vessel's first run): the
    one reading of the runs that visits, voyages and gaps stitch from."""
    return f"""(SELECT *, {HOP_NM} AS hop_nm, epoch(start_ts - p_end) / 3600 AS hop_hours
    FROM (SELECT *, row_number() OVER w AS k, lag(end_ts) OVER w AS p_end,
                 lag(end_lat) OVER w AS p_lat, lag(end_lon) OVER w AS p_lon,
                 lag(end_sog) OVER w AS p_sog, lag(port) OVER w AS p_port,
                 lag(end_stopped) OVER w AS p_stopped
          FROM {runs} WINDOW w AS (PARTITION BY mmsi ORDER BY start_ts, dt, run)))"""


def _km(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    return f"({haversine_nm(lat1, lon1, lat2, lon2)} * {KM_PER_NM})"


def anchorages_sql(i: Inputs) -> str:
    p = i.params
    return render(
        "anchorages",
        stops=i.upstream["vessel_stops"],
        stop_point=laea("lon", "lat"),
        mean_lat=exact_mean("lat"),
        mean_lon=exact_mean("lon"),
        cell=int(p.anchorage_cell_m),
        min_vessels=int(p.anchorage_min_vessels),
        ports=ports_values(),
        cell_port_km=_km("lat", "lon", "port_lat", "port_lon"),
        lake_port_km=_km("lake.lat", "lake.lon", "port_lat", "port_lon"),
        name_km=float(p.anchorage_name_max_km),
        exit_km=float(p.visit_exit_km),
    )


def vessel_runs_sql(i: Inputs) -> str:
    p = i.params
    positions = i.upstream["vessel_positions"]
    return render(
        "vessel_runs",
        anchorages=i.upstream["anchorages"],
        positions=positions,
        pos_anchorage_km=_km("pos.lat", "pos.lon", "a_lat", "a_lon"),
        entry_km=float(p.visit_entry_km),
        exit_km=float(p.visit_exit_km),
        stop_sog=float(p.visit_stop_sog_kn),
        move_sog=float(p.visit_move_sog_kn),
        gap_hours=float(p.gap_min_hours),
        gap_s=float(p.gap_min_hours) * 3600,
        day=i.day_sql,
    )


def port_visits_sql(i: Inputs) -> str:
    p = i.params
    return render(
        "port_visits",
        runs=linked_runs(i.upstream["vessel_runs"]),
        stop_min_minutes=float(p.visit_stop_min_minutes),
        port_gap_hours=float(p.port_gap_hours),
    )


def voyages_sql(i: Inputs) -> str:
    return render(
        "voyages", visits=i.upstream["port_visits"], runs=linked_runs(i.upstream["vessel_runs"])
    )


def ais_gaps_sql(i: Inputs) -> str:
    p = i.params
    return render(
        "ais_gaps",
        runs=linked_runs(i.upstream["vessel_runs"]),
        gap_hours=float(p.gap_min_hours),
        under_way_sog=UNDER_WAY_MIN_SOG,
        min_move_nm=float(p.gap_min_move_nm),
    )
