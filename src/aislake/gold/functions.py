"""Python functions gold's SQL calls, registered on a connection before a product runs
(DuckDB user-defined functions over Arrow): what one SQL window cannot say.

- ``transmitter_labels(seconds[], lat[], lon[], sog[], cog[], max_speed_kn, min_span_seconds,
  min_positions)``: each position's transmitter for one MMSI's positions in time order
  (:func:`aislake.ais.transmitters.transmitters`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pyarrow as pa
from duckdb.sqltypes import DOUBLE, INTEGER

from aislake.ais import transmitters as transmitters_module
from aislake.ais.transmitters import TransmitterRules, transmitters

# What the functions run: hashed into every product's code_version.
SOURCES = (Path(__file__), Path(transmitters_module.__file__))


def _transmitter_labels(
    seconds: pa.ListArray,
    lat: pa.ListArray,
    lon: pa.ListArray,
    sog: pa.ListArray,
    cog: pa.ListArray,
    max_speed_kn: pa.Array,
    min_span_seconds: pa.Array,
    min_positions: pa.Array,
) -> pa.Array:
    out: list[list[int] | None] = []
    for i in range(len(seconds)):
        if not seconds[i].is_valid:
            out.append(None)
            continue
        rules = TransmitterRules(
            float(max_speed_kn[i].as_py()),
            float(min_span_seconds[i].as_py()),
            int(min_positions[i].as_py()),
        )
        labels = transmitters(
            seconds[i].values.to_numpy(zero_copy_only=False),
            lat[i].values.to_numpy(zero_copy_only=False),
            lon[i].values.to_numpy(zero_copy_only=False),
            sog[i].values.to_numpy(zero_copy_only=False),
            cog[i].values.to_numpy(zero_copy_only=False),
            rules,
        )
        out.append(labels.tolist())
    return pa.array(out, type=pa.list_(pa.int32()))


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Create gold's Python functions on ``con`` (again, if it has them)."""
    doubles = duckdb.list_type(DOUBLE)
    with contextlib.suppress(duckdb.InvalidInputException):  # not there yet
        con.remove_function("transmitter_labels")
    con.create_function(  # type: ignore[call-overload]
        "transmitter_labels",
        _transmitter_labels,
        [doubles, doubles, doubles, doubles, doubles, DOUBLE, DOUBLE, INTEGER],
        duckdb.list_type(INTEGER),
        type="arrow",
        side_effects=False,
    )
