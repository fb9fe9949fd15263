"""What every command shares: the index option, JSON output, quiet notes, one-line errors."""

from __future__ import annotations

import functools
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.core

from ..errors import RecsearchError

quiet = False  # set by `recsearch -q`: notes and hints on stderr are left out, errors are not


# By their place above typer.BadParameter: typer vendors click (0.28) or uses it (0.19).
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _command_name(ctx) -> str:
    """`recsearch COMMAND` of a click context, whatever the program was run as (`python -m`)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(["recsearch", *reversed(names)])


GLOBAL_OPTIONS = {"--color", "--quiet", "-q", "--version"}  # before the command name only


class OneLineUsageErrors(typer.core.TyperGroup):
    """Usage errors (unknown command or option, missing argument, bad value) in one line,
    `recsearch: error: … (recsearch COMMAND --help)`, exit 2, like every other error."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _USAGE_ERROR as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `recsearch` alone: the help
                exc.show()
            else:
                where = _command_name(exc.ctx)
                if exc.ctx is None:  # an option's arity error comes without its command's context
                    given = next((a for a in (sys.argv[1:] if args is None else args) if a in self.commands), None)
                    where = f"recsearch {given}" if given else where
                message = exc.format_message().rstrip(".")
                if getattr(exc, "option_name", None) in GLOBAL_OPTIONS and where != "recsearch":
                    message = f"{exc.option_name} is a global option: put it before the command name"
                say(f"recsearch: error: {message} ({where} --help)")
            sys.exit(exc.exit_code)
        except _CLICK_ERROR as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except typer.Abort:
            say("recsearch: aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _index_before_command(ctx: typer.Context, param: typer.CallbackParam, value: Path) -> Path:
    """`recsearch --index DIR search ...` as well as `recsearch search ... --index DIR`.

    The one after the command name wins; either beats RECSEARCH_INDEX.
    """
    before = ctx.parent.params.get("index_dir") if ctx.parent is not None else None
    # By name: typer vendors click (0.28) or uses it (0.19), so the enum's module varies.
    if before is not None and getattr(ctx.get_parameter_source(param.name), "name", "") != "COMMANDLINE":
        return Path(before)
    return value


IndexDir = Annotated[
    Path,
    typer.Option("--index", "-i", envvar="RECSEARCH_INDEX", callback=_index_before_command,
                 help="Index directory (env RECSEARCH_INDEX), default ./index; also accepted before the command."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def inform(message: str) -> None:
    """A message on stderr that `-q` leaves out."""
    if not quiet:
        say(message)


def command_hint(command: str, index_dir: Path) -> str:
    """`command` as it runs from any folder: with the index as an absolute path."""
    if os.environ.get("RECSEARCH_INDEX") and Path(os.environ["RECSEARCH_INDEX"]) == Path(index_dir):
        return command  # the environment names the index wherever it is run
    return f"{command} --index {shlex.quote(str(Path(index_dir).absolute()))}"


def say(message: str) -> None:
    """A message on stderr, each long line wrapped to the terminal (whole in a pipe)."""
    from .terminal import terminal_width, wrap

    width = terminal_width(sys.stderr)
    if width is not None:
        lines = []
        for line in message.split("\n"):
            indent = " " * (len(line) - len(line.lstrip(" ")))
            lines += [line] if len(line) <= width else wrap(line.lstrip(" "), width, indent + "  ", indent)
        message = "\n".join(lines)
    typer.echo(message, err=True)


def print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def fail(message: str, code: int = 1):
    say(f"recsearch: {message}")
    raise typer.Exit(code)


def reports_errors(command):
    """Turn our errors into a one-line message and their exit code; Ctrl-C into exit 130;
    anything else raised while the index is damaged into the damage and its fix."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RecsearchError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:
            from ..engine import store

            root = kwargs.get("index_dir")
            damage = store.damage_of(root) if root is not None else None
            if damage:
                fail(str(store.needs_update(root, damage)))
            if isinstance(exc, EOFError):  # click would print only `Aborted!`
                raise RuntimeError(f"EOFError: {exc}") from exc
            raise

    return run


def write_output(text: str, output: Path | None, what: str) -> None:
    """`text` to stdout, or to the file `output` (then said on stderr as `what`)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    inform(f"recsearch: wrote {what} to {output.absolute()}")
