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


def test_the_configuration_table_is_the_settings_module() -> None:
    """README's configuration table is rendered from ``aislake.settings.Settings`` (``make
    docs`` writes it): every variable, its default and meaning, stated once in the code."""
    from aislake.settings import markdown_table

    assert markdown_table() in (REPO / "README.md").read_text()


def test_every_setting_the_code_names_is_a_field_of_the_settings() -> None:
    """Every AISLAKE_* and MINIO_* name in src/ is a variable of the settings or of a source's
    archive (three were missing from README once: the workdir, the sensor's first days, the
    webserver's URL)."""
    import re

    from aislake.settings import names

    pattern = re.compile(r"\b(?:AISLAKE|MINIO)_[A-Z0-9_]+")
    in_code = {m for f in (REPO / "src").rglob("*.py") for m in pattern.findall(f.read_text())}
    assert in_code <= set(names()), in_code - set(names())
