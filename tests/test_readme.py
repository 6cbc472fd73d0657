"""README.md's two commands are what a newcomer runs; CI must run the same test command."""

from conftest import REPO


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = text.split("```bash\n")[1:]
    return [b.split("```", 1)[0].strip() for b in blocks]


def test_readme_opens_with_demo_then_test_command() -> None:
    demo, tests = _commands()[:2]
    assert demo.startswith("python3 -m venv .venv") and demo.endswith("aislake demo")
    assert tests.startswith("python3 -m venv .venv") and tests.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    tests = _commands()[1]
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines


def test_the_configuration_table_names_every_setting_the_code_reads() -> None:
    """Every AISLAKE_* and MINIO_* name in src/ is a row of README's configuration table, and
    every row is read somewhere (three were missing before: the workdir, the sensor's first
    days, the webserver's URL)."""
    import re

    pattern = re.compile(r"\b(?:AISLAKE|MINIO)_[A-Z0-9_]+")
    in_code = {m for f in (REPO / "src").rglob("*.py") for m in pattern.findall(f.read_text())}
    text = (REPO / "README.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    in_table = {m for line in rows for m in pattern.findall(line.split(" | ")[0])}
    assert in_code == in_table
