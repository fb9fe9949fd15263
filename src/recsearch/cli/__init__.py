"""The command line: commands, views of results, and the terminal they are drawn for."""

from .commands import app, main

__all__ = ["app", "main"]
