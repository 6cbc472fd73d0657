"""MovingPandas' idea of a day's work, run in its own virtualenv by bench/peers_bench.py: read a
DMA day's CSV with pandas, keep the Class A/B positions, build one trajectory per vessel, split
them at silences of 30 minutes (``ObservationGapSplitter``) and find stops (30 minutes within
0.5 nm, ``TrajectoryStopDetector``). Prints one JSON line: seconds of each step, vessels,
segments, stops and the distance per vessel in nautical miles."""

import datetime as dt
import json
import sys
import time
import warnings

import geopandas as gpd
import movingpandas as mpd
import pandas as pd

warnings.filterwarnings("ignore")
COLUMNS = ["# Timestamp", "Type of mobile", "MMSI", "Latitude", "Longitude", "SOG"]


def main(csv: str) -> None:
    started = time.perf_counter()
    df = pd.read_csv(csv, usecols=COLUMNS, on_bad_lines="skip", low_memory=False)
    df = df[df["Type of mobile"].isin(["Class A", "Class B"])]
    df = df[(df["Latitude"].abs() <= 90) & (df["Longitude"].abs() <= 180)]
    df = df[(df["MMSI"] >= 201_000_000) & (df["MMSI"] < 776_000_000)]
    df["t"] = pd.to_datetime(df["# Timestamp"], format="%d/%m/%Y %H:%M:%S")
    df = df.drop_duplicates(["MMSI", "t"])
    points = gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]), crs="EPSG:4326"
    )
    trajectories = mpd.TrajectoryCollection(points, "MMSI", t="t")
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    split = mpd.ObservationGapSplitter(trajectories).split(gap=dt.timedelta(minutes=30))
    vessels: dict[str, float] = {}
    for traj in split:
        key = str(traj.id).rsplit("_", 1)[0]  # the splitter names the pieces <id>_<n>
        vessels[key] = vessels.get(key, 0.0) + traj.get_length() / 1852.0
    split_s = time.perf_counter() - started
    started = time.perf_counter()
    stops = mpd.TrajectoryStopDetector(trajectories).get_stop_segments(
        min_duration=dt.timedelta(minutes=30), max_diameter=926
    )
    stops_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "read_s": read_s,
                "split_s": split_s,
                "stops_s": stops_s,
                "vessels": len(vessels),
                "segments": len(split),
                "stops": len(stops),
                "positions": len(points),
                "distance_nm": vessels,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
