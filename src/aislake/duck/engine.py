"""DuckDB connections for the lake: bounded memory, a spill folder, and S3 access offline.

All SQL that embeds a value (a path, a secret, a setting) renders it through
:func:`aislake.duck.sql.sql_literal`, the one escaping helper, so no value is ever concatenated
into SQL unescaped.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aislake.ais.mmsi import mmsi_macros
from aislake.ais.motion import MOTION_MACROS
from aislake.duck.sql import sql_literal
from aislake.storage.leftovers import clean_folders, owner
from aislake.storage.store import LocalStore, ObjectStore, S3Store

_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}

# The process's memory budget when AISLAKE_MEMORY_BUDGET is unset: one run (a day) in 2 GB.
DEFAULT_MEMORY_BUDGET = "2GB"
# What the process needs besides DuckDB's buffers: Python, Dagster, Arrow and the Parquet
# writer's buffers (measured: silver's peak RSS is its DuckDB limit + 0.3-0.5 GB).
PROCESS_RESERVE_BYTES = 750 * 10**6


def parse_size(text: str) -> int:
    """Bytes of a size such as ``2GB``, ``1.5 GiB``, ``800MB`` or ``2000000000``."""
    number = text.strip().upper().replace(" ", "")
    unit = number.lstrip("0123456789.")
    value = number[: len(number) - len(unit)]
    if not value or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (e.g. 2GB, 1.5GiB, 800MB)")
    return int(float(value) * _UNITS[unit])


def cgroup_memory_limit() -> int | None:
    """The memory this process's cgroup may use (v2 ``memory.max`` or v1), or ``None``."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def default_memory_limit(budget: str | None = None) -> str:
    """DuckDB's memory limit per step when none is set: the process's budget
    (``AISLAKE_MEMORY_BUDGET``, default 2 GB, and never more than the cgroup allows) less what
    the process needs besides DuckDB, so the whole process stays within the budget."""
    allowed = parse_size(budget or DEFAULT_MEMORY_BUDGET)
    limit = cgroup_memory_limit()
    if limit is not None:
        allowed = min(allowed, limit)
    return f"{max(allowed - PROCESS_RESERVE_BYTES, 256 * 10**6) // 10**6}MB"


@dataclass(frozen=True)
class DuckDBSettings:
    """How much of the machine one DuckDB step may use.

    ``memory_limit`` bounds DuckDB's buffer manager (sorts and joins spill to ``temp_directory``
    beyond it); ``threads`` bounds its parallelism. ``None`` leaves DuckDB's default.
    """

    memory_limit: str | None = "2GB"
    threads: int | None = None
    temp_directory: str | None = None

    def pragmas(self, spill_dir: str | None = None) -> list[str]:
        """The SET statements of these settings; spills go to ``spill_dir`` (see open_duckdb)."""
        # Keeping insertion order costs memory in large COPYs; the one statement group that
        # relies on it (silver's sorted day, read by position) turns it on for itself.
        sql = ["SET preserve_insertion_order = false"]
        if self.memory_limit:
            sql.append(f"SET memory_limit = {sql_literal(self.memory_limit)}")
        if self.threads:
            sql.append(f"SET threads = {int(self.threads)}")
        if spill_dir:
            sql.append(f"SET temp_directory = {sql_literal(spill_dir)}")
        return sql


