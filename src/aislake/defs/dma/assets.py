"""DMA's daily AIS files: bronze (the raw CSV) and silver (typed, cleaned Parquet)."""

import datetime as dt
import tempfile
from pathlib import Path

import dagster as dg

from aislake.defs.execution import DUCKDB_STEP_TAGS
from aislake.defs.partitions import daily_partitions
from aislake.defs.resources import CleaningRules, DmaArchive, DuckDB, LakeStorage
from aislake.lake.days import parse_day
from aislake.lake.layout import bronze_key
from aislake.lake.leftovers import clean_folders, owner
from aislake.lake.manifest import (
    BronzeManifest,
    CollapseError,
    read_manifest,
    refuse_collapse,
    write_manifest,
)
from aislake.lake.schema import SILVER_COLUMNS
from aislake.lake.silver import RowsLostError, UnreadableCsvError, build_silver
from aislake.sources.dma import BadArchiveError, DayNotPublishedError, DmaError, download_day

SILVER_SCHEMA = dg.TableSchema(
    columns=[dg.TableColumn(c.name, c.sql_type, description=c.meaning) for c in SILVER_COLUMNS]
)


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
    store = storage.store()
    key = bronze_key("dma", day)
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
        context.log.info(f"verified {csv.member}: {csv.rows:,} rows, {csv.csv_bytes:,} bytes")
        stored = read_manifest(store, key)
        try:
            refuse_collapse(
                f"bronze {key}", stored.lines if stored else None, csv.rows,
                dma.replace_min_share,
            )  # fmt: skip
        except CollapseError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        store.put_file(csv.path, key)
        write_manifest(store, key, BronzeManifest(csv.csv_bytes, csv.sha256, csv.rows, csv.url))
    context.log.info(f"published {key} to {storage.describe()}")
    return dg.MaterializeResult(
        metadata={
            "uri": dg.MetadataValue.path(store.uri(key)),
            "object_key": key,
            "source_url": dg.MetadataValue.url(csv.url),
            "bytes": csv.csv_bytes,
            "zip_bytes": csv.zip_bytes,
            "dagster/row_count": csv.rows,
            "sha256": csv.sha256,
            "layout_columns": csv.layout_columns,
        }
    )


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dma_ais_bronze],
    group_name="dma",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
    op_tags=DUCKDB_STEP_TAGS,
    code_version="2",
    # DMA publishes about 3 days late; by 09:00 UTC each day silver should have been
    # materialised within the last day (dma_published_days_sensor keeps it so).
    freshness_policy=dg.FreshnessPolicy.cron(
        deadline_cron="0 9 * * *", lower_bound_delta=dt.timedelta(days=1)
    ),
)
def dma_ais_silver(
    context: dg.AssetExecutionContext,
    storage: LakeStorage,
    duckdb: DuckDB,
    cleaning: CleaningRules,
) -> dg.MaterializeResult:
    """The day's DMA positions typed, cleaned and deduplicated, sorted by (mmsi, ts), at
    ``silver/ais/source=dma/dt=YYYY-MM-DD/part-0.parquet`` (and ``part-1.parquet`` for rows
    repaired from an unquoted comma); every rejected row, with its reason, at
    ``silver/ais_rejects/source=dma/dt=YYYY-MM-DD/part-0.parquet``. Fails, publishing nothing,
    when silver + rejects do not add up to the bronze file's data lines.
    """
    day = parse_day(context.partition_key)
    store = storage.store()
    key = bronze_key("dma", day)
    if not store.exists(key):
        raise dg.Failure(
            f"bronze {key} is missing in {storage.describe()}: materialise dma_ais_bronze for "
            f"{day} first",
            allow_retries=False,
        )
    con = duckdb.connect(store)
    try:
        result = build_silver(con, store, key, day, cleaning.rules())
    except (RowsLostError, UnreadableCsvError, CollapseError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    finally:
        con.close()
    context.log.info(
        f"silver {day}: {result.rows:,} rows of {result.rows_in:,} "
        f"({result.rejects:,} rejected: {result.rejects_by_reason}) in {result.seconds:.1f} s"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.rows,
            "dagster/column_schema": SILVER_SCHEMA,
            "uri": dg.MetadataValue.path(store.uri(result.silver_keys[0])),
            "rows_in": result.rows_in,
            "rejects": result.rejects,
            "repaired": result.repaired,
            "repaired_by_field": dg.MetadataValue.json(result.repaired_by_field),
            "reread_single_threaded": result.reread_single_threaded,
            "blank_lines": result.blank_lines,
            "lines_counted_from": result.lines_counted_from,
            "rejects_by_reason": dg.MetadataValue.json(result.rejects_by_reason),
            "file_size_mb": round(result.silver_bytes / 1e6, 3),
            "distinct_vessels": result.distinct_vessels,
            "ts_min": str(result.ts_min),
            "ts_max": str(result.ts_max),
            "seconds": round(result.seconds, 2),
            "phase_seconds": dg.MetadataValue.json(result.extra),
        }
    )
