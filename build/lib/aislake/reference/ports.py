"""A small bundled list of ports (WGS84, harbour entrance, rounded to ~100 m): Danish and
nearby ports for DMA's waters, and US East Coast ports for NOAA's.

Used by the simulator (where vessels sail) and by gold (nearest named port of a stop). Positions
are public knowledge, typed in by hand from nautical charts' harbour coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Port:
    name: str
    country: str
    lat: float
    lon: float
    sea_node: str  # the sea-lane waypoint (simulate/sealanes.py) a vessel leaves the port by


PORTS: tuple[Port, ...] = (
    Port("Skagen", "DK", 57.717, 10.592, "SKAW"),
    Port("Frederikshavn", "DK", 57.438, 10.551, "KATT_N"),
    Port("Hirtshals", "DK", 57.594, 9.964, "HIRTS_OFF"),
    Port("Aarhus", "DK", 56.150, 10.234, "AARHUS_OFF"),
    Port("Grenaa", "DK", 56.410, 10.928, "GRENAA_OFF"),
    Port("Kalundborg", "DK", 55.676, 11.085, "GREATBELT_N"),
    Port("Korsør", "DK", 55.331, 11.134, "GREATBELT_C"),
    Port("Nyborg", "DK", 55.309, 10.802, "GREATBELT_C"),
    Port("Helsingør", "DK", 56.038, 12.617, "OERESUND_N"),
    Port("Copenhagen", "DK", 55.706, 12.604, "OERESUND_C"),
    Port("Rødby", "DK", 54.655, 11.350, "FEHMARN"),
    Port("Rønne", "DK", 55.098, 14.688, "BORNHOLM_W"),
    Port("Esbjerg", "DK", 55.466, 8.432, "EBJ_OFF"),
    Port("Gothenburg", "SE", 57.688, 11.860, "GOTH_OFF"),
    Port("Helsingborg", "SE", 56.043, 12.689, "OERESUND_N"),
    Port("Malmö", "SE", 55.615, 12.985, "OERESUND_C"),
    Port("Trelleborg", "SE", 55.367, 13.152, "TRELLEBORG_OFF"),
    Port("Kiel", "DE", 54.330, 10.155, "KIEL_BAY"),
    Port("Puttgarden", "DE", 54.502, 11.228, "FEHMARN"),
    Port("Rostock", "DE", 54.184, 12.101, "MECKLENBURG"),
    Port("Gdańsk", "PL", 54.400, 18.667, "GDANSK_BAY"),
)

US_PORTS: tuple[Port, ...] = (
    Port("Boston", "US", 42.353, -71.030, "BOSTON_OFF"),
    Port("Gloucester", "US", 42.608, -70.660, "BOSTON_OFF"),
    Port("New Bedford", "US", 41.630, -70.910, "BLOCK_ISL_S"),
    Port("Woods Hole", "US", 41.523, -70.672, "NANTUCKET_S"),
    Port("Vineyard Haven", "US", 41.456, -70.600, "NANTUCKET_S"),
    Port("New York", "US", 40.610, -74.050, "NY_OFF"),
    Port("Whitehall", "US", 40.701, -74.013, "NY_OFF"),
    Port("St. George", "US", 40.644, -74.072, "NY_OFF"),
    Port("Cape May", "US", 38.955, -74.905, "DELAWARE_OFF"),
    Port("Norfolk", "US", 36.925, -76.330, "CHES_ENT"),
    Port("Charleston", "US", 32.780, -79.920, "CHS_OFF"),
    Port("Savannah", "US", 32.085, -81.090, "SAV_OFF"),
    Port("Jacksonville", "US", 30.400, -81.550, "JAX_OFF"),
    Port("Port Everglades", "US", 26.090, -80.120, "FLL_OFF"),
    Port("Miami", "US", 25.772, -80.170, "MIA_OFF"),
)

# Danish waters first: their order is the one the simulator's fixed stations are placed by.
NORDIC_PORTS = PORTS
PORTS = NORDIC_PORTS + US_PORTS

PORTS_BY_NAME = {p.name: p for p in PORTS}


def distance_nm(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in nautical miles (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 3440.065 * math.asin(math.sqrt(a))


def nearest_port(lat: float, lon: float) -> tuple[Port, float]:
    """The closest bundled port and its distance in nautical miles."""
    best = min(PORTS, key=lambda p: distance_nm(lat, lon, p.lat, p.lon))
    return best, distance_nm(lat, lon, best.lat, best.lon)
