"""Discovering newly published DMA days."""

import dagster as dg

from aislake.defs.resources import DmaArchive
from aislake.defs.sources import (
    day_run_selection,
    days_to_request,
    only_if_active,
    published_days_evaluation,
)
from aislake.sources.dma.archive import DmaError, list_archive, published_days

__all__ = ["days_to_request", "dma_published_days_sensor"]


@dg.sensor(
    name="dma_published_days_sensor",
    target=day_run_selection("dma"),
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Lists DMA's archive every hour and requests bronze, silver and gold for each "
    "newly published day. A day not yet published is left alone until it appears.",
)
def dma_published_days_sensor(
    context: dg.SensorEvaluationContext, dma: DmaArchive
) -> dg.SensorResult | dg.SkipReason:
    return published_days_evaluation(
        "dma",
        context,
        lambda: published_days(list_archive(dma.base_url)),
        dma.base_url,
        DmaError,
    )


@dg.definitions
def dma_sensors() -> dg.Definitions:
    return only_if_active("dma", sensors=[dma_published_days_sensor])
