"""The single-writer lock of an index directory, let go of by the processes its holder forks."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from ..errors import IndexAccessError

LOCK = "LOCK"


# The lock this process holds, if any: see _after_fork_in_child.
_held_lock_fd: int | None = None


def _after_fork_in_child() -> None:
    """A process forked by a lock holder (the parallel index writers) lets go of
    the lock and ends when its parent does: killed with `kill -9`, the parent
    would otherwise leave children holding the lock and waiting for work."""
    global _held_lock_fd
    if _held_lock_fd is None:
        return
    os.close(_held_lock_fd)
    _held_lock_fd = None
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    import threading

    threading.Thread(target=watch_parent, daemon=True).start()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class IndexLock:
    """The single-writer lock of an index directory.

    An flock on `LOCK`: the kernel drops it when its holder dies, so a lock
    left by a killed run never blocks the next one.
    """

    def __init__(self, root: Path, timeout: float = 5.0):
        self.path = root / LOCK
        self.timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Never through a link: a planted LOCK -> ~/.bashrc would be truncated below.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise IndexAccessError(f"{self.path} is a symbolic link: remove it (recsearch never writes "
                                       "through one)") from None
            if self.path.parent.exists() and not self.path.parent.is_dir():
                from .store import not_a_folder

                raise not_a_folder(self.path.parent) from None
            raise IndexAccessError(f"cannot write the index at {self.path.parent}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
                    os.close(fd)
                    raise IndexAccessError(
                        f"another `recsearch index` is updating {self.path.parent} ({holder}); "
                        f"it holds the lock {self.path}: try again when it has finished"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        self._fd = fd
        global _held_lock_fd
        _held_lock_fd = fd
        return self

    def __exit__(self, *exc) -> None:
        global _held_lock_fd
        _held_lock_fd = None
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
