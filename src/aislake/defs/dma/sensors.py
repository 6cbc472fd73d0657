"""Discovering newly published DMA days."""

import datetime as dt
import os

import dagster as dg

from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DmaArchive
from aislake.sources.dma import DmaError, list_archive, published_days

# On its first tick the sensor requests only the most recent days; history is a backfill.
INITIAL_DAYS = int(os.environ.get("AISLAKE_SENSOR_INITIAL_DAYS", "3"))


def days_to_request(
    published: list[dt.date], partitions: set[str], cursor: str | None
) -> list[str]:
    """Published days that are partitions and newer than the cursor (the last day requested)."""
    days = sorted(d.isoformat() for d in published if d.isoformat() in partitions)
    if cursor is None:
        return days[-INITIAL_DAYS:] if INITIAL_DAYS > 0 else []
    return [d for d in days if d > cursor]


@dg.sensor(
    name="dma_published_days_sensor",
    target=dg.AssetSelection.groups("dma", "gold"),
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Lists DMA's archive every hour and requests bronze, silver and gold for each "
    "newly published day. A day not yet published is left alone until it appears.",
)
def dma_published_days_sensor(
    context: dg.SensorEvaluationContext, dma: DmaArchive
) -> dg.SensorResult | dg.SkipReason:
    try:
        keys = list_archive(dma.base_url)
    except DmaError as exc:
        return dg.SkipReason(str(exc))
    partitions = set(daily_partitions.get_partition_keys())
    days = days_to_request(published_days(keys), partitions, context.cursor)
    if not days:
        return dg.SkipReason(f"no new day in {dma.base_url} after {context.cursor or 'start'}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=d, run_key=f"dma-{d}") for d in days],
        cursor=days[-1],
    )
