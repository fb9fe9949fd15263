"""The progress line of `recsearch index` on a terminal: the stage, files read, time taken.

Redrawn a few times a second by a timer thread, so the stages that count
nothing (writing the index can take a third of a build) still show time passing.
"""

from __future__ import annotations

import threading
import time

from .terminal import clip, terminal_width

STAGES = {"scanning": "Scanning the sources", "reading": "Reading files", "writing": "Writing the index"}
REDRAW_SECONDS = 0.5


class ProgressLine:
    """One line on `stream` (stderr), rewritten in place; `close()` clears it."""

    def __init__(self, stream):
        self.stream = stream
        self.stage_name = ""
        self.done = self.total = 0
        self.started = self.stage_started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._paused = False
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def stage(self, name: str) -> None:
        with self._lock:
            self.stage_name, self.stage_started = name, time.monotonic()
            self.done = self.total = 0
        self.draw()

    def files(self, done: int, total: int) -> None:
        with self._lock:
            self.done, self.total = done, total
        if done == total:  # the ticker may not come round before the next stage
            self.draw()

    def text(self) -> str:
        """The line as it shows now."""
        label = STAGES.get(self.stage_name, self.stage_name.capitalize() or "Starting")
        elapsed = time.monotonic() - self.started
        parts = [label]
        if self.total:
            parts.append(f"{self.done:,} of {self.total:,} files ({100 * self.done // self.total}%)")
            spent = time.monotonic() - self.stage_started
            if 0 < self.done < self.total and spent > 2:
                parts.append(f"about {_clock(spent / self.done * (self.total - self.done))} left to read")
        parts.append(_clock(elapsed))
        return "  ".join(parts)

    def draw(self) -> None:
        with self._lock:
            if self._paused:
                return
            width = terminal_width(self.stream) or 80
            self.stream.write("\r" + clip(self.text(), width - 1) + "\x1b[K")
            self.stream.flush()

    def pause(self) -> None:
        """Clear the line and stop redrawing it, so a question asked on stderr stays readable."""
        with self._lock:
            self._paused = True
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
        self.draw()

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self.draw()

    def close(self) -> None:
        self._stop.set()
        self._ticker.join()
        with self._lock:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02}"
