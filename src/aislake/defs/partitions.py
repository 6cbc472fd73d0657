"""Daily partitions from 2024-01-01 to the last day DMA can have published."""

import dagster as dg

from aislake import settings

START_DATE = "2024-01-01"


def daily_partitions() -> dg.DailyPartitionsDefinition:
    """Days from 2024-01-01 to today - ``AISLAKE_DMA_LAG_DAYS`` (DMA publishes a day about
    three days after the date), as the current settings say when the definitions load; to
    today itself while a live source (an NMEA receiver's feed) is active."""
    from aislake.sources.registry import SOURCES

    chosen = settings.current()
    live = any(SOURCES[n].live for n in chosen.source_names if n in SOURCES)
    lag = 0 if live else chosen.dma_lag_days
    # DailyPartitionsDefinition ends at yesterday by default (end_offset=0): yesterday - (lag - 1).
    return dg.DailyPartitionsDefinition(start_date=START_DATE, end_offset=1 - lag, timezone="UTC")


# Monthly rollups (gold/traffic_density_monthly): months from the first day, the current month
# included while its days come in.
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=START_DATE, end_offset=1, timezone="UTC"
)


def partitions_for(partitioning: str) -> dg.PartitionsDefinition | None:
    """The Dagster partitions of a gold product's partitioning ("history": none, rebuilt whole)."""
    return {"daily": daily_partitions(), "monthly": monthly_partitions}.get(partitioning)


def partition_key_for(partitions_def: dg.PartitionsDefinition | None, day: str) -> str | None:
    """The partition of ``partitions_def`` that holds ``day`` (YYYY-MM-DD): the day, its month
    (``YYYY-MM-01``), or None for an asset without partitions."""
    if partitions_def is None:
        return None
    if isinstance(partitions_def, dg.MonthlyPartitionsDefinition):
        return f"{day[:7]}-01"
    return day
