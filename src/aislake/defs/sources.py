"""What every AIS source is in Dagster: which sources are active, and the parts each one gets
from the same code: its bronze asset, its silver asset and checks, its published-days sensor.

What differs between sources (how a day is downloaded, how the archive is listed, its
settings) is the source's own, in its package (``aislake.sources.<name>``, registered in
``aislake.sources.registry``): the wiring here is built from the registry for every active
source. ``AISLAKE_SOURCES`` (``dma`` by default, ``noaa``, or ``dma,noaa``) says which sources
the code location defines: an inactive source's assets, checks and sensor are not defined at
all (nothing to launch by mistake, nothing in "materialize all"), and gold depends on the
active sources' silver. Gold reads whatever silver the lake holds for the day, so days stored
while a source was active stay in gold's input.
"""

import datetime as dt
import inspect
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg

import aislake.ais
import aislake.silver
from aislake import settings
from aislake.ais.days import parse_day
from aislake.ais.schema import SILVER_COLUMNS
from aislake.bronze import lines as bronze_lines
from aislake.bronze import publishing
from aislake.bronze import sanitize as bronze_sanitize
from aislake.bronze import zstd as bronze_zstd
from aislake.bronze.manifest import (
    BronzeManifest,
    CollapseError,
    read_manifest,
    refuse_collapse,
)
from aislake.bronze.zstd import ZstdDataError
from aislake.defs.execution import DUCKDB_STEP_TAGS, record_step_process
from aislake.defs.partitions import START_DATE, daily_partitions
from aislake.defs.resources import (
    ArchiveDownloads,
    CleaningRules,
    DuckDB,
    LakeStorage,
    QualityThresholds,
    SourceArchive,
)
from aislake.defs.versions import SRC, files_version
from aislake.duck import engine
from aislake.silver.build import build_silver
from aislake.silver.read import RowsLostError, UnreadableCsvError
from aislake.silver.stats import SilverStats, silver_stats
from aislake.sources.fetch import BadArchiveError, DayCsv, DayNotPublishedError, SourceError
from aislake.sources.registry import SOURCES, bronze_key
from aislake.storage.layout import refused_key
from aislake.storage.leftovers import clean_folders, owner

# A run with this tag set to "true" replaces a stored day by any new version (the guards off).
ACCEPT_TAG = "aislake/accept_replacement"
# Real days' text is 4-12 times their download (DMA's deflate, NOAA's zstd); far beyond it, a
# day holds something no AIS record is (the fault probe: 2 MB expanding to 2 GB).
MAX_REAL_EXPANSION = 40.0

F = TypeVar("F", bound=Callable[..., Any])

SILVER_SCHEMA = dg.TableSchema(
    columns=[dg.TableColumn(c.name, c.sql_type, description=c.meaning) for c in SILVER_COLUMNS]
)


def active_sources() -> tuple[str, ...]:
    """The sources ``AISLAKE_SOURCES`` names (comma-separated; default ``dma``), in order; a
    ``ValueError`` naming the known ones for any other."""
    chosen = settings.current()
    names = chosen.source_names
    unknown = [n for n in names if n not in SOURCES]
    if unknown or not names:
        raise ValueError(
            f"AISLAKE_SOURCES={chosen.sources!r}: expected one or more of {', '.join(SOURCES)}, "
            "comma-separated (e.g. 'dma,noaa')"
        )
    return names


@contextmanager
def sources_selected(sources: str | None) -> Iterator[None]:
    """Within: the current settings with ``AISLAKE_SOURCES`` as ``sources`` (unchanged when
    ``None``), for loading the definitions of other sources than the process's (the demo,
    tests). The environment is not touched (``aislake.settings.using``)."""
    if sources is None:
        yield
        return
    with settings.using(settings.with_changes(sources=sources)):
        active_sources()  # refuse a wrong value at once
        yield


