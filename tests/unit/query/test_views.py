"""`aislake query` reads the lake and nothing else: on both backends, against real servers."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from aislake.cli import main
from aislake.duck.engine import connect
from aislake.query.views import NotReadOnlyError, check_read_only, lake_connection, lake_root
from aislake.storage.store import ObjectStore
from aislake.storage.tables import publish

pytestmark = pytest.mark.faults

DAY = "silver/ais/source=dma/dt=2024-01-15/"


def _publish_day(store: ObjectStore, select: str = "SELECT 219000001 AS mmsi, 55.5 AS lat") -> None:
    """A silver day of ``select``'s rows, committed to the silver table as aislake does."""
    staged = store.staging_prefix()
    key = f"{staged}/silver/part-0.parquet"
    store.prepare_write(key)
    connect(store).execute(f"COPY ({select}) TO '{store.uri(key)}' (FORMAT parquet)")
    publish(store, {DAY: f"{staged}/silver"})


@pytest.fixture
def lake(store: ObjectStore) -> ObjectStore:
    store.list_keys("silver/")  # an S3 store makes its bucket on first use
    _publish_day(store)
    return store


def test_views_read_the_lake(lake: ObjectStore) -> None:
    con, views = lake_connection(lake)
    assert views == ["silver_ais"]
    assert con.execute("SELECT count(*) FROM silver_ais").fetchone() == (1,)


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1) TO '{root}silver/ais/x.parquet'",
        "ATTACH '{root}evil.duckdb'",
        "CREATE TABLE t AS SELECT 1",
        "SET enable_external_access = true",
        "SELECT 1; COPY (SELECT 1) TO '/tmp/aislake-query-escape.csv'",
    ],
)
def test_statements_that_write_are_refused(lake: ObjectStore, sql: str) -> None:
    con, _ = lake_connection(lake)
    with pytest.raises(NotReadOnlyError, match="read-only"):
        check_read_only(con, sql.format(root=lake_root(lake)), lake)


@pytest.mark.parametrize("path", ["/etc/passwd", "s3://another-bucket/x.csv"])
def test_files_outside_the_lake_cannot_be_read(lake: ObjectStore, path: str) -> None:
    con, _ = lake_connection(lake)
    with pytest.raises(duckdb.Error, match=r"(?i)permission|cannot access"):
        con.execute(f"SELECT * FROM read_csv('{path}')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("SET lock_configuration = false")


def test_the_cli_refuses_and_writable_lifts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aislake.storage.store import LocalStore

    store = LocalStore(tmp_path / "lake")
    _publish_day(store, "SELECT 1 AS mmsi")
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit, match="read-only: a COPY statement is refused"):
        main(["query", f"COPY (SELECT * FROM silver_ais) TO '{out}'"])
    with pytest.raises(SystemExit, match="outside"):
        main(["query", "SELECT * FROM read_csv('/etc/passwd')"])
    assert not out.exists()
    assert main(["query", "--writable", f"COPY (SELECT * FROM silver_ais) TO '{out}'"]) == 0
    assert out.read_text().splitlines() == ["mmsi,dt", "1,2024-01-15"]  # dt from the path
    capsys.readouterr()


def test_query_uses_read_only_keys_where_configured() -> None:
    from aislake.defs.resources import query_storage

    env = {
        "MINIO_ENDPOINT": "127.0.0.1:9000",
        "MINIO_ACCESS_KEY": "writer",
        "MINIO_SECRET_KEY": "writer-secret",
    }
    assert query_storage(env).access_key == "writer"
    reader = query_storage(
        {**env, "AISLAKE_QUERY_ACCESS_KEY": "reader", "AISLAKE_QUERY_SECRET_KEY": "reader-secret"}
    )
    assert (reader.access_key, reader.secret_key) == ("reader", "reader-secret")


# The fault probe's escapes (issue 26): DuckDB's allowed_directories is a string prefix and the
# URL is normalised after the check, so these reached another bucket or folder.
ESCAPES = [
    "SELECT * FROM read_csv('{root}../payroll/salaries.csv')",
    "SELECT * FROM glob('{root}../payroll/*')",
    "SELECT * FROM '{root}../payroll/salaries.csv'",
    "SELECT * FROM read_parquet(['{root}silver/ais/x.parquet', '{root}./../payroll/x.parquet'])",
    "SELECT * FROM read_csv('{root}' || '../payroll/salaries.csv')",
    "SELECT (SELECT count(*) FROM read_text('{root}../payroll/salaries.csv'))",
    "SELECT * FROM query('SELECT 1')",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{root}../payroll/pwned.csv'",
    "EXPLAIN ANALYZE SELECT * FROM silver_ais",
    "EXPLAIN COPY (SELECT 1) TO '{root}x.csv'",
    "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')",
]


