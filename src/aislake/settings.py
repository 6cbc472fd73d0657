"""aislake's settings: the one reader of the environment.

Every ``AISLAKE_*`` and ``MINIO_*`` variable is a field of :class:`Settings`, with its type, its
default and what it means, stated once here; README's configuration table is tested against
this class. Nothing is read at import: :func:`current` reads the environment when asked (when
the definitions load, when a CLI command starts), and :func:`using` makes another
:class:`Settings` current within a block (the demo and tests load the definitions of other
sources that way) without touching ``os.environ``.

An empty variable counts as unset. A value of the wrong type or range fails with the
variable's name. Secrets (the S3 keys) are ``SecretStr``: never shown; the Dagster resources
read them through ``dg.EnvVar`` so the UI names the variable, not its value.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo

from aislake.gold.core import GoldParams
from aislake.silver.rules import SilverRules
from aislake.sources.registry import SOURCES

M = TypeVar("M", bound=BaseModel)


def _share(value: object) -> float:
    """A share from 0 to 1 (a ``ValueError`` otherwise; :meth:`Settings.from_env` names the
    variable)."""
    try:
        share = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        share = float("nan")
    if not 0 <= share <= 1:
        raise ValueError(f"{value!r}: expected a share from 0 to 1")
    return share


Share = Annotated[float, BeforeValidator(_share)]


def _env(name: str, default: object, meaning: str, shown: str | None = None) -> Any:
    """A field read from the variable ``name``; ``shown``: the default as README states it."""
    extra: dict[str, JsonValue] | None = {"shown_default": shown} if shown is not None else None
    return Field(default, alias=name, description=meaning, json_schema_extra=extra)


class Settings(BaseModel):
    """Everything the environment configures (README's configuration table)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # Where the lake lives
    lake_dir: str = _env(
        "AISLAKE_LAKE_DIR", "data/lake", "the local lake folder (when `MINIO_ENDPOINT` is unset)"
    )
    minio_endpoint: str | None = _env(
        "MINIO_ENDPOINT", None, "`host:port` of an S3-compatible store; set, the lake is a bucket"
    )
    bucket: str = _env("AISLAKE_BUCKET", "ais-lake", "the bucket (created if missing)")
    minio_access_key: SecretStr | None = _env(
        "MINIO_ACCESS_KEY", None, "credentials; read through `EnvVar`, never shown"
    )
    minio_secret_key: SecretStr | None = _env(
        "MINIO_SECRET_KEY", None, "credentials; read through `EnvVar`, never shown"
    )
    minio_secure: bool = _env("MINIO_SECURE", False, "HTTPS to the store")
    query_access_key: SecretStr | None = _env(
        "AISLAKE_QUERY_ACCESS_KEY",
        None,
        "read-only S3 keys `aislake query` uses instead, where set",
    )
    query_secret_key: SecretStr | None = _env(
        "AISLAKE_QUERY_SECRET_KEY",
        None,
        "read-only S3 keys `aislake query` uses instead, where set",
    )
    s3_read_timeout: float = _env(
        "AISLAKE_S3_READ_TIMEOUT",
        120.0,
        "seconds a stalled store may take per attempt (4 attempts)",
    )
    slot_watch_seconds: float = _env(
        "AISLAKE_SLOT_WATCH_SECONDS",
        10.0,
        (
            "how often a run frees pool slots held by processes that are gone (a waiting step gets "
            "them)"
        ),
    )
    # The tables' history
    retention_days: float = _env(
        "AISLAKE_RETENTION_DAYS",
        7.0,
        (
            "days a replaced partition's files stay readable (`aislake query --as-of`); "
            "`aislake vacuum` and the daily `lake_upkeep` schedule remove older ones"
        ),
    )
    # Replacing a stored day
    replace_min_share: Share = _env(
        "AISLAKE_REPLACE_MIN_SHARE",
        0.5,
        "bronze refuses a re-fetched day with under this share of the stored day's lines (0: off)",
    )
    replace_max_drop: Share = _env(
        "AISLAKE_REPLACE_MAX_DROP",
        SilverRules.replace_max_drop,
        (
            "silver refuses a new version of a stored day with valid rows down by more than this "
            "share (bronze is kept too)"
        ),
    )
    replace_max_reject_rise: Share = _env(
        "AISLAKE_REPLACE_MAX_REJECT_RISE",
        SilverRules.replace_max_reject_rise,
        "... or with a share of unexpected rejects more than this above the stored one",
    )
    accept_replacement: bool = _env(
        "AISLAKE_ACCEPT_REPLACEMENT",
        False,
        (
            "`true`: a run replaces a stored day by any new version (also the run tag "
            "`aislake/accept_replacement=true`, `aislake materialize --accept-replacement`)"
        ),
    )
    # Sources
    sources: str = _env(
        "AISLAKE_SOURCES",
        "dma",
        f"the sources defined, comma-separated, of {', '.join(f'`{n}`' for n in SOURCES)} (an "
        "inactive source's assets, checks and sensor are not defined; `docs/noaa.md`); each "
        "source's archive settings follow",
    )
    dma_lag_days: int = _env(
        "AISLAKE_DMA_LAG_DAYS", 3, "partitions end this many days before today"
    )
    workdir: str | None = _env(
        "AISLAKE_WORKDIR",
        None,
        "where downloads are unpacked before bronze publishes them",
        shown="system temp",
    )
    sensor_initial_days: int = _env(
        "AISLAKE_SENSOR_INITIAL_DAYS",
        3,
        "the published-days sensors' first tick requests only the latest days",
    )
    dagster_url: str = _env(
        "AISLAKE_DAGSTER_URL", "http://127.0.0.1:3000", "the webserver `aislake backfill` talks to"
    )
    # Execution and DuckDB
    executor: str = _env(
        "AISLAKE_EXECUTOR",
        "in_process",
        (
            "a run's steps one after the other in its process; `multiprocess`: a process per step "
            "(`docs/operations.md`)"
        ),
    )
    memory_budget: str | None = _env(
        "AISLAKE_MEMORY_BUDGET",
        None,
        (
            "what a run's process may use (never more than its cgroup allows); DuckDB's default "
            "limit is derived from it"
        ),
        shown="`2GB`",
    )
    duckdb_memory_limit: str | None = _env(
        "AISLAKE_DUCKDB_MEMORY_LIMIT",
        None,
        "DuckDB's memory limit per step (it spills beyond)",
        shown="budget - 0.75 GB (`1250MB`)",
    )
    duckdb_threads: int | None = _env(
        "AISLAKE_DUCKDB_THREADS", None, "DuckDB threads per step", shown="all cores"
    )
    duckdb_temp_dir: str | None = _env(
        "AISLAKE_DUCKDB_TEMP_DIR",
        None,
        "spill folder (each step gets its own folder in it)",
        shown="system temp",
    )
    # Silver's rules and checks
    max_implied_speed_kn: float = _env(
        "AISLAKE_MAX_IMPLIED_SPEED_KN",
        SilverRules.max_implied_speed_kn,
        "silver flags position jumps faster than this",
    )
    min_silver_rows: int = _env(
        "AISLAKE_MIN_SILVER_ROWS", 10000, "check (warns): fewer silver rows a day"
    )
    max_reject_share: Share = _env(
        "AISLAKE_MAX_REJECT_SHARE", 0.05, "check: share of unexpected rejects a day"
    )
    # Gold
    track_max_gap_minutes: float = _env(
        "AISLAKE_TRACK_MAX_GAP_MINUTES",
        GoldParams.track_max_gap_minutes,
        "gold tracks: a longer gap starts a new segment",
    )
    stop_min_minutes: float = _env(
        "AISLAKE_STOP_MIN_MINUTES", GoldParams.stop_min_minutes, "gold vessel stops: shortest stop"
    )
    density_cell_m: int = _env(
        "AISLAKE_DENSITY_CELL_M",
        GoldParams.density_cell_m,
        "gold traffic density: cell size in metres (EPSG:3035)",
    )
    anchorage_min_vessels: int = _env(
        "AISLAKE_ANCHORAGE_MIN_VESSELS",
        GoldParams.anchorage_min_vessels,
        "gold anchorages: distinct vessels that stopped in a cell",
    )
    gap_min_hours: float = _env(
        "AISLAKE_GAP_MIN_HOURS",
        GoldParams.gap_min_hours,
        "gold AIS gaps: shortest silence under way",
    )

    # Each source's archive settings (its Source.archive model, read by its own variables).
    archives: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @field_validator("executor")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings ``env`` gives (``os.environ`` by default); other variables are ignored."""
        env = os.environ if env is None else env
        archives = {n: _read(s.archive, env) for n, s in SOURCES.items()}
        return _read(cls, env, archives=archives)

    @property
    def source_names(self) -> tuple[str, ...]:
        """The sources ``AISLAKE_SOURCES`` names, in order, each once."""
        return tuple(dict.fromkeys(s.strip().lower() for s in self.sources.split(",") if s.strip()))


def _aliases(model: type[BaseModel]) -> list[str]:
    return [f.alias for f in model.model_fields.values() if f.alias]


def _read(model: type[M], env: Mapping[str, str], **extra: object) -> M:
    """``model`` from the variables ``env`` sets (an empty one counts as unset); a
    ``ValueError`` naming each variable that is wrong, with its value."""
    values = {name: env[name] for name in _aliases(model) if env.get(name)}
    try:
        return model.model_validate({**values, **extra})
    except ValidationError as exc:
        problems = "; ".join(
            f"{e['loc'][0]}={values.get(str(e['loc'][0]))!r}: "
            + str(e["msg"]).removeprefix("Value error, ").split(": ", 1)[-1]
            for e in exc.errors()
        )
        raise ValueError(f"aislake settings: {problems}") from None


def names() -> list[str]:
    """Every variable of the settings, the sources' archives' included, in README's order."""
    return [n for field in _fields() for n in [field.alias] if n]


def _fields() -> list[FieldInfo]:
    """The settings' fields, each source's archive fields after ``AISLAKE_SOURCES``."""
    fields: list[FieldInfo] = []
    for name, field in Settings.model_fields.items():
        if field.alias:
            fields.append(field)
        if name == "sources":
            fields += [f for s in SOURCES.values() for f in s.archive.model_fields.values()]
    return fields


def variables(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings' variables that ``env`` (``os.environ`` by default) sets, as they are: for
    a caller that passes the environment on with changes (the demo)."""
    env = os.environ if env is None else env
    known = set(names())
    return {k: v for k, v in env.items() if k in known}


def _shown(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "shown_default" in extra:
        return str(extra["shown_default"])
    value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def markdown_table() -> str:
    """README's configuration table, rendered from :class:`Settings` (variables that share a
    meaning, such as a key pair, share a row). ``make docs`` writes it; a test keeps README's
    equal to it."""
    rows: list[tuple[list[str], str, str]] = []
    for field in _fields():
        name, shown, meaning = f"`{field.alias}`", _shown(field), field.description or ""
        if rows and rows[-1][2] == meaning and rows[-1][1] == shown:
            rows[-1][0].append(name)
        else:
            rows.append(([name], shown, meaning))
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    lines += [f"| {', '.join(names)} | {shown} | {meaning} |" for names, shown, meaning in rows]
    return "\n".join(lines)


_override: ContextVar[Settings | None] = ContextVar("aislake_settings", default=None)


def current() -> Settings:
    """The settings in force: those :func:`using` set, else the process environment's."""
    chosen = _override.get()
    if chosen is not None:
        return chosen
    return Settings.from_env()


def overridden() -> bool:
    """Whether :func:`using` set the current settings (else they are the process
    environment's, whose secrets Dagster resources read through ``EnvVar``)."""
    return _override.get() is not None


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """Within the block, :func:`current` is ``settings`` (the environment is not touched)."""
    token = _override.set(settings)
    try:
        yield settings
    finally:
        _override.reset(token)


def with_changes(**changes: object) -> Settings:
    """The current settings with ``changes`` (field names)."""
    return current().model_copy(update=changes)


def write_table(readme: Path) -> bool:
    """Replace the configuration table in ``readme`` by :func:`markdown_table`; whether it
    changed (``make docs``)."""
    text = readme.read_text()
    lines = text.splitlines()
    start = lines.index("| variable | default | meaning |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    new = "\n".join([*lines[:start], markdown_table(), *lines[end:]]) + "\n"
    readme.write_text(new)
    return new != text


if __name__ == "__main__":
    import sys

    changed = write_table(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    sys.stdout.write(
        "README's configuration table " + ("rewritten\n" if changed else "is current\n")
    )
