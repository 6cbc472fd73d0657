"""The resources every asset uses: lake storage, each source's archive, DuckDB, rules and
thresholds.

Every setting comes from ``aislake.settings`` (the one reader of the environment). Secrets (the
S3 keys) are read through ``dg.EnvVar``, so the UI and logs show the variable's name, never its
value.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb as _duckdb
from pydantic import SecretStr

from aislake import settings
from aislake.duck.engine import DuckDBSettings, default_memory_limit
from aislake.duck.engine import connect as duck_connect
from aislake.gold.core import GoldParams
from aislake.silver.rules import SilverRules
from aislake.sources.fetch import RetryPolicy
from aislake.sources.registry import SOURCES
from aislake.storage.store import LocalStore, ObjectStore, S3Store


class LakeStorage(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where the lake lives: a local folder, or an S3-compatible bucket if ``endpoint`` is set."""

    lake_dir: str = "data/lake"
    endpoint: str | None = None
    bucket: str = "ais-lake"
    access_key: str | None = None
    secret_key: str | None = None
    secure: bool = False
    # Seconds a stalled store may take to answer one attempt of a call (4 attempts).
    read_timeout: float = 120.0
    # How often a run looks for pool slots held by processes that are gone.
    slot_watch_seconds: float = 10.0

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """At the start of every run (every asset uses the lake), before its steps ask for pool
        slots: slots held by steps whose process is gone are freed, whatever launched their run
        (``aislake.instance.release_dead_runs``), and what holds each pool now is logged,
        so a step that then waits ("blocked by limit for pool duckdb") says what for. While the
        run lasts the same is done every ``slot_watch_seconds`` (``AISLAKE_SLOT_WATCH_SECONDS``,
        10): a step already waiting gets the slot of a holder killed meanwhile."""
        if context.instance is None or context.log is None:
            return
        from aislake.instance import pool_holders, release_dead_runs, watch_slots

        log = context.log
        for line in release_dead_runs(context.instance):
            log.warning(f"aislake: {line}")
        for line in pool_holders(context.instance):
            log.info(f"aislake: {line}")
        if context.run is not None:
            watch_slots(
                context.instance,
                context.run.run_id,
                lambda line: log.warning(f"aislake: {line}"),
                self.slot_watch_seconds,
            )

    def store(self) -> ObjectStore:
        if not self.endpoint:
            return LocalStore(Path(self.lake_dir))
        return S3Store(
            endpoint=self.endpoint,
            bucket=self.bucket,
            access_key=self.access_key or "",
            secret_key=self.secret_key or "",
            secure=self.secure,
            read_timeout=self.read_timeout,
        )

    def describe(self) -> str:
        """Where the lake is, for logs and metadata (no credentials)."""
        if not self.endpoint:
            return str(Path(self.lake_dir).absolute())
        return f"s3://{self.bucket} at {self.endpoint}"


class ArchiveDownloads(dg.ConfigurableResource):  # type: ignore[type-arg]
    """How a source's daily files are downloaded: retries, rates, where they are unpacked."""

    attempts: int = 4
    backoff_seconds: float = 2.0
    # A transfer slower than this after the grace period, or longer than the deadline, is
    # abandoned and retried (a trickling server never trips the read timeout).
    min_bytes_per_second: float = 20_000
    grace_seconds: float = 60.0
    deadline_seconds: float = 3 * 3600
    # Where downloads are unpacked before publishing (defaults to the system temp folder).
    workdir: str | None = None
    # A re-fetched day with fewer data lines than this share of the stored one is refused.
    replace_min_share: float = 0.5

    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            self.attempts,
            self.backoff_seconds,
            self.min_bytes_per_second,
            self.grace_seconds,
            self.deadline_seconds,
        )


class SourceArchive(ArchiveDownloads):
    """A source's archive: how its days are downloaded (``ArchiveDownloads``) and its own
    settings (``options``: its ``Source.archive`` model's variables, by name). One resource a
    registered source, keyed by the source's name."""

    source: str
    options: dict[str, str]

    def settings(self) -> Any:
        """The source's archive settings (its ``Source.archive`` model)."""
        return SOURCES[self.source].archive.model_validate(self.options)

    def where(self) -> str:
        return SOURCES[self.source].where(self.settings())


