"""Crafted DMA rows for tests: the 26-column header and one line with every field settable."""

from aislake.ais.schema import DMA_HEADER_26

HEADER = ",".join(DMA_HEADER_26)
TAIL = "Unknown,,,Undefined,,,,GPS,,,,AIS,,,,"


def row(
    ts: str = "15/01/2024 10:00:00",
    mmsi: str = "219000001",
    lat: str = "55.5",
    lon: str = "11.0",
    nav: str = "Under way using engine",
    rot: str = "0.0",
    sog: str = "10.0",
    cog: str = "90.0",
    heading: str = "90",
    tail: str = TAIL,
    mobile: str = "Class A",
) -> str:
    return ",".join([ts, mobile, mmsi, lat, lon, nav, rot, sog, cog, heading, tail])
