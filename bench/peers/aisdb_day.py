"""AISdb's idea of a day's work, run in AISdb's own virtualenv by bench/peers_bench.py: decode a
day's NMEA log (``.nm4``: tag blocks with receive times) into its SQLite database, then build
tracks (``TrackGen``), split them at silences of 30 minutes (``split_timedelta``) and at jumps
no ship could make (``encode_greatcircledistance``, 50 kn, its documented denoising) and measure
each vessel's distance. Prints one JSON line: seconds of each step, vessels, segments and the
distance per vessel in nautical miles."""

import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
from aisdb import (
    DBConn,
    DBQuery,
    TrackGen,
    decode_msgs,
    encode_greatcircledistance,
    split_timedelta,
    sqlfcn_callbacks,
)


def haversine_nm(lat: np.ndarray, lon: np.ndarray) -> float:
    p, q = np.radians(lat), np.radians(lon)
    h = np.sin(np.diff(p) / 2) ** 2 + np.cos(p[:-1]) * np.cos(p[1:]) * np.sin(np.diff(q) / 2) ** 2
    return float((2 * 3440.065 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))).sum())


def main(log: Path, db: Path, day: dt.date) -> None:
    started = time.perf_counter()
    with DBConn(str(db)) as conn:
        decode_msgs([str(log)], dbconn=conn, source="bench", skip_checksum=True, verbose=False)
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    start = dt.datetime.combine(day, dt.time())
    vessels: dict[int, float] = {}
    segments = positions = 0
    with DBConn(str(db)) as conn:
        query = DBQuery(
            dbconn=conn,
            start=start,
            end=start + dt.timedelta(days=1),
            callback=sqlfcn_callbacks.in_timerange_validmmsi,
        )
        tracks = TrackGen(query.gen_qry(verbose=False), decimate=False)
        tracks = split_timedelta(tracks, dt.timedelta(minutes=30))
        # its documented denoising: a jump no ship could make starts a segment of its own
        tracks = encode_greatcircledistance(
            tracks, distance_threshold=50_000, minscore=1e-6, speed_threshold=50
        )
        for track in tracks:
            segments += 1
            positions += len(track["time"])
            mmsi = int(track["mmsi"])
            vessels[mmsi] = vessels.get(mmsi, 0.0) + haversine_nm(track["lat"], track["lon"])
    tracks_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "ingest_s": ingest,
                "tracks_s": tracks_s,
                "vessels": len(vessels),
                "segments": segments,
                "positions": positions,
                "distance_nm": {str(k): v for k, v in vessels.items()},
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), dt.date.fromisoformat(sys.argv[3]))
