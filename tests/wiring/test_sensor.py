"""The sensor that discovers newly published DMA days, against a real S3 listing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import boto3
import dagster as dg
import pytest

from aislake.defs.resources import LakeStorage, SourceArchive
from aislake.defs.sources import days_to_request, published_days_sensor
from aislake.sources.dma.archive import DmaError, list_archive


@pytest.fixture
def dma_bucket(s3_endpoint: str) -> str:
    """A bucket laid out like DMA's archive (root dailies, a year folder, a monthly archive)."""
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://{s3_endpoint}",
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    s3.create_bucket(Bucket="dma-archive")
    for key in [
        "aisdk-2024-01-20.zip",
        "aisdk-2024-01-21.zip",
        "2024/aisdk-2024-01-19.zip",
        "2023/aisdk-2023-12.zip",
        "README.txt",
    ]:
        s3.put_object(Bucket="dma-archive", Key=key, Body=b"x")
    return f"http://{s3_endpoint}/dma-archive/"


def test_list_archive_reads_an_s3_listing(dma_bucket: str) -> None:
    keys = list_archive(dma_bucket)
    assert "2024/aisdk-2024-01-19.zip" in keys and "aisdk-2024-01-21.zip" in keys
    assert len(keys) == 5


def test_list_archive_reads_a_file_mirror(tmp_path: Path) -> None:
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "aisdk-2024-03-01.zip").write_bytes(b"x")
    assert list_archive(tmp_path.as_uri()) == ["2024/aisdk-2024-03-01.zip"]


def test_an_unreachable_archive_is_a_clear_error() -> None:
    from conftest import free_port

    with pytest.raises(DmaError, match="cannot list DMA's archive"):
        list_archive(f"http://127.0.0.1:{free_port()}/")


def test_only_new_published_partition_days_are_requested() -> None:
    published = [dt.date(2024, 1, d) for d in (18, 19, 20, 21)]
    partitions = {"2024-01-18", "2024-01-19", "2024-01-20"}  # the 21st is not a partition yet
    assert days_to_request(published, partitions, None) == [
        "2024-01-18",
        "2024-01-19",
        "2024-01-20",
    ]
    assert days_to_request(published, partitions, "2024-01-19") == ["2024-01-20"]
    assert days_to_request(published, partitions, "2024-01-20") == []


def test_the_sensor_requests_runs_for_published_days_and_moves_its_cursor(
    dma_bucket: str, tmp_path: Path
) -> None:
    lake = LakeStorage(lake_dir=str(tmp_path / "lake"))
    context = dg.build_sensor_context(
        cursor="2024-01-19",
        resources={
            "dma": SourceArchive(source="dma", options={"AISLAKE_DMA_BASE_URL": dma_bucket}),
            "storage": lake,
        },
    )
    result = published_days_sensor("dma")(context)
    assert isinstance(result, dg.SensorResult)
    assert [r.partition_key for r in result.run_requests or []] == ["2024-01-20", "2024-01-21"]
    assert result.cursor == "2024-01-21"
    context = dg.build_sensor_context(
        cursor="2024-01-21",
        resources={
            "dma": SourceArchive(source="dma", options={"AISLAKE_DMA_BASE_URL": dma_bucket}),
            "storage": lake,
        },
    )
    assert isinstance(published_days_sensor("dma")(context), dg.SkipReason)


def _archive(url: str) -> SourceArchive:
    return SourceArchive(source="dma", options={"AISLAKE_DMA_BASE_URL": url})
