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
