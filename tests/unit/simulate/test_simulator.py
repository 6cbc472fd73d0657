"""The traffic simulator: deterministic, DMA-shaped, plausible, and honest about its truth."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest

from aislake.reference.ports import PORTS, PORTS_BY_NAME, distance_nm, nearest_port
from aislake.simulate.dmafile import NO_QUIRKS, write_dma_zip
from aislake.simulate.sealanes import NODES, route
from aislake.simulate.traffic import FleetSize, simulate
from aislake.sources.dma.archive import dma_layout
from conftest import SIM_DAY, SMALL_FLEET

# A few ships of every kind the quirks touch: enough to show determinism, quick to write thrice.
TINY_FLEET = FleetSize(
    cargo=1, tanker=0, ferry_per_pair=1, fishing=1, anchored=1, pleasure=1, base_stations=1, atons=1
)


def test_same_day_and_seed_give_the_same_bytes(tmp_path: Path) -> None:
    a = write_dma_zip(SIM_DAY, tmp_path / "a", TINY_FLEET)
    b = write_dma_zip(SIM_DAY, tmp_path / "b", TINY_FLEET)
    read = lambda f: zipfile.ZipFile(f.path).read("aisdk-2024-01-15.csv")  # noqa: E731
    assert read(a) == read(b)
    c = write_dma_zip(SIM_DAY, tmp_path / "c", TINY_FLEET, seed=1)
    assert read(c) != read(a)


@pytest.mark.parametrize("columns", [26, 22])
def test_file_has_dma_header_and_time_format(tmp_path: Path, columns: int) -> None:
    f = write_dma_zip(SIM_DAY, tmp_path, TINY_FLEET, columns=columns, quirks=NO_QUIRKS)
    with zipfile.ZipFile(f.path) as zf:
        assert zf.namelist() == ["aisdk-2024-01-15.csv"]
        lines = zf.read("aisdk-2024-01-15.csv").decode().splitlines()
    assert len(dma_layout(lines[0])) == columns
    assert lines[1].startswith("15/01/2024 00:00:")
    assert all(len(line.split(",")) == columns for line in lines[1:200])
    assert len(lines) - 1 == f.rows


def test_reporting_intervals_follow_the_ais_rules() -> None:
    reports, truth = simulate(SIM_DAY, SMALL_FLEET)
    for mmsi, v in truth.vessels.items():
        m = (reports["mmsi"] == mmsi) & (reports["lat"] < 91)
        gaps = np.diff(reports["t"][m])
        sog = reports["sog"][m][1:].astype(float)
        if v.mobile_type == "Class A":
            assert np.median(gaps[sog > 3]) <= 10 if (sog > 3).any() else True
            assert np.median(gaps[sog < 0.3]) >= 170 if (sog < 0.3).sum() > 10 else True
        else:
            assert np.median(gaps[sog > 3]) == pytest.approx(30, abs=1)


def test_vessels_sail_at_plausible_speeds_between_real_ports() -> None:
    reports, truth = simulate(SIM_DAY, SMALL_FLEET)
    ships = np.isin(reports["mobile_type"], ["Class A", "Class B"]) & (reports["lat"] < 91)
    assert (reports["sog"][ships].astype(float) <= 20).all()
    for v in truth.vessels.values():
        for stay in v.stays:
            port = PORTS_BY_NAME[stay.port]
            assert distance_nm(stay.lat, stay.lon, port.lat, port.lon) < 0.5
            assert stay.departure > stay.arrival


def test_routes_follow_sea_lanes_between_ports() -> None:
    way = route("Aarhus", "Copenhagen")
    assert way[0] == (PORTS_BY_NAME["Aarhus"].lat, PORTS_BY_NAME["Aarhus"].lon)
    assert NODES["OERESUND_N"] in way  # round Zealand's north, into the Øresund
    assert len(route("Esbjerg", "Gdańsk")) > 8  # round Skagen, not across Jutland


def test_distance_sailed_in_truth_matches_the_reports() -> None:
    reports, truth = simulate(SIM_DAY, SMALL_FLEET, glitch_share=0)
    for mmsi, v in truth.vessels.items():
        if v.kind not in ("cargo", "ferry"):
            continue
        m = (reports["mmsi"] == mmsi) & (reports["lat"] < 91)
        lat, lon = reports["lat"][m], reports["lon"][m]
        travelled = sum(
            distance_nm(lat[i], lon[i], lat[i + 1], lon[i + 1]) for i in range(len(lat) - 1)
        )
        assert travelled == pytest.approx(v.distance_nm, rel=0.05, abs=1.0), v.name


def test_fleet_scales_with_the_target_row_count() -> None:
    small = len(simulate(SIM_DAY, FleetSize.for_rows(50_000))[0]["t"])
    large = len(simulate(SIM_DAY, FleetSize.for_rows(400_000))[0]["t"])
    assert 25_000 < small < 100_000
    assert 250_000 < large < 600_000


def test_nearest_port() -> None:
    port, nm = nearest_port(55.70, 12.61)
    assert port.name == "Copenhagen" and nm < 1
    assert len({p.name for p in PORTS}) == len(PORTS)


def test_days_differ() -> None:
    a, _ = simulate(SIM_DAY, SMALL_FLEET)
    b, _ = simulate(SIM_DAY + dt.timedelta(days=1), SMALL_FLEET)
    assert len(a["t"]) != len(b["t"]) or not np.array_equal(a["lat"], b["lat"])


def test_noaa_days_sail_us_waters_in_both_layouts(tmp_path: Path) -> None:
    import zstandard

    from aislake.reference.ports import US_PORTS
    from aislake.simulate.noaafile import write_noaa_day

    csv2 = write_noaa_day(SIM_DAY, tmp_path, "csv2")
    legacy = write_noaa_day(SIM_DAY, tmp_path, "legacy")
    assert csv2.path == tmp_path / "csv2024" / "ais-2024-01-15.csv.zst"
    assert legacy.path == tmp_path / "2024" / "AIS_2024_01_15.zip"
    assert csv2.rows == legacy.rows
    with csv2.path.open("rb") as f:
        text = zstandard.ZstdDecompressor().stream_reader(f).read().decode()
    lines = text.split("\n")
    assert lines[0].startswith("mmsi,base_date_time,longitude,latitude,")
    assert len(lines) == csv2.rows + 2  # header, rows, and the final newline's empty string
    assert '"SMITH, JOHN"' in text and "IMO1001266646" in text
    with zipfile.ZipFile(legacy.path) as zf:
        raw = zf.read("AIS_2024_01_15.csv")
    assert raw.startswith(b"MMSI,BaseDateTime,LAT,LON,") and raw.count(b"\r\n") == legacy.rows + 1
    assert b"T00:0" in raw and b",511," not in raw.split(b"\r\n")[1]
    # The fleet calls at US ports and flies US (and Marshall Islands) flags.
    us = {p.name for p in US_PORTS}
    stays = [s.port for v in csv2.truth.vessels.values() for s in v.stays]
    assert stays and set(stays) <= us
    assert {m // 1_000_000 for m in csv2.truth.vessels} <= {366, 367, 368, 538}
