"""A progress bar on stderr: done/total, items per second, time left, failures.

On a terminal the bar redraws in place (at most ``REDRAW`` times a second); into a file or a
pipe it prints a plain line every ``LOG_EVERY`` seconds and at the end, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

REDRAW = 0.2
LOG_EVERY = 30.0
WIDTH = 28
STEADY_AFTER = 3


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts finished items of ``total`` (``start`` of them done before this run)."""

    def __init__(self, total: int, start: int = 0, stream: TextIO | None = None):
        self.total, self.start = total, start
        self.done, self.failed = start, 0
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.began = time.monotonic()
        self._drawn = 0.0
        self._first: float | None = None  # when the first item of this run finished

    @property
    def rate(self) -> float:
        """Items per second in this run, counted from the first finished item once there are
        a few (so the workers' start-up does not inflate the time left)."""
        finished = self.done - self.start + self.failed
        now = time.monotonic()
        if self._first is not None and finished > STEADY_AFTER and now > self._first:
            return (finished - 1) / (now - self._first)
        return finished / (now - self.began) if now > self.began else 0.0

    def line(self) -> str:
        finished = self.done + self.failed
        fraction = finished / self.total if self.total else 1.0
        filled = int(fraction * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        rate = self.rate
        left = (self.total - finished) / rate if rate > 0 else None
        eta = clock(left) if left is not None else "--:--"
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"[{bar}] {finished}/{self.total} {fraction:4.0%} {rate:.2f} items/s "
                f"ETA {eta}{failed}")

    def update(self, ok: bool) -> None:
        if self._first is None:
            self._first = time.monotonic()
        if ok:
            self.done += 1
        else:
            self.failed += 1
        self.draw()

    def draw(self, final: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            if final or now - self._drawn >= REDRAW:
                self.stream.write("\r" + self.line() + ("\n" if final else ""))
                self.stream.flush()
                self._drawn = now
        elif final or now - self._drawn >= LOG_EVERY:
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self._drawn = now
