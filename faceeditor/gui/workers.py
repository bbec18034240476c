"""Long work off the UI thread, and the one place where errors are shown.

``run_in_worker(fn, ...)`` runs ``fn(progress)`` on Qt's thread pool; ``progress(fraction)``
reports progress and raises ``Cancelled`` once the user cancelled, so the work stops at its next
report.  Results come back on the UI thread; every exception ends up in the
``NotificationArea`` (and in the log), as do uncaught exceptions of the UI thread (excepthook).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a worker by ``progress()`` after the user pressed Cancel."""


class _Signals(QObject):
    progress = Signal(float)
    finished = Signal(object)
    failed = Signal(str)


class Worker(QRunnable):
    """``fn(progress)`` on the thread pool; connect to ``signals`` before starting."""

    def __init__(self, fn: Callable[[Callable[[float], None]], Any], title: str):
        super().__init__()
        self.fn, self.title = fn, title
        self.signals = _Signals()
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def _progress(self, fraction: float) -> None:
        if self._cancelled.is_set():
            raise Cancelled(self.title)
        self.signals.progress.emit(float(fraction))

    def run(self) -> None:
        try:
            result = self.fn(self._progress)
        except Cancelled:
            self.signals.failed.emit(f"{self.title}: cancelled")
        except Exception as error:  # noqa: BLE001 - every worker error is reported, not lost
            log.error("%s failed:\n%s", self.title, traceback.format_exc())
            self.signals.failed.emit(f"{self.title} failed: {error}")
        else:
            self.signals.finished.emit(result)


class NotificationArea(QWidget):
    """A status-bar strip: the latest message (errors in red), and progress with Cancel."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setObjectName("notification")
        self.progress = QProgressBar(maximum=1000, textVisible=False, maximumWidth=160)
        self.cancel = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        self.history: list[tuple[str, str]] = []  # (level, text), oldest first
        self._clear_timer = QTimer(self, singleShot=True, timeout=lambda: self.message.clear())
        self._busy(False)
        self._workers: set[Worker] = set()

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel.setVisible(busy)

    def info(self, text: str, seconds: float = 6.0) -> None:
        self._show("info", text, "")
        self._clear_timer.start(int(seconds * 1000))

    def error(self, text: str) -> None:
        """Show an error until the next message (also logged)."""
        log.warning("%s", text)
        self._clear_timer.stop()
        self._show("error", text, "color: #d04040; font-weight: 600;")

    def _show(self, level: str, text: str, style: str) -> None:
        self.history.append((level, text))
        self.message.setStyleSheet(style)
        self.message.setText(text)
        self.message.setToolTip(text)

    def run(self, fn: Callable[[Callable[[float], None]], Any], title: str,
            on_done: Callable[[Any], None] | None = None) -> Worker:
        """Start ``fn(progress)`` in a worker with this area's progress bar and Cancel."""
        worker = Worker(fn, title)
        self._workers.add(worker)
        self.info(f"{title}…", seconds=3600)
        self._busy(True)
        self.progress.setValue(0)
        self.cancel.clicked.connect(worker.cancel)

        def finish(result: object) -> None:
            self._end(worker)
            self.info(f"{title}: done")
            if on_done is not None:
                on_done(result)

        def fail(message: str) -> None:
            self._end(worker)
            self.error(message)

        worker.signals.progress.connect(lambda f: self.progress.setValue(int(f * 1000)))
        worker.signals.finished.connect(finish)
        worker.signals.failed.connect(fail)
        QThreadPool.globalInstance().start(worker)
        return worker

    def _end(self, worker: Worker) -> None:
        self._workers.discard(worker)
        self.cancel.clicked.disconnect(worker.cancel)
        self._busy(bool(self._workers))

    def wait_for_workers(self, msecs: int = 5000) -> bool:
        return QThreadPool.globalInstance().waitForDone(msecs)


def install_excepthook(area: NotificationArea) -> Callable[[], None]:
    """Route uncaught UI-thread exceptions to ``area``; returns a function that undoes it."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException,
             tb: TracebackType | None) -> None:
        log.error("uncaught exception", exc_info=(kind, error, tb))
        area.error(f"Unexpected error: {error}")

    sys.excepthook = hook
    return lambda: setattr(sys, "excepthook", previous)