def download_and_publish_bronze(
    context: dg.AssetExecutionContext,
    storage: LakeStorage,
    source: str,
    archive: ArchiveDownloads,
    download: Callable[[Path], DayCsv],
) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
    """Bronze of any source: ``download`` the day into a staging folder of this process (a
    killed run's folders are removed first), then :func:`publish_bronze` it. A day the source
    has not published, or a broken file, fails without retries (they cannot help until the
    source publishes or re-publishes); any other source error may be retried."""
    record_step_process(context)
    workdir = Path(archive.workdir or tempfile.gettempdir())
    workdir.mkdir(parents=True, exist_ok=True)  # a new AISLAKE_WORKDIR is made, not an error
    clean_folders(workdir, f"aislake-{source}-")  # downloads of killed runs
    with tempfile.TemporaryDirectory(prefix=f"aislake-{source}-{owner()}@", dir=workdir) as tmp:
        try:
            csv = download(Path(tmp))
        except (DayNotPublishedError, BadArchiveError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        except SourceError as exc:
            raise dg.Failure(description=str(exc)) from exc
        return publish_bronze(context, storage, source, csv, archive.replace_min_share)


def source_package(source: str) -> Path:
    """The folder of the package that defines ``source`` (its module where it has none)."""
    module = Path(inspect.getfile(type(SOURCES[source])))
    return module.parent if (module.parent / "__init__.py").exists() else module


def bronze_version(source: str) -> str:
    """A hash of what bronze runs for ``source``: the shared download and publishing, and the
    source's package (its archive, its download)."""
    return files_version(
        SRC / "sources" / "fetch.py",
        SRC / "bronze",
        source_package(source),
        SRC / "defs" / "sources.py",
    )


def publish_bronze(
    context: dg.AssetExecutionContext,
    storage: LakeStorage,
    source: str,
    csv: DayCsv,
    replace_min_share: float,
) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
    """Publish a verified day's CSV as the source's bronze with its manifest, unless it would
    replace a stored day with fewer than ``replace_min_share`` of its lines. A re-fetch of a
    stored day waits at its pending key until silver accepts it (``aislake.bronze.publishing``)."""
    day = parse_day(context.partition_key)
    store = storage.store()
    key = bronze_key(source, day)
    context.log.info(f"verified {csv.member}: {csv.rows:,} rows, {csv.csv_bytes:,} bytes")
    if csv.expansion > MAX_REAL_EXPANSION:
        context.log.warning(
            f"{csv.member} expands {csv.expansion:,.0f}x (real AIS days: 4-12x): a line or "
            "field of a size no AIS record has; silver takes such lines aside as line_too_long"
        )
    if csv.long_lines:
        context.log.warning(f"{csv.member} may hold lines of 64 KiB or more (no AIS record does)")
    stored = read_manifest(store, key)
    try:
        refuse_collapse(
            f"bronze {key}", stored.lines if stored else None, csv.rows, replace_min_share
        )
    except CollapseError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    manifest = BronzeManifest(csv.csv_bytes, csv.sha256, csv.rows, csv.url, csv.long_lines)
    target = publishing.publish(store, key, csv.path, manifest)
    if target == key and stored and stored.sha256 == csv.sha256:
        context.log.info(f"{key} is unchanged (same SHA-256): nothing to publish")
    elif target != key:
        context.log.info(
            f"{key} is stored: the re-fetch waits at {target} until {source}_ais_silver "
            "accepts the day it makes (the stored bronze stays the day until then)"
        )
    else:
        context.log.info(f"published {key} to {storage.describe()}")
    return dg.MaterializeResult(
        metadata={
            "uri": dg.MetadataValue.path(store.uri(target)),
            "object_key": target,
            "pending": target != key,
            "source_url": dg.MetadataValue.url(csv.url),
            "bytes": csv.csv_bytes,
            "download_bytes": csv.zip_bytes,
            "dagster/row_count": csv.rows,
            "sha256": csv.sha256,
            "layout_columns": csv.layout_columns,
            "expansion_ratio": round(csv.expansion, 1),
            "long_lines": csv.long_lines,
            **({"decoded_bytes": csv.decoded_bytes} if csv.decoded_bytes else {}),
        }
    )


def silver_version(source: str) -> str:
    """A hash of what silver runs for ``source``: the silver package, the domain rules, the
    DuckDB macros, bronze's line handling, and the source's own package (its reader; DMA's
    repair)."""
    return files_version(
        aislake.silver,
        aislake.ais,
        engine.MACROS,
        bronze_lines,
        bronze_sanitize,
        bronze_zstd,
        SRC / "sources" / "base.py",
        source_package(source),
    )


def silver_asset(
    source: str, freshness_policy: dg.FreshnessPolicy | None = None
) -> dg.AssetsDefinition:
    """``<source>_ais_silver``: the source's day typed, cleaned and deduplicated by one set of
    rules (``aislake.silver.build.build_silver`` with the source's reader)."""
    title = SOURCES[source].title

    @dg.asset(
        name=f"{source}_ais_silver",
        partitions_def=daily_partitions(),
        deps=[dg.AssetKey(f"{source}_ais_bronze")],
        group_name=source,
        kinds={"duckdb", "parquet"},
        pool="duckdb",
        op_tags=DUCKDB_STEP_TAGS,
        code_version=silver_version(source),
        description=(
            f"The day's {title} positions typed, cleaned and deduplicated, sorted by (mmsi, ts), "
            f"at silver/ais/source={source}/dt=YYYY-MM-DD/part-0.<version>.parquet"
            + (
                " (and part-1 for rows repaired from an unquoted comma)"
                if SOURCES[source].repairs_commas
                else ""
            )
            + f"; every rejected row, with its reason, at silver/ais_rejects/source={source}/"
            "dt=YYYY-MM-DD/. Fails, publishing nothing, when silver + rejects do not add up to "
            "the bronze file's data lines."
        ),
        freshness_policy=freshness_policy,
        check_specs=silver_check_specs(source),
    )
    @resource_params(
        {
            "storage": LakeStorage,
            "duckdb": DuckDB,
            "cleaning": CleaningRules,
            "thresholds": QualityThresholds,
            source: SourceArchive,
        }
    )
    def _silver(context: dg.AssetExecutionContext, **resources: Any) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
        storage: LakeStorage = resources["storage"]
        duckdb: DuckDB = resources["duckdb"]
        cleaning: CleaningRules = resources["cleaning"]
        thresholds: QualityThresholds = resources["thresholds"]
        archive: SourceArchive = resources[source]
        record_step_process(context)
        day = parse_day(context.partition_key)
        store = storage.store()
        key = bronze_key(source, day)
        read = publishing.to_read(store, key)  # a re-fetch waiting to be judged, else the day
        if not store.exists(read):
            raise dg.Failure(
                f"bronze {key} is missing in {storage.describe()}: materialise "
                f"{source}_ais_bronze for {day} first",
                allow_retries=False,
            )
        accept = context.run.tags.get(ACCEPT_TAG, "").lower() == "true"
        con = duckdb.connect(store)
        try:
            result = build_silver(
                con,
                store,
                read,
                day,
                cleaning.rules(accept),
                source=source,
                archive=archive.settings() if SOURCES[source].decoder else None,
            )
            # The checks, on what was stored: one read of the partition for all of them.
            checks = silver_check_results(source, silver_stats(con, store, source, day), thresholds)
        except CollapseError as exc:
            if publishing.set_aside(store, key):
                context.log.warning(f"the re-fetched {key} is kept at {refused_key(key)}")
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        except (RowsLostError, UnreadableCsvError, BadArchiveError, ZstdDataError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        finally:
            con.close()
        replaced = publishing.promote(store, key)  # silver accepted a re-fetch: the day now
        if replaced:
            context.log.info(f"the re-fetched {key} replaces the stored one")
        context.log.info(
            f"silver {source} {day}: {result.rows:,} rows of {result.rows_in:,} "
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
                "lines_taken_aside": dg.MetadataValue.json(result.taken_aside),
                "bronze_replaced": replaced,
                "rejects_by_reason": dg.MetadataValue.json(result.rejects_by_reason),
                "file_size_mb": round(result.silver_bytes / 1e6, 3),
                "distinct_vessels": result.distinct_vessels,
                "ts_min": str(result.ts_min),
                "ts_max": str(result.ts_max),
                "seconds": round(result.seconds, 2),
                "phase_seconds": dg.MetadataValue.json(result.extra),
                **({"decoded": dg.MetadataValue.json(result.decoded)} if result.decoded else {}),
            },
            check_results=checks,
        )

    return _silver


@dataclass(frozen=True)
class SilverCheck:
    """A check of ``<source>_ais_silver``: its name after the source's, whether it blocks, and
    what it verifies."""

    suffix: str
    blocking: bool
    description: str


SILVER_CHECKS = (
    SilverCheck(
        "min_rows",
        False,
        "A day has millions of rows; fewer than the threshold "
        "(AISLAKE_MIN_SILVER_ROWS) warns of a thin file or an extract.",
    ),
    SilverCheck(
        "hours_covered",
        False,
        "Every hour of the UTC day has positions (real days "
        "with missing hours exist: the receivers' feed stopped); the missing hours are "
        "listed.",
    ),
    SilverCheck(
        "keys_valid", True, "No NULL ts, mmsi, lat or lon, and no duplicate (mmsi, ts, lat, lon)."
    ),
    SilverCheck(
        "reject_rate",
        False,
        "Rejected rows (not counting static reports and exact "
        "duplicates, which are normal traffic) stay below a configurable share of the "
        "day.",
    ),
)


def silver_check_specs(source: str) -> list[dg.AssetCheckSpec]:
    """The checks of ``<source>_ais_silver``. They run in the asset's own step, on what it
    stored, all from one read of the partition (``silver_stats``): no step and no re-read of
    the day per check. Blocking checks encode invariants a correct partition always meets; what
    a real day may legitimately fall short of (volume, hours, rejects) warns."""
    return [
        dg.AssetCheckSpec(
            f"{source}_silver_{c.suffix}",
            asset=f"{source}_ais_silver",
            blocking=c.blocking,
            description=c.description,
            partitions_def=daily_partitions(),  # results are recorded against the day
        )
        for c in SILVER_CHECKS
    ]


def silver_check_results(
    source: str, s: SilverStats, thresholds: QualityThresholds
) -> list[dg.AssetCheckResult]:
    """The results of :func:`silver_check_specs` for the stored partition measured as ``s``."""
    warn = dg.AssetCheckSeverity.WARN
    outcomes: dict[str, tuple[bool, dg.AssetCheckSeverity, dict[str, Any]]] = {
        "min_rows": (
            s.rows >= thresholds.min_silver_rows,
            warn,
            {"rows": s.rows, "min_rows": thresholds.min_silver_rows},
        ),
        "hours_covered": (
            not s.missing_hours,
            warn,
            {
                "hours_with_positions": len(s.hours_with_positions),
                "missing_hours": dg.MetadataValue.json(s.missing_hours),
                "expected_hours": 24,
            },
        ),
        "keys_valid": (
            s.null_key_rows == 0 and s.duplicate_keys == 0,
            dg.AssetCheckSeverity.ERROR,
            {"null_key_rows": s.null_key_rows, "duplicate_keys": s.duplicate_keys},
        ),
        "reject_rate": (
            s.reject_share <= thresholds.max_reject_share,
            warn,
            {
                "reject_share": round(s.reject_share, 6),
                "max_reject_share": thresholds.max_reject_share,
                "rejects_by_reason": dg.MetadataValue.json(s.rejects_by_reason),
            },
        ),
    }
    return [
        dg.AssetCheckResult(
            check_name=f"{source}_silver_{c.suffix}",
            asset_key=f"{source}_ais_silver",
            passed=outcomes[c.suffix][0],
            severity=outcomes[c.suffix][1],
            metadata=outcomes[c.suffix][2],
        )
        for c in SILVER_CHECKS
    ]


def days_to_request(
    published: list[dt.date], partitions: set[str], cursor: str | None
) -> list[str]:
    """Published days that are partitions and newer than the cursor (the last day requested).
    On its first tick a sensor requests only the most recent days
    (``AISLAKE_SENSOR_INITIAL_DAYS``); history is a backfill."""
    days = sorted(d.isoformat() for d in published if d.isoformat() in partitions)
    if cursor is None:
        initial = settings.current().sensor_initial_days
        return days[-initial:] if initial > 0 else []
    return [d for d in days if d > cursor]


def read_sensor_cursor(cursor: str | None) -> tuple[str | None, dict[str, str]]:
    """The last day a sensor requested, and the versions of the recent days it requested
    that grow (a live feed's): a cursor is the day alone, or JSON with both."""
    if not cursor or not cursor.startswith("{"):
        return cursor, {}
    state = json.loads(cursor)
    return state.get("last"), dict(state.get("versions", {}))


def published_days_evaluation(
    source: str,
    context: dg.SensorEvaluationContext,
    list_days: Callable[[], dict[dt.date, str]],
    where: str,
    error: type[Exception] | tuple[type[Exception], ...],
) -> dg.SensorResult | dg.SkipReason:
    """One tick of ``<source>_published_days_sensor``: a run (the source's assets and gold) for
    each day ``list_days`` finds newly published, and for each requested day whose version
    changed since (a feed's day, as its chunks close); a failed listing skips the tick."""
    try:
        published = list_days()
    except error as exc:
        return dg.SkipReason(str(exc))
    partitions = set(daily_partitions().get_partition_keys())
    last, versions = read_sensor_cursor(context.cursor)
    days = days_to_request(sorted(published), partitions, last)
    version_of = {d.isoformat(): v for d, v in published.items()}
    grown = [d for d, v in versions.items() if version_of.get(d, v) != v and d in partitions]
    wanted = sorted(set(days) | set(grown))
    if not wanted:
        return dg.SkipReason(f"no new day in {where} after {last or 'start'}")
    last = max(days[-1], last or "") if days else last
    # Versions are kept for the week before the newest day: older days no longer grow.
    newest = max(version_of) if version_of else ""
    recent = (dt.date.fromisoformat(newest) - dt.timedelta(days=7)).isoformat() if newest else ""
    kept = {
        d: v for d, v in version_of.items() if v and d >= recent and (d in wanted or d in versions)
    }
    requests = [
        dg.RunRequest(
            partition_key=d,
            run_key=f"{source}-{d}" + (f"@{version_of[d]}" if version_of.get(d) else ""),
        )
        for d in wanted
    ]
    cursor = json.dumps({"last": last, "versions": kept}) if kept else last
    return dg.SensorResult(run_requests=requests, cursor=cursor)


def day_run_selection(source: str) -> dg.AssetSelection:
    """What a newly published day's run materialises: the source's assets and gold, but the
    monthly rollups (a run has one partition key; they follow by their automation condition)."""
    from aislake.gold.registry import PRODUCTS

    monthly = [p.asset for p in PRODUCTS if p.partitioning == "monthly"]
    return dg.AssetSelection.groups(source, "gold") - dg.AssetSelection.assets(*monthly)


def resource_params(params: dict[str, type]) -> Callable[[F], F]:
    """Give ``fn(context, **resources)`` the resource parameters ``params`` (name -> resource
    class) in its signature, as Dagster's resource injection reads them: a factory's asset or
    sensor then takes the resource keyed by its source's name (``dma``, ``noaa``)."""

    def wrap(fn: F) -> F:
        sig = inspect.signature(fn)
        kept = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        added = [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind)
            for name, kind in params.items()
        ]
        fn.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
        fn.__annotations__ = {**fn.__annotations__, **params}
        return fn

    return wrap