@pytest.mark.parametrize("sql", ESCAPES)
def test_paths_that_normalise_outside_the_lake_are_refused(lake: ObjectStore, sql: str) -> None:
    con, _ = lake_connection(lake)
    with pytest.raises(NotReadOnlyError):
        check_read_only(con, sql.format(root=lake_root(lake)), lake)


def test_reads_inside_the_lake_and_explain_still_run(lake: ObjectStore) -> None:
    con, _ = lake_connection(lake)
    root = lake_root(lake)
    for sql in (
        "SELECT count(*) FROM silver_ais",
        "EXPLAIN SELECT * FROM silver_ais",
        f"SELECT count(*) FROM read_parquet('{root}silver/ais/**/*.parquet', union_by_name = true)",
        "WITH d AS (SELECT * FROM silver_ais) SELECT count(*) FROM d",
    ):
        check_read_only(con, sql, lake)
        assert con.execute(sql).fetchall()


def test_another_bucket_is_neither_read_nor_written_on_s3(
    s3_store: ObjectStore, s3_env: dict[str, str], tmp_path: Path
) -> None:
    """The probe's case end to end through the CLI: the lake's bucket and a payroll bucket on
    the same server, the query keys able to reach both."""
    import boto3

    s3_store.list_keys("silver/")  # makes the lake's bucket
    _publish_day(s3_store)
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://{s3_env['MINIO_ENDPOINT']}",
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    payroll = f"payroll-{s3_env['AISLAKE_BUCKET']}"
    s3.create_bucket(Bucket=payroll)
    s3.put_object(Bucket=payroll, Key="salaries.csv", Body=b"name,salary\nana,1\n")
    root = f"s3://{s3_env['AISLAKE_BUCKET']}/"
    env = {**os.environ, **s3_env}
    for sql in (
        f"SELECT * FROM read_csv('{root}../{payroll}/salaries.csv')",
        f"SELECT * FROM glob('{root}../{payroll}/*')",
        f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{root}../{payroll}/pwned.csv'",
    ):
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            with pytest.raises(SystemExit, match=r"read-only|outside"):
                main(["query", sql])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=payroll).get("Contents", [])]
    assert keys == ["salaries.csv"]


def test_local_escapes_links_and_sibling_folders_are_refused(tmp_path: Path) -> None:
    from aislake.storage.store import LocalStore

    store = LocalStore(tmp_path / "lake")
    _publish_day(store)
    (tmp_path / "lake-other").mkdir()
    (tmp_path / "lake-other" / "secret.csv").write_text("a\n1\n")
    (tmp_path / "lake" / "bronze").mkdir()
    (tmp_path / "lake" / "bronze" / "out.csv").symlink_to(tmp_path / "lake-other" / "secret.csv")
    (tmp_path / "lake" / "outdir").symlink_to(tmp_path / "lake-other")
    con, _ = lake_connection(store)
    root = lake_root(store)
    for sql in (
        f"SELECT * FROM read_csv('{root}../lake-other/secret.csv')",
        f"SELECT * FROM read_csv('{tmp_path}/lake-other/secret.csv')",
        f"SELECT * FROM read_csv('{root}bronze/out.csv')",
        f"SELECT * FROM read_csv('{root}outdir/secret.csv')",
        f"SELECT * FROM read_csv('{root}*/secret.csv')",
        f"SELECT * FROM read_csv('{root}**/*.csv')",
    ):
        with pytest.raises(NotReadOnlyError, match="outside"):
            check_read_only(con, sql, store)


def test_the_lake_as_it_was_at_a_moment_or_a_version(store: ObjectStore) -> None:
    """Time travel: each table as it was at a moment (its version of then), or at a version;
    before a table existed, it is not there."""
    import datetime as dt
    import time

    store.list_keys("silver/")
    _publish_day(store, "SELECT 1 AS mmsi")
    time.sleep(0.01)
    between = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    _publish_day(store, "SELECT range::INTEGER AS mmsi FROM range(5)")

    def count(as_of: int | dt.datetime | None) -> object:
        con, views = lake_connection(store, as_of=as_of)
        return con.execute("SELECT count(*) FROM silver_ais").fetchone() if views else None

    assert (count(None), count(between), count(0), count(1)) == ((5,), (1,), (1,), (5,))
    assert count(between - dt.timedelta(hours=1)) is None  # the table did not exist yet


def test_query_as_of_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aislake.storage.store import LocalStore

    store = LocalStore(tmp_path / "lake")
    _publish_day(store, "SELECT 1 AS mmsi")
    _publish_day(store, "SELECT range::INTEGER AS mmsi FROM range(5)")
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(store.root))
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    assert main(["query", "--csv", "--as-of", "0", "SELECT count(*) AS n FROM silver_ais"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "1"]
    with pytest.raises(SystemExit, match="version 7"):
        main(["query", "--as-of", "7", "SELECT 1"])
    with pytest.raises(SystemExit):
        main(["query", "--as-of", "yesterday", "SELECT 1"])
    assert "expected a version number or a moment" in capsys.readouterr().err