def open_duckdb(settings: DuckDBSettings | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection within ``settings``.

    DuckDB names its spill files the same in every process (``duckdb_temp_storage_S32K-0.tmp``),
    so connections sharing one ``temp_directory`` (parallel steps of a run, concurrent runs on one
    host) overwrite each other's spills and fail with "Could not read enough bytes". Each
    connection therefore spills into a folder of its own under ``temp_directory`` (default: the
    system's temporary folder), removed with the connection.
    """
    settings = settings or DuckDBSettings()
    con = duckdb.connect(":memory:")
    # DuckDB's own default (./.tmp) is shared by every process started in the same folder.
    root = Path(settings.temp_directory or Path(tempfile.gettempdir()) / "aislake-duckdb")
    root.mkdir(parents=True, exist_ok=True)
    clean_folders(root, "duckdb-")  # spills of killed processes (GBs on a full day)
    spill = tempfile.mkdtemp(prefix=f"duckdb-{owner()}@", dir=root)
    weakref.finalize(con, shutil.rmtree, spill, True)
    for statement in settings.pragmas(spill):
        con.execute(statement)
    # A long query draws a progress bar on stdout: noise in logs and in a step's output.
    con.execute("SET enable_progress_bar = false")
    for text in connection_macros():
        run_sql(con, text)
    return con


MACROS = Path(__file__).with_name("macros.sql")
SPATIAL_MACROS = Path(__file__).with_name("spatial_macros.sql")


def connection_macros() -> list[str]:
    """What every connection aislake opens defines, in order: the shared expressions
    (``macros.sql``), the motion rules (``aislake/ais/motion.sql``) and the MMSI forms."""
    return [MACROS.read_text(), MOTION_MACROS.read_text(), *mmsi_macros()]


def run_sql(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Run every statement of ``text`` on ``con``."""
    for statement in con.extract_statements(text):
        con.execute(statement)


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Run every statement of the SQL file ``path`` on ``con``."""
    run_sql(con, path.read_text())


# Work for one connection: statements run in order on the connection it is given.
Job = Callable[[duckdb.DuckDBPyConnection], None]


def execute_concurrently(con: duckdb.DuckDBPyConnection, jobs: list[Job], workers: int) -> None:
    """Run independent ``jobs`` at the same time, at most ``workers`` at once: the first on
    ``con`` itself (it may read the connection's temporary tables), the others each on a cursor
    of its own, a connection to the same database that shares its memory limit (and sees its
    tables and views, not its temporary ones). For statements DuckDB runs on one thread (a
    ``POSITIONAL JOIN``); the first error is raised once all have ended."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            job(con)
        return

    def run(index: int, job: Job) -> None:
        if index == 0:
            job(con)
            return
        cursor = con.cursor()
        try:
            job(cursor)
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aislake-duckdb") as pool:
        done = [pool.submit(run, i, job) for i, job in enumerate(jobs)]
    for future in done:
        future.result()


def extension_path(name: str) -> str:
    """A DuckDB extension shipped as a PyPI wheel (``duckdb-extension-<name>``).

    DuckDB cannot download extensions here (no internet), so they are loaded from site-packages.
    """
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"duckdb-extension-{name} is not installed: pip install -e .")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob(f"extensions/v{duckdb.__version__}/{name}.duckdb_extension"))
    if not found:
        raise RuntimeError(
            f"no {name} extension for DuckDB {duckdb.__version__} under {root}: "
            f"pin duckdb-extension-{name} to the same version as duckdb"
        )
    return str(found[0])


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's spatial extension (ST_* functions) into the connection, and the macros
    that use it (``spatial_macros.sql``)."""
    con.execute(f"LOAD {sql_literal(extension_path('spatial'))}")
    run_sql_file(con, SPATIAL_MACROS)


def s3_secret_sql(store: S3Store) -> str:
    """``CREATE SECRET`` for the store; contains the secret key, so it is never logged."""
    options: dict[str, str | bool] = {
        "KEY_ID": store.access_key,
        "SECRET": store.secret_key,
        "REGION": store.region,
        "ENDPOINT": store.endpoint,
        "URL_STYLE": "path",
        "USE_SSL": store.secure,
    }
    rendered = ", ".join(f"{k} {sql_literal(v)}" for k, v in options.items())
    return f"CREATE OR REPLACE SECRET aislake_s3 (TYPE s3, {rendered})"


def connect(
    store: ObjectStore, settings: DuckDBSettings | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that can read and write every key of ``store``."""
    con = open_duckdb(settings)
    if isinstance(store, S3Store):
        con.execute(f"LOAD {sql_literal(extension_path('httpfs'))}")
        con.execute(s3_secret_sql(store))
    elif not isinstance(store, LocalStore):
        raise TypeError(f"unsupported store {type(store).__name__}")
    return con
