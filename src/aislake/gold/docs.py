"""docs/gold.md's parts that are data, rendered from the registry: the overview table, and each
product's description, column table and checks. The prose around them (each rule, its source)
is written by hand; ``make docs`` rewrites the rest, and a test keeps the file equal to it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from aislake.gold.registry import PRODUCTS
from aislake.gold.spec import GoldProduct

OVERVIEW_HEADER = "| product | partitioned | built from | what a row is |"


def overview() -> str:
    lines = [OVERVIEW_HEADER, "| --- | --- | --- | --- |"]
    lines += [
        f"| `{p.asset}` | {p.partitioning} | {', '.join(p.reads)} | {p.row} |" for p in PRODUCTS
    ]
    return "\n".join(lines)


def section_head(p: GoldProduct) -> str:
    """A product's heading, description and column table."""
    lines = [f"## `{p.asset}`", "", p.description, "", "| column | type | meaning |"]
    lines += ["| --- | --- | --- |"]
    lines += [
        f"| `{name}` | `{sql_type}` | {meaning} |" for name, sql_type, meaning in p.stored_columns
    ]
    return "\n".join(lines)


def checks_line(p: GoldProduct) -> str:
    measures = [f"`{m}`" for m in p.measure_names]
    zero = f"each of {', '.join(measures)} is" if len(measures) > 1 else f"{measures[0]} is"
    line = f"**Checks** `{p.name}_valid` (blocking): the partition is stored, and {zero} zero"
    if p.rare:
        return line + " (no warning when empty: most days have no such event)."
    return line + f"; `{p.name}_not_empty` (warns): it has rows."


def _table_end(lines: list[str], start: int) -> int:
    """The index after the first table at or after ``start``."""
    i = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    while i < len(lines) and lines[i].startswith("|"):
        i += 1
    return i


def render(text: str) -> str:
    """``text`` (docs/gold.md) with its generated parts rewritten from the registry."""
    lines = text.splitlines()
    start = lines.index(OVERVIEW_HEADER)
    lines[start : _table_end(lines, start)] = overview().splitlines()
    for p in PRODUCTS:
        start = lines.index(f"## `{p.asset}`")
        lines[start : _table_end(lines, start)] = section_head(p).splitlines()
        checks = re.compile(rf"^\*\*Checks\*\* `{p.name}_valid` ")
        at = next(i for i in range(start, len(lines)) if checks.match(lines[i]))
        lines[at] = checks_line(p)
    return "\n".join(lines) + "\n"


def write(path: Path) -> bool:
    """Rewrite ``path``'s generated parts; whether anything changed."""
    text = path.read_text()
    new = render(text)
    path.write_text(new)
    return new != text


if __name__ == "__main__":
    changed = write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/gold.md"))
    sys.stdout.write("docs/gold.md " + ("rewritten\n" if changed else "is current\n"))
