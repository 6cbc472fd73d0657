"""Partition keys are validated dates."""

import datetime as dt

import pytest

from aislake.ais.days import parse_day


def test_a_date_key_parses() -> None:
    assert parse_day("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize("key", ["", "2024-1-5", "2023-02-29", "2024-01-15/../x", "today"])
def test_anything_else_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid partition key"):
        parse_day(key)
