"""`aislake query` reads the lake and nothing else: on both backends, against real servers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from aislake.cli import main
from aislake.lake.duck import connect
from aislake.lake.store import ObjectStore
from aislake.ops.lakeviews import NotReadOnlyError, check_read_only, lake_connection

pytestmark = pytest.mark.faults

KEY = "silver/ais/source=dma/dt=2024-01-15/part-0.parquet"


@pytest.fixture
def lake(store: ObjectStore) -> ObjectStore:
    store.list_keys("silver/")  # an S3 store makes its bucket on first use
    store.prepare_write(KEY)
    connect(store).execute(
        f"COPY (SELECT 219000001 AS mmsi, 55.5 AS lat) TO '{store.uri(KEY)}' (FORMAT parquet)"
    )
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
    root = lake.uri(KEY)[: -len(KEY)]
    with pytest.raises(NotReadOnlyError, match="read-only"):
        check_read_only(con, sql.format(root=root))


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
    from aislake.lake.store import LocalStore

    store = LocalStore(tmp_path / "lake")
    store.prepare_write(KEY)
    connect(store).execute(f"COPY (SELECT 1 AS mmsi) TO '{store.uri(KEY)}' (FORMAT parquet)")
    monkeypatch.setenv("AISLAKE_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.delenv("MINIO_ENDPOINT", raising=False)
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit, match="read-only: a COPY statement is refused"):
        main(["query", f"COPY (SELECT * FROM silver_ais) TO '{out}'"])
    with pytest.raises(SystemExit, match=r"(?i)permission|cannot access"):
        main(["query", "SELECT * FROM read_csv('/etc/passwd')"])
    assert not out.exists()
    assert main(["query", "--writable", f"COPY (SELECT * FROM silver_ais) TO '{out}'"]) == 0
    assert out.read_text().splitlines() == ["mmsi,dt", "1,2024-01-15"]  # dt from the path
    capsys.readouterr()


def test_query_uses_read_only_keys_where_configured() -> None:
    from aislake.defs.resources import query_storage

    env = {"MINIO_ENDPOINT": "127.0.0.1:9000", "MINIO_ACCESS_KEY": "writer",
           "MINIO_SECRET_KEY": "writer-secret"}  # fmt: skip
    assert query_storage(env).access_key == "writer"
    reader = query_storage({**env, "AISLAKE_QUERY_ACCESS_KEY": "reader",
                            "AISLAKE_QUERY_SECRET_KEY": "reader-secret"})  # fmt: skip
    assert (reader.access_key, reader.secret_key) == ("reader", "reader-secret")