class DuckDB(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Bounds for each DuckDB step: memory limit, threads, spill folder."""

    memory_limit: str = "1250MB"  # build_resources derives it: default_memory_limit()
    threads: int | None = None
    temp_directory: str | None = None

    def connect(self, store: ObjectStore) -> _duckdb.DuckDBPyConnection:
        settings = DuckDBSettings(self.memory_limit, self.threads, self.temp_directory)
        return duck_connect(store, settings)


class CleaningRules(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Silver's configurable cleaning rules (docs/silver.md) and how a stored day may be
    replaced (``accept_replacement``: by anything)."""

    max_implied_speed_kn: float = 50.0
    replace_max_drop: float = 0.02
    replace_max_reject_rise: float = 0.02
    accept_replacement: bool = False

    def rules(self, accept_replacement: bool = False) -> SilverRules:
        accept = accept_replacement or self.accept_replacement
        return SilverRules(
            max_implied_speed_kn=self.max_implied_speed_kn,
            replace_max_drop=1.0 if accept else self.replace_max_drop,
            replace_max_reject_rise=1.0 if accept else self.replace_max_reject_rise,
        )


class GoldSettings(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Parameters of the gold algorithms (docs/gold.md): track cuts, stops, density grid,
    anchorages, port visits and AIS gaps. The defaults are ``GoldParams``'s."""

    track_max_gap_minutes: float = GoldParams.track_max_gap_minutes
    max_speed_kn: float = GoldParams.max_speed_kn
    simplify_tolerance_deg: float = GoldParams.simplify_tolerance_deg
    stop_max_sog_kn: float = GoldParams.stop_max_sog_kn
    stop_min_minutes: float = GoldParams.stop_min_minutes
    stop_max_gap_minutes: float = GoldParams.stop_max_gap_minutes
    stop_max_spread_nm: float = GoldParams.stop_max_spread_nm
    density_cell_m: int = GoldParams.density_cell_m
    anchorage_cell_m: int = GoldParams.anchorage_cell_m
    anchorage_min_vessels: int = GoldParams.anchorage_min_vessels
    anchorage_name_max_km: float = GoldParams.anchorage_name_max_km
    visit_entry_km: float = GoldParams.visit_entry_km
    visit_exit_km: float = GoldParams.visit_exit_km
    visit_stop_sog_kn: float = GoldParams.visit_stop_sog_kn
    visit_move_sog_kn: float = GoldParams.visit_move_sog_kn
    visit_stop_min_minutes: float = GoldParams.visit_stop_min_minutes
    port_gap_hours: float = GoldParams.port_gap_hours
    gap_min_hours: float = GoldParams.gap_min_hours
    gap_min_move_nm: float = GoldParams.gap_min_move_nm
    event_slot_minutes: float = GoldParams.event_slot_minutes
    event_max_gap_minutes: float = GoldParams.event_max_gap_minutes
    event_min_port_km: float = GoldParams.event_min_port_km
    encounter_max_km: float = GoldParams.encounter_max_km
    encounter_min_hours: float = GoldParams.encounter_min_hours
    encounter_max_sog_kn: float = GoldParams.encounter_max_sog_kn
    loitering_max_sog_kn: float = GoldParams.loitering_max_sog_kn
    loitering_min_hours: float = GoldParams.loitering_min_hours
    cq_cpa_nm: float = GoldParams.cq_cpa_nm
    cq_tcpa_minutes: float = GoldParams.cq_tcpa_minutes
    cq_search_nm: float = GoldParams.cq_search_nm
    cq_max_gap_minutes: float = GoldParams.cq_max_gap_minutes
    cq_min_closing_kn: float = GoldParams.cq_min_closing_kn
    transmitter_min_positions: int = GoldParams.transmitter_min_positions
    event_lookback_hours: float = GoldParams.event_lookback_hours
    cq_lookback_minutes: float = GoldParams.cq_lookback_minutes

    def params(self) -> GoldParams:
        return GoldParams(**self.model_dump())


class QualityThresholds(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Thresholds of the asset checks."""

    min_silver_rows: int = 10_000
    max_reject_share: float = 0.05


def _settings(env: Mapping[str, str] | None) -> tuple[settings.Settings, bool]:
    """The settings ``env`` gives (a mapping: tests, the demo), else the current ones; and
    whether secrets stay ``EnvVar`` references (the process environment's own settings)."""
    if env is not None:
        return settings.Settings.from_env(env), False
    return settings.current(), not settings.overridden()


def _reveal(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret else ""


def build_resources(
    env: Mapping[str, str] | None = None,
) -> "dict[str, dg.ConfigurableResource[Any]]":
    """The resources as the settings configure them (``aislake.settings``; ``env``: from that
    mapping instead of the process environment).

    ``MINIO_ENDPOINT`` set: the lake is the bucket ``AISLAKE_BUCKET`` (default ``ais-lake``) with
    ``MINIO_ACCESS_KEY`` / ``MINIO_SECRET_KEY``; otherwise the directory ``AISLAKE_LAKE_DIR``.
    """
    s, use_env = _settings(env)
    replace_min_share = 0.0 if s.accept_replacement else s.replace_min_share
    if s.minio_endpoint:
        # From the process environment, secrets stay EnvVar references so Dagster never
        # displays them; settings a caller made are used as they are.
        storage = LakeStorage(
            endpoint=s.minio_endpoint,
            bucket=s.bucket,
            access_key=dg.EnvVar("MINIO_ACCESS_KEY") if use_env else _reveal(s.minio_access_key),
            secret_key=dg.EnvVar("MINIO_SECRET_KEY") if use_env else _reveal(s.minio_secret_key),
            secure=s.minio_secure,
            read_timeout=s.s3_read_timeout,
            slot_watch_seconds=s.slot_watch_seconds,
        )
    else:
        storage = LakeStorage(lake_dir=s.lake_dir, slot_watch_seconds=s.slot_watch_seconds)
    return {
        "storage": storage,
        **{
            name: SourceArchive(
                source=name,
                options={
                    k: str(v)
                    for k, v in s.archives[name].model_dump(by_alias=True).items()
                    if v is not None
                },
                workdir=s.workdir,
                replace_min_share=replace_min_share,
            )
            for name in SOURCES
        },
        "duckdb": DuckDB(
            memory_limit=s.duckdb_memory_limit or default_memory_limit(s.memory_budget),
            threads=s.duckdb_threads,
            temp_directory=s.duckdb_temp_dir,
        ),
        "cleaning": CleaningRules(
            max_implied_speed_kn=s.max_implied_speed_kn,
            replace_max_drop=s.replace_max_drop,
            replace_max_reject_rise=s.replace_max_reject_rise,
            accept_replacement=s.accept_replacement,
        ),
        "gold": GoldSettings(
            max_speed_kn=s.max_implied_speed_kn,
            track_max_gap_minutes=s.track_max_gap_minutes,
            stop_min_minutes=s.stop_min_minutes,
            density_cell_m=s.density_cell_m,
            anchorage_min_vessels=s.anchorage_min_vessels,
            gap_min_hours=s.gap_min_hours,
        ),
        "thresholds": QualityThresholds(
            min_silver_rows=s.min_silver_rows, max_reject_share=s.max_reject_share
        ),
    }


def lake_storage(env: Mapping[str, str] | None = None) -> LakeStorage:
    """The lake storage as the settings configure it, with EnvVar secrets resolved: for code
    outside a Dagster run (the CLI, the demo)."""
    storage = build_resources(env)["storage"]
    assert isinstance(storage, LakeStorage)
    initialized: LakeStorage = storage.process_config_and_initialize()
    return initialized


def query_storage(env: Mapping[str, str] | None = None) -> LakeStorage:
    """The lake storage for ``aislake query``: as :func:`lake_storage`, but with the read-only
    S3 keys ``AISLAKE_QUERY_ACCESS_KEY`` / ``AISLAKE_QUERY_SECRET_KEY`` where they are set (a
    shared deployment gives its query users keys that can only read)."""
    s, _ = _settings(env)
    storage = lake_storage(env)
    if storage.endpoint and s.query_access_key:
        return storage.model_copy(
            update={
                "access_key": _reveal(s.query_access_key),
                "secret_key": _reveal(s.query_secret_key),
            }
        )
    return storage


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
