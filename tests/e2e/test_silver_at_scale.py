"""Silver on whole days, where its mechanisms show: the simulated day (sorted, row groups a
reader can skip, its planted glitches and quirks, a failed re-run, a re-run, slices) and
DuckDB's parallel reader losing lines on 40,000 of them. The unit tier tests the same rules on
crafted lines; these are the slowest silver tests, kept out of it."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from aislake.duck.engine import connect
from aislake.silver.build import build_silver
from aislake.storage.current import day_keys
from aislake.storage.store import LocalStore, ObjectStore
from aislake.storage.upkeep import vacuum
from conftest import SIM_DAY
from dmarows import HEADER, row
from support.silver import DAY, query, reject_rows, silver_of_sim_day, silver_rows


def test_a_rerun_yields_identical_rows(store: ObjectStore, sim_file, tmp_path: Path) -> None:
    first = silver_of_sim_day(store, sim_file, tmp_path)
    rows1 = silver_rows(store, first)
    rejects1 = reject_rows(store, first)
    second = silver_of_sim_day(store, sim_file, tmp_path)
    assert silver_rows(store, second) == rows1
    assert reject_rows(store, second) == rejects1
    assert day_keys(store, "dma", SIM_DAY) == (second.silver_keys, second.rejects_keys)
    assert store.list_keys("_staging/") == []
    # The first version's files stay for time travel until a vacuum past the retention.
    assert all(store.exists(k) for k in first.silver_keys + first.rejects_keys)
    vacuum(store, dt.timedelta(0))
    one_version = sorted(second.silver_keys + second.rejects_keys)
    assert [k for k in store.list_keys("silver/") if "/_delta_log/" not in k] == one_version


def test_a_day_written_in_slices_has_the_same_rows_in_the_same_order(
    store: ObjectStore, sim_file, tmp_path: Path
) -> None:
    """A large day is written by one writer per DuckDB thread, each a slice of consecutive rows
    in a file of its own (on S3 too, from connections of their own): the files in key order are
    the one-file silver, row for row, and the rejects are the same."""
    whole = silver_of_sim_day(store, sim_file, tmp_path)
    rows = [r for k in whole.silver_keys for r in query(store, k, "SELECT * FROM {t}")]
    rejects = reject_rows(store, whole)
    sliced = silver_of_sim_day(store, sim_file, tmp_path, slice_rows=1_000)
    threads = connect(store).execute("SELECT current_setting('threads')").fetchone()
    assert threads and len(sliced.silver_keys) == len(whole.silver_keys) - 1 + int(threads[0])
    assert [r for k in sliced.silver_keys for r in query(store, k, "SELECT * FROM {t}")] == rows
    assert reject_rows(store, sliced) == rejects
    assert (sliced.rows, sliced.rejects) == (whole.rows, whole.rejects)


@pytest.mark.faults
def test_lines_the_parallel_reader_loses_are_read_again(local: LocalStore, tmp_path: Path) -> None:
    """Every third line semicolon-separated: DuckDB 1.5.5's parallel reader skips lines near
    its buffer boundaries (a small buffer shows it on 40,000 lines). Silver notices the count
    and reads the day again with one thread: every broken line becomes a reject."""
    lines = [
        row(
            ts=f"15/01/2024 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}",
            mmsi=str(219000001 + i % 500),
        )
        for i in range(40_000)
    ]
    damaged = [x.replace(",", ";") if i % 3 == 2 else x for i, x in enumerate(lines)]
    csv = tmp_path / "damaged.csv"
    csv.write_text("\n".join([HEADER, *damaged]) + "\n")
    local.put_file(csv, "bronze/dma/damaged.csv")
    result = build_silver(
        connect(local), local, "bronze/dma/damaged.csv", DAY, csv_buffer_size=1 << 20
    )
    assert result.reread_single_threaded
    assert result.rejects_by_reason["malformed_csv"] == len(damaged) // 3
    assert result.rows + result.rejects == 40_000


def test_silver_is_sorted_by_mmsi_then_ts(store: ObjectStore, sim_file, tmp_path: Path) -> None:
    result = silver_of_sim_day(store, sim_file, tmp_path)
    keys = silver_rows(store, result, "mmsi, ts")
    assert keys == sorted(keys)
    assert result.rows_in == sim_file.rows == result.rows + result.rejects


def test_row_group_statistics_let_readers_skip_to_one_vessel(
    local: LocalStore, sim_file, tmp_path: Path
) -> None:
    """Sorted by (mmsi, ts), each row group covers its own run of MMSIs: its min/max statistics
    (which DuckDB reads to skip row groups) overlap a neighbour's at one MMSI at most, so a query
    for one vessel reads only the row groups its own rows fill, plus at most two shared edges."""
    import pyarrow.parquet as pq

    result = silver_of_sim_day(local, sim_file, tmp_path, row_group_rows=5_000)
    meta = pq.ParquetFile(local.uri(result.silver_keys[0])).metadata
    names = meta.schema.to_arrow_schema().names
    ranges = []
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        mmsi, ts = (group.column(names.index(c)).statistics for c in ("mmsi", "ts"))
        assert mmsi.has_min_max and ts.has_min_max
        ranges.append((mmsi.min, mmsi.max))
    assert meta.num_row_groups >= 5
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))
    per_vessel = "SELECT mmsi, count(*) FROM {t} GROUP BY mmsi"
    for vessel, n in query(local, result.silver_keys[0], per_vessel):
        touched = sum(lo <= vessel <= hi for lo, hi in ranges)
        assert touched <= n // 5_000 + 2  # the groups its own rows fill, plus two shared edges


def test_simulated_glitches_are_exactly_the_flagged_rows(
    local: LocalStore, sim_file, tmp_path: Path
) -> None:
    result = silver_of_sim_day(local, sim_file, tmp_path)
    flagged = set(
        query(local, result.silver_keys[0], "SELECT mmsi, ts FROM {t} WHERE speed_anomaly")
    )
    # The call-sign comma vessel's rows are rejects: its glitches have no neighbours in silver.
    unprovable = sim_file.truth.quirk_vessels["unquoted_comma_callsign"]
    truth = {
        (m, t) for m, v in sim_file.truth.vessels.items() for t in v.glitches if m != unprovable
    }
    assert truth and flagged == truth


def test_simulated_quirks_land_in_the_right_reject_reasons(
    local: LocalStore, sim_file, tmp_path: Path
) -> None:
    result = silver_of_sim_day(local, sim_file, tmp_path)
    injected = sim_file.truth.injected
    assert result.rejects_by_reason["duplicate"] == injected["duplicate"]
    # Unquoted commas: names and destinations repaired, every row; call signs not provable.
    assert result.repaired_by_field == {
        "destination": injected["unquoted_comma_destination"],
        "name": injected["unquoted_comma_name"],
    }
    refused = injected["unquoted_comma_callsign"]  # its exact copies included
    assert (
        result.rejects_by_reason["unparseable_field"] + result.rejects_by_reason["malformed_csv"]
        == refused
    )
    assert result.rows + result.rejects == result.rows_in == sim_file.rows
    assert result.rejects_by_reason["invalid_mmsi"] == injected["invalid_mmsi"]
    assert result.rejects_by_reason["invalid_position"] == injected["lat91_lon0"]
    assert result.rejects_by_reason["ts_outside_day"] == injected["next_day"]
    blanks = query(
        local, result.silver_keys[0], "SELECT count(*) FROM {t} WHERE destination IS NULL"
    )
    assert blanks[0][0] > 0


@pytest.mark.faults
def test_a_failed_run_leaves_the_previous_silver_untouched(
    local: LocalStore, sim_file, tmp_path: Path
) -> None:
    first = silver_of_sim_day(local, sim_file, tmp_path)
    before = silver_rows(local, first)
    con = connect(local)
    con.execute("SET memory_limit = '1MB'")  # the next run cannot finish its sort
    with pytest.raises(Exception, match=r"(?i)memory"):
        build_silver(con, local, "bronze/dma/sim.csv", DAY)
    assert silver_rows(local, first) == before
    assert local.list_keys("_staging/") == []
