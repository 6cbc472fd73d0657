"""Unquoted commas in free text: the proven repair, and what stays a reject; the line counter."""

from __future__ import annotations

import random

import pytest

from aislake.ais.schema import DMA_RAW_NAMES
from aislake.bronze.lines import count_data_lines, count_lines
from aislake.sources.dma.repair import repair_fields, split_line

COLS = list(DMA_RAW_NAMES.values())
COLS22 = COLS[:22]
# The real line of the 2021-02-09 sample: `GUARD, CH16` unquoted, D lost.
REAL = (
    "09/02/2021 01:16:47,Class A,371845000,55.449962,10.664013,Under way using engine,0,0.1,"
    "345.5,74,9547491,HP5182,VEGA_II,Dredging,,,,GPS,2.8,GUARD, CH16,06/01/2022 00:00:00,AIS,,,"
)
GOOD = (
    "09/02/2021 01:16:41,Class A,538004246,55.486413,15.023962,Under way using engine,0,6.1,72.6,"
    "73,9482550,V7VZ4,ELANDRA FJORD,Tanker,,32,183,GPS,6.7,LVVNT,09/02/2021 12:00:00,AIS,"
    "148,35,8,24"
)


def broken(field: str, at: int, keep_width: bool, cols: list[str] = COLS) -> list[str]:
    """GOOD with an unquoted comma after character ``at`` of ``field``."""
    fields = split_line(GOOD)[: len(cols)]
    i = cols.index(field)
    fields[i : i + 1] = [fields[i][:at], fields[i][at:]]
    return fields[: len(cols)] if keep_width else fields


def test_the_real_destination_is_repaired_and_the_lost_field_is_null() -> None:
    fixed = repair_fields(split_line(REAL), COLS)
    assert fixed is not None and fixed.repaired == "destination"
    got = dict(zip(COLS, fixed.fields, strict=True))
    assert got["destination"] == "GUARD, CH16"
    assert (got["eta"], got["data_source_type"]) == ("06/01/2022 00:00:00", "AIS")
    assert got["size_d"] is None  # pushed out of the line by the shift


@pytest.mark.parametrize("keep_width", [True, False], ids=["cut-to-26", "27-fields"])
@pytest.mark.parametrize(("field", "at"), [("name", 7), ("destination", 2)])
def test_a_comma_in_name_or_destination_is_undone(field: str, at: int, keep_width: bool) -> None:
    fixed = repair_fields(broken(field, at, keep_width), COLS)
    assert fixed is not None and fixed.repaired == field
    good = split_line(GOOD)
    want = good[:]
    i = COLS.index(field)
    want[i] = good[i][:at] + "," + good[i][at:]
    if keep_width:
        want[-1] = None  # type: ignore[call-overload]
    assert list(fixed.fields) == want


def test_the_22_column_layout_is_repaired_too() -> None:
    fixed = repair_fields(broken("destination", 2, keep_width=True, cols=COLS22), COLS22)
    assert fixed is not None
    assert fixed.fields[19:] == ("LV,VNT", "09/02/2021 12:00:00", None)


def test_a_call_sign_comma_is_not_provable_and_stays_a_reject() -> None:
    # 'V7' + 'VZ4,ELANDRA FJORD' types as well as 'V7,VZ4' + 'ELANDRA FJORD': two free-text
    # fields side by side cannot tell which held the comma.
    assert repair_fields(broken("callsign", 2, keep_width=True), COLS) is None


def test_clean_and_unrelated_bad_lines_are_left_alone() -> None:
    assert repair_fields(split_line(GOOD), COLS) is None
    bad_sog = split_line(GOOD)
    bad_sog[7] = "fast"  # a bad number before any free text: not a shift
    assert repair_fields(bad_sog, COLS) is None
    assert repair_fields(split_line(GOOD)[:20], COLS) is None  # too few fields


def test_a_glued_value_must_fit_its_ais_field() -> None:
    fields = broken("name", 7, keep_width=False)
    fields[12] = "X" * 30  # name + piece > 34 characters: no longer one name
    assert repair_fields(fields, COLS) is None


def _reference_count(data: bytes) -> int:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines = lines[:-1]
    return sum(1 for line in lines[1:] if line not in (b"", b"\r"))


def test_data_lines_are_counted_across_any_chunking() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        data = bytes(rng.choice(b"ab\n\r\n\n") for _ in range(rng.randint(0, 40)))
        size = rng.randint(1, 5)
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert count_data_lines(chunks) == _reference_count(data), data
        assert count_lines(chunks) == max(
            len(data.split(b"\n")) - (2 if data.endswith(b"\n") else 1), 0
        )
    assert count_data_lines([b"h\r\na\r\n\r\nb"]) == 2  # CRLF, a blank line, no final newline
