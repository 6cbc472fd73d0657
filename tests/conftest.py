"""Fixtures that start real servers on loopback: an S3 server (moto) and an HTTP mirror."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from aislake.simulate.dmafile import SimulatedFile, write_dma_zip
from aislake.simulate.traffic import FleetSize
from aislake.storage.store import LocalStore, S3Store
from support.archive import (
    archive,  # noqa: F401  (a fixture of every test)
    serve_folder,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"
SIM_DAY = dt.date(2024, 1, 15)
# A small fleet: about 60 k rows a day, enough for the 10 k-row check, quick to build.
SMALL_FLEET = FleetSize(
    cargo=4, tanker=1, ferry_per_pair=1, fishing=2, anchored=2, pleasure=2, base_stations=1, atons=2
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def local(tmp_path: Path) -> LocalStore:
    """An empty local lake."""
    return LocalStore(tmp_path / "lake")


@pytest.fixture(scope="session")
def samples() -> Path:
    if not (SAMPLES / "dma").is_dir():
        pytest.fail(f"the real AIS samples are missing: expected {SAMPLES} (../shared/samples)")
    return SAMPLES


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server, started in-process on a free loopback port for the whole session."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str) -> dict[str, str]:
    """Environment that points aislake at a fresh bucket of the S3 server."""
    return {
        "MINIO_ENDPOINT": s3_endpoint,
        "AISLAKE_BUCKET": f"lake-{uuid.uuid4().hex[:12]}",
        "MINIO_ACCESS_KEY": "testing-key",
        "MINIO_SECRET_KEY": "testing-secret",
        "MINIO_SECURE": "false",
    }


@pytest.fixture
def s3_store(s3_env: dict[str, str]) -> S3Store:
    return S3Store(
        endpoint=s3_env["MINIO_ENDPOINT"],
        bucket=s3_env["AISLAKE_BUCKET"],
        access_key=s3_env["MINIO_ACCESS_KEY"],
        secret_key=s3_env["MINIO_SECRET_KEY"],
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> LocalStore | S3Store:
    """Each backend in turn: tests that take ``store`` run against both."""
    if request.param == "local":
        return LocalStore(tmp_path / "lake")
    return request.getfixturevalue("s3_store")


@pytest.fixture(scope="session")
def sim_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like DMA's archive root, holding one simulated day."""
    return tmp_path_factory.mktemp("mirror")


@pytest.fixture(scope="session")
def sim_file(sim_mirror: Path) -> SimulatedFile:
    return write_dma_zip(SIM_DAY, sim_mirror, SMALL_FLEET)


@pytest.fixture(scope="session")
def mirror_url(sim_mirror: Path, sim_file: SimulatedFile) -> Iterator[str]:
    with serve_folder(sim_mirror) as url:
        yield url
