"""DuckDB connections: one escaping helper, pinned SQL, S3 through httpfs offline."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from aislake.duck.engine import DuckDBSettings, Job, connect, execute_concurrently, s3_secret_sql
from aislake.duck.sql import sql_literal
from aislake.storage.store import LocalStore, S3Store


def test_sql_literal_escapes_quotes_and_renders_types() -> None:
    assert sql_literal("it's") == "'it''s'"
    assert sql_literal(3) == "3"
    assert sql_literal(True) == "true"
    assert sql_literal("x'; DROP TABLE t; --") == "'x''; DROP TABLE t; --'"


def test_s3_secret_sql_is_exactly_what_duckdb_needs() -> None:
    store = S3Store.__new__(S3Store)  # no client needed to render SQL
    store.endpoint, store.bucket, store.region, store.secure = (
        "127.0.0.1:9000",
        "b",
        "us-east-1",
        False,
    )
    store.access_key, store.secret_key = "AK", "s'ecret"
    assert s3_secret_sql(store) == (
        "CREATE OR REPLACE SECRET aislake_s3 (TYPE s3, KEY_ID 'AK', SECRET 's''ecret', "
        "REGION 'us-east-1', ENDPOINT '127.0.0.1:9000', URL_STYLE 'path', USE_SSL false)"
    )


def test_settings_bound_memory_and_threads(tmp_path: Path) -> None:
    from aislake.storage.store import LocalStore

    settings = DuckDBSettings(
        memory_limit="512MB", threads=1, temp_directory=str(tmp_path / "spill")
    )
    con = connect(LocalStore(tmp_path / "lake"), settings)
    limit, threads = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('threads')"
    ).fetchone()  # type: ignore[misc]
    assert threads == 1
    assert limit.replace(" ", "").upper().startswith(("488", "512"))  # MiB vs MB rendering
    assert (tmp_path / "spill").is_dir()


def test_each_connection_spills_into_its_own_folder(tmp_path: Path) -> None:
    """Two DuckDB steps spilling into one shared folder overwrite each other's temp files
    (seen in a 15 M-row day's gold steps); each connection gets a folder of its own. Spills are
    forced here by a table larger than the memory limit."""
    from aislake.duck.engine import open_duckdb

    settings = DuckDBSettings(memory_limit="64MB", threads=1, temp_directory=str(tmp_path))
    a, b = open_duckdb(settings), open_duckdb(settings)
    dirs = [c.execute("SELECT current_setting('temp_directory')").fetchone()[0] for c in (a, b)]  # type: ignore[index]
    assert dirs[0] != dirs[1]
    assert all(Path(d).parent == tmp_path for d in dirs)
    for con in (a, b):  # larger than the memory limit: DuckDB must spill it
        con.execute("CREATE TABLE big AS SELECT range || repeat('x', 60) AS s FROM range(2000000)")
    spilled = [
        {
            Path(p).parent
            for (p,) in c.execute("SELECT path FROM duckdb_temporary_files()").fetchall()
        }
        for c in (a, b)
    ]
    assert spilled == [{Path(dirs[0])}, {Path(dirs[1])}]
    a.close()
    del a
    assert not Path(dirs[0]).exists()  # removed with its connection


def test_duckdb_writes_and_reads_parquet_on_s3(s3_store: S3Store, tmp_path: Path) -> None:
    assert s3_store.client.bucket_exists(s3_store.bucket)  # created on first use
    con = connect(s3_store)
    uri = s3_store.uri("t/x.parquet")
    con.execute(f"COPY (SELECT range AS n FROM range(1000)) TO {sql_literal(uri)} (FORMAT parquet)")
    assert s3_store.exists("t/x.parquet")
    total = con.execute(f"SELECT sum(n) FROM read_parquet({sql_literal(uri)})").fetchone()
    assert total == (499500,)


def _statement(sql: str) -> Job:
    def run(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(sql)

    return run


def test_jobs_run_concurrently_and_the_first_may_read_temporary_tables(
    tmp_path: Path,
) -> None:
    con = connect(LocalStore(tmp_path / "lake"))
    con.execute("CREATE TEMP TABLE mine AS SELECT range AS i FROM range(1000)")
    con.execute("CREATE TABLE shared AS SELECT range AS i FROM range(1000)")
    out = [tmp_path / f"{n}.parquet" for n in range(3)]

    def half(n: int) -> Job:
        # A job's temporary view is its own connection's: both define `half` at once.
        def run(cursor: duckdb.DuckDBPyConnection) -> None:
            cursor.execute(f"CREATE TEMP VIEW half AS SELECT * FROM shared WHERE i % 2 = {n - 1}")
            cursor.execute(f"COPY (SELECT * FROM half) TO {sql_literal(str(out[n]))}")

        return run

    execute_concurrently(
        con,
        [_statement(f"COPY (SELECT * FROM mine) TO {sql_literal(str(out[0]))}"), half(1), half(2)],
        workers=2,
    )
    counts = [con.execute(f"SELECT count(*) FROM {sql_literal(str(f))}").fetchone() for f in out]
    assert counts == [(1000,), (500,), (500,)]
    assert [
        con.execute(f"SELECT min(i) FROM {sql_literal(str(f))}").fetchone() for f in out[1:]
    ] == [
        (0,),
        (1,),
    ]
    # A temporary table is its connection's own: a cursor does not see it, and the error is
    # raised once the other jobs have ended.
    late = tmp_path / "late.parquet"
    with pytest.raises(duckdb.CatalogException, match="mine"):
        execute_concurrently(
            con,
            [
                _statement(f"COPY (SELECT * FROM shared) TO {sql_literal(str(late))}"),
                _statement("SELECT * FROM mine"),
            ],
            workers=2,
        )
    assert late.exists()
