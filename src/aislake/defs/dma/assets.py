"""DMA's daily AIS files: bronze (the raw CSV) and silver (typed, cleaned Parquet)."""

import datetime as dt
from pathlib import Path

import dagster as dg

from aislake.ais.days import parse_day
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DmaArchive, LakeStorage
from aislake.defs.sources import (
    bronze_version,
    download_and_publish_bronze,
    only_if_active,
    silver_asset,
)
from aislake.sources.dma.archive import download_day


def dma_ais_bronze_asset() -> dg.AssetsDefinition:
    """``dma_ais_bronze`` on the daily partitions the settings give when the definitions load."""

    @dg.asset(
        partitions_def=daily_partitions(),
        group_name="dma",
        kinds={"csv", "s3"},
        pool="dma_download",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
        code_version=bronze_version("dma"),
    )
    def dma_ais_bronze(
        context: dg.AssetExecutionContext, storage: LakeStorage, dma: DmaArchive
    ) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
        """The day's raw DMA CSV, byte for byte, at ``bronze/dma/aisdk-YYYY-MM-DD.csv``.

        Downloaded from DMA's archive (``AISLAKE_DMA_BASE_URL``), its zip CRCs and header
        verified, then published atomically with its manifest (bytes, SHA-256, lines) beside it
        at ``bronze/dma/aisdk-YYYY-MM-DD.csv.manifest.json``; on any failure bronze is left as
        it was, and so it is when the new file has fewer than ``AISLAKE_REPLACE_MIN_SHARE``
        (0.5) of the stored file's lines (a source re-publishing a day broken).
        """
        day = parse_day(context.partition_key)
        cache = Path(dma.cache_dir) if dma.cache_dir else None
        return download_and_publish_bronze(
            context,
            storage,
            "dma",
            dma,
            lambda tmp: download_day(dma.base_url, day, tmp, dma.retry(), cache, context.log.info),
        )

    return dma_ais_bronze


@dg.definitions
def dma_assets() -> dg.Definitions:
    """DMA's bronze and silver, when ``dma`` is in ``AISLAKE_SOURCES``. DMA publishes about 3
    days late; by 09:00 UTC each day silver should have been materialised within the last day
    (dma_published_days_sensor keeps it so)."""
    silver = silver_asset(
        "dma",
        freshness_policy=dg.FreshnessPolicy.cron(
            deadline_cron="0 9 * * *", lower_bound_delta=dt.timedelta(days=1)
        ),
    )
    return only_if_active("dma", assets=lambda: [dma_ais_bronze_asset(), silver])
