"""The main window: viewport in the centre, parameter panel and frame-time plot in docks,
File / Edit / View / Help menus, projects, autosave and crash recovery.

The window is a thin layer: values live in one ``ParameterState``; files are read and written by
``faceeditor.project``; drawing is ``faceeditor.render`` through the ``Viewport``.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from faceeditor.gui.documents import DocumentsMixin
from faceeditor.gui.menus import SHORTCUTS_HELP, ScreenshotSizeDialog, build_menus
from faceeditor.gui.panel import ParameterPanel
from faceeditor.gui.perf import FrameTimePlot
from faceeditor.gui.prompt_panel import PromptPanel
from faceeditor.gui.research import ResearchModelsMixin
from faceeditor.gui.sculpt_tool import install_sculpt
from faceeditor.gui.viewport import Viewport
from faceeditor.gui.workers import NotificationArea
from faceeditor.model.face_model import FaceModel
from faceeditor.project import Autosave
from faceeditor.render.contact_sheet import save_png
from faceeditor.render.shading import LIGHTING_PRESETS
from faceeditor.state import ParameterState
from faceeditor.text.engine import TextEditEngine
from faceeditor.text.session import PromptSession

log = logging.getLogger(__name__)

AUTOSAVE_INTERVAL_MS = 60_000


def default_data_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


class MainWindow(DocumentsMixin, ResearchModelsMixin, QMainWindow):
    """The faceeditor main window for ``model``: viewport, docks and view settings here;
    projects in ``DocumentsMixin``, research models in ``ResearchModelsMixin``, menus in
    ``menus.build_menus``.

    Args:
        settings: where layout, recent files, last folder and lighting persist (the user's
            QSettings by default; tests pass their own).
        data_dir: folder of the autosave files.
    """

    def __init__(self, model: FaceModel, settings: QSettings | None = None,
                 data_dir: Path | None = None):
        super().__init__()
        self.model = model
        self.backend = None  # a research backend (faceeditor.backends) once one is opened
        self.backend_clip_settings = None  # how its CLIP directions are measured (None: default)
        self.document_model = model  # what projects are saved for: the model or the backend
        self.settings = settings if settings is not None else QSettings()
        self.state = ParameterState(model)
        self.path: Path | None = None
        self._saved_vector = self.state.vector
        self._autosaved_revision = self.state.revision
        self.autosave = Autosave(data_dir if data_dir is not None else default_data_dir())

        self.viewport = Viewport(self.state)
        self.viewport_container = QWidget.createWindowContainer(self.viewport, self)
        self.viewport_container.setMinimumSize(320, 240)
        self.viewport_container.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport_container.setToolTip(
            "Left drag: orbit · Middle or Shift+drag: pan · Wheel: zoom · F: frame")
        self.setCentralWidget(self.viewport_container)
        self.prompt_panel = PromptPanel(PromptSession(TextEditEngine(model), self.state,
                                                      live=True))
        self.prompt_panel.newHeadRequested.connect(self.new_from_description)
        self.prompt_dock = self._dock("Text prompt", self.prompt_panel,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.panel = ParameterPanel(self.state)
        self.panel_dock = self._dock("Parameters", self.panel,
                                     Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.prompt_dock, self.panel_dock, Qt.Orientation.Vertical)
        self.resizeDocks([self.prompt_dock, self.panel_dock], [250, 650], Qt.Orientation.Vertical)
        self.frame_plot = FrameTimePlot()
        self.perf_dock = self._dock("Performance", self.frame_plot,
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        self.perf_dock.hide()
        self.viewport.frameTime.connect(self.frame_plot.add)
        self.notifications = NotificationArea()
        self.statusBar().addWidget(self.notifications, 1)
        self.viewport.albedoUnavailable.connect(self.notifications.error)
        self.model_hint = QLabel()
        self.model_hint.setStyleSheet("color: palette(mid); padding-right: 6px;")
        self._show_model_hint(f"{model.model_id} v{model.version}")
        self.statusBar().addPermanentWidget(self.model_hint)

        build_menus(self)
        self.sculpt = install_sculpt(self)
        self._listen_to_state()
        self._autosave_timer = QTimer(self, interval=AUTOSAVE_INTERVAL_MS,
                                      timeout=self.write_autosave)
        self._autosave_timer.start()
        self.resize(1280, 800)
        self._restore_settings()
        self._update_title()
        self._update_undo_actions()

    # ----------------------------------------------------------------- construction
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "",
                checkable: bool = False) -> QAction:
        action = QAction(text, self, checkable=checkable)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # ----------------------------------------------------------------- view settings
    def set_view(self, **changes: object) -> None:
        """Change view settings (lighting, mode, wireframe, background, turntable)."""
        settings = dataclasses.replace(self.viewport.settings, **changes)
        self.viewport.apply_settings(settings)
        self._sync_view_actions()
        if "lighting" in changes:
            self.settings.setValue("view/lighting", settings.lighting)

    def _sync_view_actions(self) -> None:
        settings = self.viewport.settings
        for group, value in ((self.lighting_group, settings.lighting),
                             (self.mode_group, settings.mode)):
            for action in group.actions():
                action.setChecked(action.data() == value)
        self.wireframe_action.setChecked(settings.wireframe)
        self.turntable_action.setChecked(settings.turntable)

    def background_dialog(self) -> None:
        colour = QColorDialog.getColor(QColor(*self.viewport.settings.background), self,
                                       "Background colour")
        if colour.isValid():
            self.set_view(background=(colour.red(), colour.green(), colour.blue()))

    # ----------------------------------------------------------------- documents

    def _update_undo_actions(self) -> None:
        self.undo_action.setEnabled(self.state.can_undo)
        self.redo_action.setEnabled(self.state.can_redo)
        self.undo_action.setText(f"&Undo {self.state.undo_label}".rstrip())
        self.redo_action.setText(f"&Redo {self.state.redo_label}".rstrip())

    def show_error(self, title: str, text: str) -> None:
        """Report an error in the notification area and in a (non-blocking) message box."""
        self.notifications.error(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_box = box

    # ----------------------------------------------------------------- research backends

    def _listen_to_state(self) -> None:
        self.state.add_listener(lambda names: self._update_title())
        self.state.add_history_listener(self._update_undo_actions)

    def _show_model_hint(self, model_text: str) -> None:
        self.model_hint.setText(f"{model_text} · {len(self.state.spec)} parameters · "
                                "drag: orbit · wheel: zoom · F: frame · F1: shortcuts")

    # ----------------------------------------------------------------- recent files, settings

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        lighting = self.settings.value("view/lighting", "studio")
        if lighting in LIGHTING_PRESETS:
            self.viewport.apply_settings(dataclasses.replace(self.viewport.settings,
                                                             lighting=lighting))
        self._sync_view_actions()
        self._fill_recent_menu()

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()

    # ----------------------------------------------------------------- autosave

    # ----------------------------------------------------------------- export, screenshots, help
    def export_dialog(self) -> None:
        """Open the export dialog (non-modal: the face stays editable; the values are read when
        Export is pressed)."""
        from faceeditor.gui.export_dialog import ExportDialog  # loads the exporters on demand

        stem = self.path.stem if self.path else "head"
        dialog = ExportDialog(self.model, self.state.values,
                              path=Path(self._last_folder()) / f"{stem}.glb", parent=self,
                              backend=self.backend)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exported.connect(
            lambda paths: self.notifications.info(f"Exported {Path(paths[0]).name}")
            if paths else None)
        dialog.show()
        self.export_window = dialog

    def screenshot_dialog(self) -> None:
        dialog = ScreenshotSizeDialog(self, *self.viewport.pixel_size())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save screenshot",
                                              str(Path(self._last_folder()) / "face.png"),
                                              "PNG images (*.png)")
        if name:
            self.save_screenshot(Path(name), dialog.width.value(), dialog.height.value())

    def save_screenshot(self, path: Path, width: int, height: int) -> None:
        """Render offscreen at ``width`` x ``height`` and write the PNG in a worker."""
        try:
            image = self.viewport.render_image(width, height)
        except (ValueError, RuntimeError) as error:
            self.show_error("Cannot take screenshot", str(error))
            return

        def write(progress) -> Path:
            progress(0.1)
            save_png(path, image)
            progress(1.0)
            return path

        self.notifications.run(write, f"Saving {path.name}")

    def picture(self) -> QImage:
        """The whole window as the user sees it: the widgets with the (native, separately
        drawn) viewport painted in, antialiased as it looks once still."""
        picture = self.grab()
        pixels = np.ascontiguousarray(self.viewport.grab_image(antialiased=True))
        height, width = pixels.shape[:2]
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
        container = self.viewport_container
        painter = QPainter(picture)
        painter.drawImage(QRect(container.mapTo(self, QPoint(0, 0)), container.size()), image)
        painter.end()
        return picture

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_HELP)

    def load_text_engine(self) -> None:
        """Give the prompt box the full engine in a worker (loading takes seconds): the
        paraphrase model, and CLIP when a checkpoint is on this machine (the setting
        ``text/clip_checkpoint``, ``$FACEEDITOR_CLIP_CHECKPOINT`` or open_clip's cache). Until
        it is ready the lexicon engine serves."""
        from faceeditor.text.factory import create_engine, engine_note

        checkpoint = self.settings.value("text/clip_checkpoint") or None

        def build(progress):
            return create_engine(self.model, clip_checkpoint=checkpoint,
                                 progress=lambda done, total: progress(done / max(total, 1)))

        session = self.prompt_panel.session  # (a research backend may replace the session)

        def install(engine) -> None:
            session.engine = engine
            self.prompt_panel.set_engine_note(engine_note(engine))

        self.notifications.run(build, "Loading the text models", on_done=install)

    def show_about(self) -> None:
        from faceeditor.about import about_html

        QMessageBox.about(self, "About faceeditor",
                          about_html(self.model.model_id, self.model.version))

    # ----------------------------------------------------------------- closing
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self._save_settings()
        self._autosave_timer.stop()
        self.autosave.discard()
        self.notifications.wait_for_workers()
        self.viewport.release_gl()
        event.accept()

