"""Starting the desktop application."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QSurfaceFormat
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)


#: Qt delivers a window's update request this many milliseconds after it is made (Qt's
#: default, 5 ms, is idle time in every slider -> frame on X11; requests still merge).
UPDATE_IDLE_TIME_MS = 0


def configure_qt() -> None:
    """Process-wide Qt set-up that must happen before the QApplication exists: names for
    QSettings, HiDPI rounding, the delay of update requests (``QT_QPA_UPDATE_IDLE_TIME``, unless
    set) and the OpenGL surface format."""
    os.environ.setdefault("QT_QPA_UPDATE_IDLE_TIME", str(UPDATE_IDLE_TIME_MS))
    QCoreApplication.setOrganizationName("faceeditor")
    QCoreApplication.setApplicationName("faceeditor")
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    set_surface_format()


def set_surface_format(samples: int = 0) -> None:
    """OpenGL 3.3 core with a depth buffer and ``samples``-times multisampling for the
    viewports created from now on (none by default: the viewport antialiases still frames
    itself, see ``viewport_frames.REFINE_DELAY_MS``)."""
    surface = QSurfaceFormat()
    surface.setVersion(3, 3)
    surface.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    surface.setDepthBufferSize(24)
    surface.setSamples(samples)
    QSurfaceFormat.setDefaultFormat(surface)


def run(project: Path | None = None, exit_after_first_frame: bool = False) -> int:
    """Open the main window (optionally with ``project``) and run until it closes.

    With ``exit_after_first_frame`` print the time from the call to the first presented frame
    and close the window.
    """
    started = time.perf_counter()
    from faceeditor.render.llvm_guard import load_triton_first

    load_triton_first()  # before Qt creates its OpenGL context (see llvm_guard)
    configure_qt()
    app = QApplication.instance() or QApplication(sys.argv)
    from faceeditor.gui.theme import apply_dark_theme

    apply_dark_theme(app)
    from faceeditor.gui.main_window import MainWindow
    from faceeditor.gui.workers import install_excepthook
    from faceeditor.model import load_default_model

    model = load_default_model()
    if project is None:  # the first frame shows the default head: grow its hair meanwhile
        threading.Thread(target=_grow_default_hair, args=(model,), name="default hair",
                         daemon=True).start()
    window = MainWindow(model)
    restore_hook = install_excepthook(window.notifications)

    def first_frame() -> None:
        seconds = time.perf_counter() - started
        log.info("first frame after %.2f s", seconds)
        if exit_after_first_frame:
            print(f"first frame after {seconds:.3f} s", flush=True)
            QTimer.singleShot(0, window.close)
        else:
            window.load_text_engine()
            # the prompt panel's chart loads pyqtgraph (~0.5 s) now, not before the first frame
            QTimer.singleShot(0, window.prompt_panel.chart.build)

    window.viewport.frameSwapped.connect(first_frame, Qt.ConnectionType.SingleShotConnection)
    window.show()
    if project is not None:
        window.open_path(project)
    elif not exit_after_first_frame:
        window.offer_recovery()
    try:
        return app.exec()
    finally:
        restore_hook()
        destroy_now(window)


def _grow_default_hair(model) -> None:
    """Grow the default head's hair (~1 s, most of it numpy and k-d tree queries that leave
    the other core to the GUI) while the window is built and OpenGL starts; the first frame
    then finds it grown (``hair_for`` is locked: the GUI waits for it, never grows it twice)."""
    from faceeditor.hair import hair_for

    try:
        hair_for(model, model.default_params())
    except Exception:  # noqa: BLE001 - the GUI grows it again and reports what fails
        log.exception("growing the default hair at start-up failed")


def destroy_now(window: QWidget) -> None:
    """Delete ``window`` while the application still runs: its OpenGL window must not outlive
    the QApplication (that crashes at interpreter exit)."""
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
