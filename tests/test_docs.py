"""Every command and option of the CLI is in the README and has --help text."""

from __future__ import annotations

import pytest
import typer.main

from conftest import ROOT
from recsearch.cli import app

README = (ROOT / "README.md").read_text(encoding="utf-8")
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)


def long_options(command):
    for param in command.params:
        for opt in [*param.opts, *getattr(param, "secondary_opts", [])]:
            if opt.startswith("--"):
                yield param, opt


def test_there_are_commands_to_check():
    assert {"index", "search", "show", "author", "similar", "history", "stats", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented(name):
    command = GROUP.commands[name]
    assert f"recsearch {name}" in README
    assert command.help and command.help.strip()
    for param, opt in long_options(command):
        assert opt in README, f"recsearch {name} {opt} is not in README.md"
        assert (getattr(param, "help", None) or "").strip(), f"recsearch {name} {opt} has no --help text"
    for param in command.params:
        assert (getattr(param, "help", None) or "").strip(), f"recsearch {name} {param.name} has no --help text"


def test_global_options_are_documented():
    for param, opt in long_options(GROUP):
        assert opt in README, f"recsearch {opt} is not in README.md"
        assert (getattr(param, "help", None) or "").strip(), f"recsearch {opt} has no --help text"
