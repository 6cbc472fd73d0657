"""DMA's daily AIS files: bronze (the raw CSV) and silver (typed, cleaned Parquet)."""

import datetime as dt
import tempfile
from pathlib import Path

import dagster as dg

from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import DmaArchive, LakeStorage
from aislake.defs.sources import only_if_active, publish_bronze, silver_asset
from aislake.lake.days import parse_day
from aislake.lake.leftovers import clean_folders, owner
from aislake.sources.dma import BadArchiveError, DayNotPublishedError, DmaError, download_day


@dg.asset(
    partitions_def=daily_partitions,
    group_name="dma",
    kinds={"csv", "s3"},
    pool="dma_download",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
    code_version="2",
)
def dma_ais_bronze(
    context: dg.AssetExecutionContext, storage: LakeStorage, dma: DmaArchive
) -> dg.MaterializeResult:
    """The day's raw DMA CSV, byte for byte, at ``bronze/dma/aisdk-YYYY-MM-DD.csv``.

    Downloaded from DMA's archive (``AISLAKE_DMA_BASE_URL``), its zip CRCs and header verified,
    then published atomically with its manifest (bytes, SHA-256, lines) beside it at
    ``bronze/dma/aisdk-YYYY-MM-DD.csv.manifest.json``; on any failure bronze is left as it was,
    and so it is when the new file has fewer than ``AISLAKE_REPLACE_MIN_SHARE`` (0.5) of the
    stored file's lines (a source re-publishing a day broken).
    """
    day = parse_day(context.partition_key)
    workdir = Path(dma.workdir or tempfile.gettempdir())
    clean_folders(workdir, "aislake-dma-")  # downloads of killed runs
    with tempfile.TemporaryDirectory(prefix=f"aislake-dma-{owner()}@", dir=workdir) as tmp:
        try:
            csv = download_day(
                dma.base_url,
                day,
                Path(tmp),
                dma.retry(),
                Path(dma.cache_dir) if dma.cache_dir else None,
                on_progress=context.log.info,
            )
        except (DayNotPublishedError, BadArchiveError) as exc:
            # Retrying cannot help until DMA publishes (or re-publishes) the file.
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        except DmaError as exc:
            raise dg.Failure(description=str(exc)) from exc
        return publish_bronze(context, storage, "dma", csv, dma.replace_min_share)


# DMA publishes about 3 days late; by 09:00 UTC each day silver should have been materialised
# within the last day (dma_published_days_sensor keeps it so).
dma_ais_silver = silver_asset(
    "dma",
    freshness_policy=dg.FreshnessPolicy.cron(
        deadline_cron="0 9 * * *", lower_bound_delta=dt.timedelta(days=1)
    ),
)


@dg.definitions
def dma_assets() -> dg.Definitions:
    """DMA's bronze and silver, when ``dma`` is in ``AISLAKE_SOURCES``."""
    return only_if_active("dma", assets=[dma_ais_bronze, dma_ais_silver])
