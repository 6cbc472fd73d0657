"""The docs state what the code does: the schema table and reject reasons match schema.py."""

from __future__ import annotations

import re

from aislake.ais.schema import REJECT_REASONS, SILVER_COLUMNS
from conftest import REPO


def test_silver_doc_lists_exactly_the_schema() -> None:
    text = (REPO / "docs" / "silver.md").read_text()
    table = re.findall(r"^\| `(\w+)` \| `([A-Z]+)` \| (.+) \|$", text, flags=re.M)
    assert [(n, t) for n, t, _ in table] == [(c.name, c.sql_type) for c in SILVER_COLUMNS]


def test_silver_doc_explains_every_reject_reason() -> None:
    text = (REPO / "docs" / "silver.md").read_text()
    for reason in REJECT_REASONS:
        assert f"| `{reason}` |" in text, reason


def test_gold_doc_documents_every_product_column() -> None:
    from aislake.gold.registry import PRODUCTS

    text = (REPO / "docs" / "gold.md").read_text()
    for product in PRODUCTS:
        assert f"## `{product.name}_gold`" in text
        for name, sql_type, _ in product.columns:
            assert f"| `{name}` | `{sql_type}` |" in text, (product.name, name)


def test_gold_doc_lists_every_parameter_with_its_default() -> None:
    import dataclasses

    from aislake.defs.resources import GoldSettings
    from aislake.gold.core import GoldParams

    text = (REPO / "docs" / "gold.md").read_text()
    table = dict(re.findall(r"^\| `(\w+)` \| ([\d.]+) \|$", text, flags=re.M))
    defaults = {f.name: str(f.default) for f in dataclasses.fields(GoldParams)}
    assert table == defaults
    # The resource's settings are the parameters, with the same defaults.
    assert GoldSettings().params() == GoldParams()


def test_gold_doc_is_rendered_from_the_registry() -> None:
    """docs/gold.md's overview, each product's description, column table and checks are the
    registry's (``make docs`` writes them); only the prose around them is written by hand."""
    from aislake.gold.docs import render

    text = (REPO / "docs" / "gold.md").read_text()
    assert render(text) == text
    assert (
        render(text.replace("| `dt` | `DATE` | the day (UTC) |", "| `dt` | `DATE` | x |", 1))
        == text
    )
