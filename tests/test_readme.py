"""README.md starts with the install-and-run and install-and-test commands; CI runs the latter."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)


def test_readme_opens_with_two_commands() -> None:
    commands = _commands()
    assert len(commands) >= 2
    assert "triage --inbox inbox" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _commands()[1] in ci


def test_readme_config_example_loads_and_its_queries_parse(tmp_path: Path) -> None:
    from triage.config import load_settings
    from triage.queue import parse_query

    text = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.+?)```", text, flags=re.S)
    assert example
    path = tmp_path / "config.toml"
    path.write_text(example.group(1), encoding="utf-8")
    settings = load_settings(config_path=path, environ={})
    assert settings.views and settings.keymap
    for query in (settings.query, *settings.views.values()):
        parse_query(query)