def bronze_asset(source: str) -> dg.AssetsDefinition:
    """``<source>_ais_bronze``: the source's day downloaded and verified
    (``Source.download`` with its archive's settings), then published
    (:func:`download_and_publish_bronze`), on the daily partitions the settings give."""
    the_source = SOURCES[source]

    @dg.asset(
        name=f"{source}_ais_bronze",
        partitions_def=daily_partitions(),
        group_name=source,
        kinds={"csv", "s3"},
        pool=f"{source}_download",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
        code_version=bronze_version(source),
        description=the_source.bronze_description,
    )
    @resource_params({"storage": LakeStorage, source: SourceArchive})
    def _bronze(context: dg.AssetExecutionContext, **resources: Any) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads the bare annotation
        day = parse_day(context.partition_key)
        archive: SourceArchive = resources[source]

        def download(tmp: Path) -> DayCsv:
            try:  # settings the source cannot use (an unknown layout) fail at once, not retried
                return the_source.download(
                    archive.settings(),
                    day,
                    tmp,
                    archive.retry(),
                    context.log.info,
                    resources["storage"].store(),
                )
            except ValueError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc

        return download_and_publish_bronze(context, resources["storage"], source, archive, download)

    return _bronze


def published_days_sensor(source: str) -> dg.SensorDefinition:
    """``<source>_published_days_sensor`` (stopped by default): lists the source's archive and
    requests bronze, silver and gold for each newly published day."""
    the_source = SOURCES[source]
    hours = the_source.listing_every_seconds / 3600
    every = "every hour" if hours == 1 else f"every {hours:g} hours"

    @dg.sensor(
        name=f"{source}_published_days_sensor",
        target=day_run_selection(source),
        minimum_interval_seconds=the_source.listing_every_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=f"Lists {the_source.title}'s archive {every} and requests bronze, silver "
        "and gold for each newly published day. A day not yet published is left alone until it "
        "appears.",
    )
    @resource_params({source: SourceArchive, "storage": LakeStorage})
    def _sensor(
        context: dg.SensorEvaluationContext, **resources: Any
    ) -> dg.SensorResult | dg.SkipReason:
        archive: SourceArchive = resources[source]
        since = dt.date.fromisoformat(START_DATE)

        def listed() -> dict[dt.date, str]:
            lake = resources["storage"].store()
            return the_source.published_days(archive.settings(), since, dt.date.today(), lake)

        return published_days_evaluation(
            source, context, listed, _where(archive), (SourceError, ValueError)
        )

    return _sensor


def _where(archive: SourceArchive) -> str:
    try:
        return archive.where()
    except ValueError:
        return archive.source


def silver_freshness(source: str) -> dg.FreshnessPolicy | None:
    """By the source's cron time each day silver should have been materialised within the
    last day (its sensor keeps it so); none for a source without a daily rhythm."""
    cron = SOURCES[source].fresh_by_cron
    if cron is None:
        return None
    return dg.FreshnessPolicy.cron(deadline_cron=cron, lower_bound_delta=dt.timedelta(days=1))


@dg.definitions
def source_definitions() -> dg.Definitions:
    """Every active source's bronze, silver (with its checks) and published-days sensor, from
    the registry (``AISLAKE_SOURCES``; an inactive source's are not defined at all)."""
    active = active_sources()
    return dg.Definitions(
        assets=[
            a
            for name in active
            for a in (bronze_asset(name), silver_asset(name, silver_freshness(name)))
        ],
        sensors=[published_days_sensor(name) for name in active],
    )
