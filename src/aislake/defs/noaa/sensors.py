"""Discovering newly published NOAA days."""

import datetime as dt

import dagster as dg

from aislake.defs.partitions import START_DATE
from aislake.defs.resources import NoaaArchive
from aislake.defs.sources import day_run_selection, only_if_active, published_days_evaluation
from aislake.sources.fetch import SourceError
from aislake.sources.noaa.archive import list_archive, published_days


def noaa_days(noaa: NoaaArchive, today: dt.date | None = None) -> list[dt.date]:
    """The days NOAA lists in the configured layout, for the partitions' years up to today."""
    fmt, base_url = noaa.layout_base_url()
    first = dt.date.fromisoformat(START_DATE).year
    years = list(range(first, (today or dt.date.today()).year + 1))
    return published_days(list_archive(fmt, base_url, years), fmt)


@dg.sensor(
    name="noaa_published_days_sensor",
    target=day_run_selection("noaa"),
    minimum_interval_seconds=6 * 3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Lists NOAA's archive (the configured layout) every 6 hours and requests "
    "bronze, silver and gold for each newly published day.",
)
def noaa_published_days_sensor(
    context: dg.SensorEvaluationContext, noaa: NoaaArchive
) -> dg.SensorResult | dg.SkipReason:
    return published_days_evaluation(
        "noaa",
        context,
        lambda: noaa_days(noaa),
        noaa.layout_url,
        (SourceError, ValueError),
    )


@dg.definitions
def noaa_sensors() -> dg.Definitions:
    return only_if_active("noaa", sensors=[noaa_published_days_sensor])
