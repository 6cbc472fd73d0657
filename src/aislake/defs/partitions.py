"""Daily partitions from 2024-01-01 to the last day DMA can have published."""

import os

import dagster as dg

START_DATE = "2024-01-01"

# DMA publishes a day about three days after the date; partitions end at today - lag.
DMA_LAG_DAYS = int(os.environ.get("AISLAKE_DMA_LAG_DAYS", "3"))

# DailyPartitionsDefinition ends at yesterday by default (end_offset=0): yesterday - (lag - 1).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=START_DATE, end_offset=1 - DMA_LAG_DAYS, timezone="UTC"
)
