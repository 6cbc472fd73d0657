"""NOAA MarineCadastre's daily AIS files (US waters): bronze (the day's CSV) and silver (the
same schema and rules as DMA's)."""

import dagster as dg

from aislake.ais.days import parse_day
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import LakeStorage, NoaaArchive
from aislake.defs.sources import (
    bronze_version,
    download_and_publish_bronze,
    only_if_active,
    silver_asset,
)
from aislake.sources.noaa.archive import download_day


def noaa_ais_bronze_asset() -> dg.AssetsDefinition:
    """``noaa_ais_bronze`` on the daily partitions the settings give when the definitions load."""

    @dg.asset(
        partitions_def=daily_partitions(),
        group_name="noaa",
        kinds={"csv", "s3"},
        pool="noaa_download",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
        code_version=bronze_version("noaa"),
    )
    def noaa_ais_bronze(
        context: dg.AssetExecutionContext, storage: LakeStorage, noaa: NoaaArchive
    ) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
        """The day's NOAA MarineCadastre CSV at ``bronze/noaa/ais-YYYY-MM-DD.csv.zst``: csv2's zstd
        file as NOAA serves it, or the legacy zip's CSV compressed the same way (DuckDB reads it
        directly; a fifth of the CSV's size).

        Downloaded from the layout ``AISLAKE_NOAA_FORMAT`` selects (``csv2`` from
        ``AISLAKE_NOAA_CSV2_BASE_URL``, ``legacy`` from ``AISLAKE_NOAA_BASE_URL``), verified whole
        (every zstd frame and its checksum, or the zip's CRCs; the header), then published
        atomically with its manifest (bytes, SHA-256, lines, source URL) beside it; on any failure
        bronze is left as it was, and so it is when the new file has fewer than
        ``AISLAKE_REPLACE_MIN_SHARE`` of the stored file's lines.
        """
        day = parse_day(context.partition_key)
        try:
            fmt, base_url = noaa.layout_base_url()
        except ValueError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        return download_and_publish_bronze(
            context,
            storage,
            "noaa",
            noaa,
            lambda tmp: download_day(fmt, base_url, day, tmp, noaa.retry(), context.log.info),
        )

    return noaa_ais_bronze


@dg.definitions
def noaa_assets() -> dg.Definitions:
    """NOAA's bronze and silver, when ``noaa`` is in ``AISLAKE_SOURCES``. NOAA publishes in
    batches, weeks to months after the date: no daily freshness deadline."""
    return only_if_active("noaa", assets=lambda: [noaa_ais_bronze_asset(), silver_asset("noaa")])
