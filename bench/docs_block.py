"""The benches' results in docs/benchmarks.md: each bench owns a block between two markers
(``<!-- name -->`` and ``<!-- /name -->``) and replaces it, or appends it under its heading
the first time."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_block(name: str, text: str, heading: str) -> None:
    """``text`` between the ``name`` markers of docs/benchmarks.md (a new ``## heading``
    section at the end when the markers are not there yet)."""
    body = DOCS.read_text()
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{text}\n{end}"
    if start in body:
        marked = re.escape(start) + ".*?" + re.escape(end)
        body = re.sub(marked, lambda _: block, body, flags=re.S)
    else:
        body = body.rstrip() + f"\n\n## {heading}\n\n{block}\n"
    DOCS.write_text(body)
