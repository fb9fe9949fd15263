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
    """Turn our errors into a one-line message and their exit code; Ctrl-C into exit 130;
    anything else raised while the index is damaged into the damage and its fix."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RecsearchError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:
            from . import store

            root = kwargs.get("index_dir")
            damage = store.damage_of(root) if root is not None else None
            if damage:
                _fail(str(store.needs_update(root, damage)))
            if isinstance(exc, EOFError):  # click would print only `Aborted!`
                raise RuntimeError(f"EOFError: {exc}") from exc
            raise

    return run
