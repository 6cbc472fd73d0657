"""The simulator's pieces of a vessel's day: a :class:`Leg` sails along waypoints at a speed or
stays at a point; times are seconds of the day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aislake.reference.ports import distance_nm

DAY_SECONDS = 86_400


@dataclass
class Leg:
    """A piece of a vessel's day: sail along waypoints, or stay at a point."""

    t0: float
    t1: float
    points: np.ndarray  # (k, 2) lat, lon; one row when staying
    speed_kn: float
    nav_status: str


def polyline_lengths(points: np.ndarray) -> np.ndarray:
    return np.array(
        [distance_nm(*points[i], *points[i + 1]) for i in range(len(points) - 1)], dtype=float
    )


def sail(t0: float, points: np.ndarray, speed: float, status: str) -> Leg:
    hours = polyline_lengths(points).sum() / speed
    return Leg(t0, t0 + hours * 3600, points, speed, status)


def stay(t0: float, t1: float, lat: float, lon: float, status: str) -> Leg:
    return Leg(t0, t1, np.array([[lat, lon]]), 0.0, status)
