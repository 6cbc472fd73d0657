"""Sea-lane waypoints of Danish and nearby waters and of the US East Coast, and shortest routes
between ports over them.

Edges join waypoints whose straight line stays at sea, so routes go round Jutland, through the
Great Belt or the Øresund, or round Cape Cod and Cape Hatteras, as real traffic does. Routes:
port -> its sea node -> ... -> port. The two regions are separate graphs.
"""

from __future__ import annotations

import heapq
from functools import cache

from aislake.reference.ports import PORTS_BY_NAME, distance_nm

NODES: dict[str, tuple[float, float]] = {
    "NORTHSEA_E": (56.30, 7.40),
    "EBJ_OFF": (55.42, 8.05),
    "SKAG_W": (57.75, 8.60),
    "HIRTS_OFF": (57.68, 9.90),
    "SKAW": (57.80, 10.75),
    "GOTH_OFF": (57.64, 11.60),
    "KATT_N": (57.40, 10.85),
    "KATT_C": (56.85, 11.45),
    "GRENAA_OFF": (56.40, 11.10),
    "AARHUS_OFF": (56.12, 10.50),
    "KATT_S": (56.30, 11.90),
    "ODDEN": (56.05, 11.15),
    "GREATBELT_N": (55.72, 10.98),
    "GREATBELT_C": (55.34, 10.98),
    "GREATBELT_S": (54.95, 10.95),
    "KIEL_BAY": (54.55, 10.45),
    "FEHMARN": (54.58, 11.28),
    "MECKLENBURG": (54.35, 12.10),
    "OERESUND_N": (56.08, 12.60),
    "OERESUND_C": (55.72, 12.75),
    "DROGDEN": (55.45, 12.74),
    "FALSTERBO": (55.30, 12.75),
    "TRELLEBORG_OFF": (55.30, 13.15),
    "ARKONA": (54.85, 13.45),
    "BORNHOLM_W": (55.10, 14.45),
    "BALTIC_S": (55.15, 16.50),
    "GDANSK_BAY": (54.62, 18.75),
    # US East Coast (NOAA's waters), offshore of the capes and harbour approaches.
    "BOSTON_OFF": (42.37, -70.75),
    "CAPECOD_E": (41.80, -69.80),
    "NANTUCKET_S": (40.90, -69.90),
    "BLOCK_ISL_S": (40.95, -71.50),
    "NY_OFF": (40.40, -73.75),
    "NJ_OFF": (39.50, -73.90),
    "DELAWARE_OFF": (38.75, -74.80),
    "VA_OFF": (37.00, -75.60),
    "CHES_ENT": (36.95, -75.95),
    "HATTERAS": (35.10, -75.20),
    "CAPE_FEAR": (33.70, -77.80),
    "CHS_OFF": (32.60, -79.60),
    "SAV_OFF": (31.95, -80.70),
    "JAX_OFF": (30.40, -81.20),
    "CANAVERAL": (28.40, -80.30),
    "FLL_OFF": (26.10, -80.00),
    "MIA_OFF": (25.76, -80.02),
}

EDGES: tuple[tuple[str, str], ...] = (
    ("NORTHSEA_E", "EBJ_OFF"),
    ("NORTHSEA_E", "SKAG_W"),
    ("SKAG_W", "HIRTS_OFF"),
    ("HIRTS_OFF", "SKAW"),
    ("SKAW", "GOTH_OFF"),
    ("SKAW", "KATT_N"),
    ("KATT_N", "KATT_C"),
    ("GOTH_OFF", "KATT_C"),
    ("KATT_C", "GRENAA_OFF"),
    ("KATT_C", "KATT_S"),
    ("GRENAA_OFF", "AARHUS_OFF"),
    ("GRENAA_OFF", "ODDEN"),
    ("AARHUS_OFF", "GREATBELT_N"),
    ("ODDEN", "GREATBELT_N"),
    ("KATT_S", "ODDEN"),
    ("KATT_S", "OERESUND_N"),
    ("GREATBELT_N", "GREATBELT_C"),
    ("GREATBELT_C", "GREATBELT_S"),
    ("GREATBELT_S", "KIEL_BAY"),
    ("GREATBELT_S", "FEHMARN"),
    ("FEHMARN", "MECKLENBURG"),
    ("KIEL_BAY", "FEHMARN"),
    ("MECKLENBURG", "ARKONA"),
    ("OERESUND_N", "OERESUND_C"),
    ("OERESUND_C", "DROGDEN"),
    ("DROGDEN", "FALSTERBO"),
    ("FALSTERBO", "TRELLEBORG_OFF"),
    ("FALSTERBO", "ARKONA"),
    ("TRELLEBORG_OFF", "ARKONA"),
    ("TRELLEBORG_OFF", "BORNHOLM_W"),
    ("ARKONA", "BORNHOLM_W"),
    ("BORNHOLM_W", "BALTIC_S"),
    ("BALTIC_S", "GDANSK_BAY"),
    ("BOSTON_OFF", "CAPECOD_E"),
    ("CAPECOD_E", "NANTUCKET_S"),
    ("NANTUCKET_S", "BLOCK_ISL_S"),
    ("BLOCK_ISL_S", "NY_OFF"),
    ("NY_OFF", "NJ_OFF"),
    ("NJ_OFF", "DELAWARE_OFF"),
    ("DELAWARE_OFF", "VA_OFF"),
    ("VA_OFF", "CHES_ENT"),
    ("VA_OFF", "HATTERAS"),
    ("HATTERAS", "CAPE_FEAR"),
    ("CAPE_FEAR", "CHS_OFF"),
    ("CHS_OFF", "SAV_OFF"),
    ("SAV_OFF", "JAX_OFF"),
    ("JAX_OFF", "CANAVERAL"),
    ("CANAVERAL", "FLL_OFF"),
    ("FLL_OFF", "MIA_OFF"),
)


def _graph() -> dict[str, list[tuple[str, float]]]:
    graph: dict[str, list[tuple[str, float]]] = {n: [] for n in NODES}
    for a, b in EDGES:
        d = distance_nm(*NODES[a], *NODES[b])
        graph[a].append((b, d))
        graph[b].append((a, d))
    return graph


@cache
def route(origin: str, destination: str) -> tuple[tuple[float, float], ...]:
    """Waypoints (lat, lon) from one port to another along the sea lanes (Dijkstra)."""
    a, b = PORTS_BY_NAME[origin], PORTS_BY_NAME[destination]
    graph = _graph()
    best = {a.sea_node: 0.0}
    previous: dict[str, str] = {}
    queue = [(0.0, a.sea_node)]
    while queue:
        d, node = heapq.heappop(queue)
        if node == b.sea_node:
            break
        if d > best.get(node, float("inf")):
            continue
        for nxt, w in graph[node]:
            if d + w < best.get(nxt, float("inf")):
                best[nxt] = d + w
                previous[nxt] = node
                heapq.heappush(queue, (d + w, nxt))
    if b.sea_node not in best:
        raise ValueError(f"no sea route from {origin} to {destination}")
    path = [b.sea_node]
    while path[-1] != a.sea_node:
        path.append(previous[path[-1]])
    waypoints = [NODES[n] for n in reversed(path)]
    return ((a.lat, a.lon), *waypoints, (b.lat, b.lon))
