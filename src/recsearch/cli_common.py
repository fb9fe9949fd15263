"""What every command shares: the index option, JSON output, one-line errors."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated

import typer

from .errors import RecsearchError

IndexDir = Annotated[
    Path,
    typer.Option("--index", "-i", envvar="RECSEARCH_INDEX", help="Index directory (env RECSEARCH_INDEX)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 1):
    _say(f"recsearch: {message}")
    raise typer.Exit(code)


def _reports_errors(command):
    """Turn our errors into a one-line message and their exit code."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RecsearchError as exc:
            _fail(str(exc), exc.exit_code)

    return run
