"""The errors recsearch reports to users, each with the exit code it means."""

from __future__ import annotations


class RecsearchError(Exception):
    """An error with a one-line message for the user."""

    exit_code = 1


class QueryError(RecsearchError, ValueError):
    """A query that cannot run; the message says why."""

    exit_code = 2


class IndexAccessError(RecsearchError):
    """The index is missing, unreadable or cannot be written."""
