"""What a silver build owns while it runs, and gives back whatever happens: a local folder for
its sorted intermediates, a staging prefix in the lake, the connection's temporary tables and
its ``preserve_insertion_order`` setting."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aislake.duck.sql import sql_literal
from aislake.sources.base import ROW_COLUMNS
from aislake.storage.store import ObjectStore

log = logging.getLogger(__name__)

# The tables and views the steps create on the build's connection (dropped at the end).
TEMP_TABLES = ("neighbours", "repaired_ids", "lines_aside")
VIEWS = (
    "day_rows",
    "classified_rows",
    "repaired_rows",
    "part_rows",
    "part_neighbours",
    "raw_lines",
)


@dataclass(frozen=True)
class Workspace:
    """The places of one build: ``workdir`` (local, for the sorted files) and ``staged`` (the
    lake's staging prefix the new version is written under before it is published)."""

    workdir: Path
    staged: str

    @property
    def main_file(self) -> Path:
        """The day's typed rows with their reason, in silver's order (the read step's)."""
        return self.workdir / "classified.parquet"

    @property
    def repaired_file(self) -> Path:
        """The rows of repaired lines, classified and sorted likewise (the repair step's)."""
        return self.workdir / "repaired.parquet"

    def show_sorted_files(self, con: duckdb.DuckDBPyConnection) -> None:
        """The views the later steps' SQL reads the sorted files through, each row with its
        number (``file_row_number``) and every column of ``SORTED_COLUMNS`` (NULL where the
        file has none): ``classified_rows`` (the main file) and ``repaired_rows`` (the repaired
        rows' file; no rows when nothing was repaired). Views of the database, not of the
        connection: the writers read them from connections of their own."""
        con.execute(f"CREATE OR REPLACE VIEW classified_rows AS {_rows(con, self.main_file)}")
        repaired = (
            _rows(con, self.repaired_file)
            if self.repaired_file.exists()
            else "SELECT * FROM classified_rows WHERE false"
        )
        con.execute(f"CREATE OR REPLACE VIEW repaired_rows AS {repaired}")


# Columns the steps after the sort read of every row (their SQL where a file lacks them): the
# source's own (``ROW_COLUMNS``) and the field a repair moved.
SORTED_COLUMNS = {**ROW_COLUMNS, "repaired": "NULL::VARCHAR"}


def _rows(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """SQL: the rows of the sorted file ``path`` with their numbers and ``SORTED_COLUMNS``."""
    relation = f"read_parquet({sql_literal(str(path))}, file_row_number = true)"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    missing = "".join(f", {sql} AS {c}" for c, sql in SORTED_COLUMNS.items() if c not in present)
    return f"SELECT *{missing} FROM {relation}"


@contextmanager
def workspace(con: duckdb.DuckDBPyConnection, store: ObjectStore) -> Iterator[Workspace]:
    """A :class:`Workspace` for one build; on the way out the staging prefix, the local folder
    and the temporary tables are removed and the connection's setting restored. Staging a
    writer that is gone left behind is removed first."""
    for place in store.clean_stale_staging():
        log.warning("removed %s, left by a writer that is gone", place)
    ws = Workspace(
        Path(tempfile.mkdtemp(prefix="aislake-silver-", dir=_spill_dir(con))),
        store.staging_prefix(),
    )
    # The sorted files' row order is silver's order: the steps read them by position (their
    # row number) instead of sorting the wide rows again.
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    con.execute("SET preserve_insertion_order = true")
    try:
        yield ws
    finally:
        con.execute(f"SET preserve_insertion_order = {sql_literal(bool(kept and kept[0]))}")
        con.execute(
            "; ".join(
                [
                    *(f"DROP VIEW IF EXISTS {v}" for v in VIEWS),
                    *(f"DROP TABLE IF EXISTS {t}" for t in TEMP_TABLES),
                ]
            )
        )
        store.discard_prefix(ws.staged)
        shutil.rmtree(ws.workdir, ignore_errors=True)


def _spill_dir(con: duckdb.DuckDBPyConnection) -> str | None:
    """The connection's spill folder if it was given one (aislake's connections are), else the
    system's temporary folder."""
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    folder = Path(row[0]) if row and row[0] else None
    return str(folder) if folder and folder.is_absolute() and folder.is_dir() else None
