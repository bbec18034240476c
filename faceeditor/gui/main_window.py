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
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from faceeditor import __version__
from faceeditor.gui.panel import ParameterPanel
from faceeditor.gui.perf import FrameTimePlot
from faceeditor.gui.prompt_panel import PromptPanel
from faceeditor.gui.viewport import ViewSettings, Viewport
from faceeditor.gui.workers import NotificationArea
from faceeditor.model.face_model import FaceModel
from faceeditor.project import SUFFIX, Autosave, Project, ProjectError, load_project, save_project
from faceeditor.render.camera import OrbitCamera
from faceeditor.render.contact_sheet import save_png
from faceeditor.render.shading import LIGHTING_PRESETS, VIEW_MODES
from faceeditor.state import ParameterState
from faceeditor.text.engine import TextEditEngine
from faceeditor.text.session import PromptSession

log = logging.getLogger(__name__)

AUTOSAVE_INTERVAL_MS = 60_000
MAX_RECENT = 8
FILE_FILTER = f"faceeditor projects (*{SUFFIX});;All files (*)"
VIEW_MODE_LABELS = {"shaded": "Shaded", "albedo": "Albedo only", "normals": "Normals",
                    "shading": "Shading only"}


def default_data_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


class MainWindow(QMainWindow):
    """The faceeditor main window for ``model``.

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

        self._build_menus()
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

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New", self.new_face, QKeySequence.StandardKey.New)
        self._action(file_menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        self._action(file_menu, "Open &Model…", self.open_model_dialog,
                     tip="Load a research head model: FLAME (generic_model.pkl) or an "
                         "AlbedoGAN / StyleGAN2 albedo generator (.pt, NVlabs .pkl)")
        self.codes_action = self._action(
            file_menu, "&Import DECA/EMOCA/MICA Codes…", self.import_codes_dialog,
            tip="Set the FLAME parameters from a DECA, EMOCA or MICA output folder")
        self.codes_action.setEnabled(False)
        file_menu.addSeparator()
        self._action(file_menu, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(file_menu, "Save &As…", self.save_as_dialog, "Ctrl+Shift+S")
        file_menu.addSeparator()
        self._action(file_menu, "&Export…", self.export_dialog, "Ctrl+E",
                     "Export the head as GLB (morphs, textures) or OBJ")
        self._action(file_menu, "Save Screens&hot…", self.screenshot_dialog, "Ctrl+Shift+P",
                     "Render the view to a PNG at any resolution")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        # lambdas: the state and the panel are replaced when another model is opened
        self.undo_action = self._action(edit, "&Undo", lambda: self.state.undo(), "Ctrl+Z")
        self.redo_action = self._action(edit, "&Redo", lambda: self.state.redo(),
                                        ["Ctrl+Shift+Z", "Ctrl+Y"])
        edit.addSeparator()
        self._action(edit, "Randomi&ze Face", lambda: self.panel.randomize("face"), "Ctrl+R")
        self._action(edit, "Randomize &Shape", lambda: self.panel.randomize("shape"))
        self._action(edit, "Randomize S&kin", lambda: self.panel.randomize("skin"))
        self._action(edit, "Rese&t Face", lambda: self.panel.reset_face())
        edit.addSeparator()
        self.symmetry_action = self._action(
            edit, "S&ymmetry Lock", lambda on: self.panel.symmetry.setChecked(on), "Ctrl+L",
            "Moving a left slider moves its right partner", checkable=True)
        self.panel.symmetry.toggled.connect(self.symmetry_action.setChecked)
        self._action(edit, "Mirror Left → Right", lambda: self.state.mirror_side("left"))
        self._action(edit, "Mirror Right → Left", lambda: self.state.mirror_side("right"))
        edit.addSeparator()
        self._action(edit, "&Find Slider", lambda: self.panel.focus_search(),
                     QKeySequence.StandardKey.Find)

        view = bar.addMenu("&View")
        for text, name, keys in (("&Front", "front", ["1", "Num+1"]),
                                 ("&Side", "side", ["3", "Num+3"]),
                                 ("&Three-Quarter", "three-quarter", ["7", "Num+7"])):
            self._action(view, text, lambda _=False, n=name: self.viewport.show_view(n), keys)
        self._action(view, "Frame F&ace", lambda: self.viewport.frame_face(), ["F", "Num+."])
        view.addSeparator()
        lighting = view.addMenu("&Lighting")
        self.lighting_group = QActionGroup(self)
        for name in LIGHTING_PRESETS:
            action = self._action(lighting, name.title(),
                                  lambda _=False, n=name: self.set_view(lighting=n),
                                  checkable=True)
            action.setData(name)
            self.lighting_group.addAction(action)
        mode = view.addMenu("&Mode")
        self.mode_group = QActionGroup(self)
        for index, name in enumerate(VIEW_MODES):
            action = self._action(mode, VIEW_MODE_LABELS[name],
                                  lambda _=False, n=name: self.set_view(mode=n),
                                  f"Alt+{index + 1}", checkable=True)
            action.setData(name)
            self.mode_group.addAction(action)
        self.wireframe_action = self._action(
            view, "&Wireframe Overlay", lambda on: self.set_view(wireframe=on), "W",
            checkable=True)
        self.turntable_action = self._action(
            view, "T&urntable", lambda on: self.set_view(turntable=on), "T", checkable=True)
        self._action(view, "&Background Colour…", self.background_dialog)
        view.addSeparator()
        view.addAction(self.panel_dock.toggleViewAction())
        view.addAction(self.prompt_dock.toggleViewAction())
        perf = self.perf_dock.toggleViewAction()
        perf.setShortcut(QKeySequence("F12"))
        view.addAction(perf)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "&About faceeditor", self.show_about)
        self._sync_view_actions()

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
    @property
    def modified(self) -> bool:
        return not np.array_equal(self.state.vector, self._saved_vector)

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — faceeditor")
        self.setWindowModified(self.modified)

    def _update_undo_actions(self) -> None:
        self.undo_action.setEnabled(self.state.can_undo)
        self.redo_action.setEnabled(self.state.can_redo)
        self.undo_action.setText(f"&Undo {self.state.undo_label}".rstrip())
        self.redo_action.setText(f"&Redo {self.state.redo_label}".rstrip())

    def current_project(self) -> Project:
        return Project.for_model(self.document_model, self.state.values(), seed=self.state.seed,
                                 camera=self.viewport.orbit.to_json(),
                                 view=self.viewport.settings.to_json(),
                                 source=str(self.path) if self.path else None)

    def apply_project(self, project: Project, path: Path | None) -> None:
        """Show ``project`` (already validated) as the current document."""
        self.state.end_interaction()
        self.state.replace_all(project.parameters, label="Open")
        self.state.seed = project.seed
        self.state.clear_history()
        self.panel.sync_seed()
        self.viewport.apply_settings(ViewSettings.from_json(project.view))
        self._sync_view_actions()
        try:
            self.viewport.set_orbit(OrbitCamera.from_json(project.camera))
        except ValueError:
            self.viewport.frame_face()
        self.path = path
        self._saved_vector = self.state.vector
        self._update_title()

    def new_face(self) -> None:
        if not self.maybe_save():
            return
        self.state.replace_all({}, label="New")
        self.state.seed = 0
        self.state.clear_history()
        self.panel.sync_seed()
        self.path = None
        self._saved_vector = self.state.vector
        self._update_title()
        self.viewport.frame_face("front")

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_folder(),
                                              FILE_FILTER)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> bool:
        """Open a project; a bad file shows an error and the current face stays."""
        try:
            project = load_project(path, self.document_model)
        except ProjectError as error:
            self.show_error("Cannot open project", str(error))
            return False
        self.apply_project(project, path)
        self._remember(path)
        self.notifications.info(f"Opened {path.name}")
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as_dialog()
        return self.save_to(self.path)

    def save_as_dialog(self) -> bool:
        start = str(Path(self._last_folder()) / (self.path.name if self.path else f"face{SUFFIX}"))
        name, _ = QFileDialog.getSaveFileName(self, "Save project", start, FILE_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        project = self.current_project()
        project.source = None
        try:
            save_project(path, project)
        except ProjectError as error:
            self.show_error("Cannot save project", str(error))
            return False
        self.path = path
        self._saved_vector = self.state.vector
        self._remember(path)
        self._update_title()
        self.notifications.info(f"Saved {path.name}")
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False when the user cancelled."""
        if not self.modified:
            return True
        answer = self.ask_unsaved_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def ask_unsaved_changes(self) -> QMessageBox.StandardButton:
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(self, "Unsaved changes",
                                    "Save the changes to this face before closing?", buttons,
                                    QMessageBox.StandardButton.Save)

    def show_error(self, title: str, text: str) -> None:
        """Report an error in the notification area and in a (non-blocking) message box."""
        self.notifications.error(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_box = box

    # ----------------------------------------------------------------- research backends
    def open_model_dialog(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Open head model", self._last_folder(),
            "Head models (*.pkl *.pt *.pth);;All files (*)")
        if name:
            self.open_model_path(Path(name))

    def open_model_path(self, path: Path) -> None:
        """Open a research model in a worker; on success the window switches to it, on failure
        the notification area shows the one-line error and the current model stays."""
        from faceeditor.backends import open_model

        self.notifications.run(lambda progress: open_model(path), f"Opening {path.name}",
                               on_done=self.use_backend)

    def use_backend(self, backend) -> None:
        """Edit ``backend``'s head from now on: a new state and slider panel, the viewport
        evaluating through it; the document becomes a new, unsaved face."""
        self.state.end_interaction()
        shape_kinds = backend.geometry_kinds - {"expression", "pose"}
        state = ParameterState(
            backend, sampler=lambda seed: backend.sample(seed, truncation=self._truncation()),
            geometry_kinds=backend.geometry_kinds, shape_kinds=shape_kinds)
        self.backend = self.document_model = backend
        self.state = state
        self._install_panel(ParameterPanel(state, params=backend.slider_params(),
                                           group_labels=backend.group_labels, truncation=True))
        self.viewport.set_state(state, backend)
        self._listen_to_state()
        self.load_backend_text_engine(backend)
        self.codes_action.setEnabled(hasattr(backend, "params_from_codes"))
        self.path = None
        self._saved_vector = state.vector
        self._autosaved_revision = state.revision
        self._show_model_hint(f"{backend.backend_id} {backend.version}")
        self._update_title()
        self._update_undo_actions()
        log.info("now editing %s", backend.summary())
        self.notifications.info(f"Opened {backend.backend_id} model ({len(backend.spec)} "
                                "parameters)")

    def _truncation(self) -> float:
        return self.panel.truncation_value()

    def _install_panel(self, panel: ParameterPanel) -> None:
        old, self.panel = self.panel, panel
        self.panel_dock.setWidget(panel)
        panel.symmetry.toggled.connect(self.symmetry_action.setChecked)
        self.symmetry_action.setChecked(False)
        old.deleteLater()

    def _listen_to_state(self) -> None:
        self.state.add_listener(lambda names: self._update_title())
        self.state.add_history_listener(self._update_undo_actions)

    def _show_model_hint(self, model_text: str) -> None:
        self.model_hint.setText(f"{model_text} · {len(self.state.spec)} parameters · "
                                "drag: orbit · wheel: zoom · F: frame · F1: shortcuts")

    def import_codes_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import DECA/EMOCA/MICA codes (any file of the output folder)",
            self._last_folder(), "FLAME codes (*.npy);;All files (*)")
        if name:
            self.import_codes(Path(name).parent)

    def import_codes(self, source: Path) -> bool:
        """Set the parameters from DECA/EMOCA/MICA codes (a folder or one ``.npy``), as one
        undo step; unreadable codes show an error and change nothing."""
        from faceeditor.backends.flame import FlameFormatError

        try:
            values = self.backend.params_from_codes(source)
        except (FlameFormatError, OSError, ValueError) as error:
            self.show_error("Cannot import codes", str(error))
            return False
        self.state.end_interaction()
        self.state.set_values(values, label=f"Import {source.name}")
        self.notifications.info(f"Imported {len(values)} parameters from {source.name}")
        return True

    # ----------------------------------------------------------------- recent files, settings
    def _remember(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in self.recent_files()
                                          if p != str(path.resolve())]
        self.settings.setValue("recentFiles", recent[:MAX_RECENT])
        self.settings.setValue("lastFolder", str(path.resolve().parent))
        self._fill_recent_menu()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for name in self.recent_files():
            self.recent_menu.addAction(Path(name).name, lambda n=name: self._open_recent(n))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def _open_recent(self, name: str) -> None:
        if self.maybe_save():
            self.open_path(Path(name))

    def _last_folder(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))

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
    def write_autosave(self) -> None:
        """Autosave when something changed since the last autosave (timer, every minute)."""
        if self.state.revision == self._autosaved_revision:
            return
        try:
            self.autosave.write(self.current_project())
        except ProjectError as error:
            self.notifications.error(f"Autosave failed: {error}")
            return
        self._autosaved_revision = self.state.revision
        log.info("autosaved to %s", self.autosave.path)

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest leftover autosave; True when one was restored."""
        for path in self.autosave.leftovers():
            if not self.ask_recover(path):
                path.unlink(missing_ok=True)
                continue
            try:
                project = self.autosave.recover(path, self.model)
            except ProjectError as error:
                self.show_error("Cannot recover", str(error))
                continue
            source = Path(project.source) if project.source else None
            self.apply_project(project, source)
            self._saved_vector = np.full_like(self._saved_vector, np.nan)  # unsaved
            self._update_title()
            self.notifications.info("Recovered the autosaved face")
            return True
        return False

    def ask_recover(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, "Recover face?",
            f"faceeditor did not close properly. Recover the face autosaved "
            f"{Autosave.age_text(path)}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

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

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_HELP)

    def load_text_engine(self) -> None:
        """Give the prompt box the full engine in a worker (loading takes seconds): the
        paraphrase model, and CLIP when a checkpoint is on this machine (the setting
        ``text/clip_checkpoint``, ``$FACEEDITOR_CLIP_CHECKPOINT`` or open_clip's cache). Until
        it is ready the lexicon engine serves."""
        from faceeditor.text.factory import create_engine

        checkpoint = self.settings.value("text/clip_checkpoint") or None

        def build(progress):
            return create_engine(self.model, clip_checkpoint=checkpoint,
                                 progress=lambda done, total: progress(done / max(total, 1)))

        session = self.prompt_panel.session  # (a research backend may replace the session)

        def install(engine) -> None:
            session.engine = engine

        self.notifications.run(build, "Loading the text models", on_done=install)

    def load_backend_text_engine(self, backend) -> None:
        """Text prompts for a research backend: CLIP global directions over its sliders,
        built in a worker; without a CLIP checkpoint the prompt panel stays off and says why."""
        from faceeditor.text.factory import create_backend_engine

        self.prompt_dock.setEnabled(False)
        self.prompt_dock.setToolTip("Loading text edits for this model…")
        checkpoint = self.settings.value("text/clip_checkpoint") or None
        architecture = self.settings.value("text/clip_model") or None
        directions = self.backend_clip_settings

        def build(progress):
            return create_backend_engine(
                backend, clip_checkpoint=checkpoint, clip_model=architecture,
                clip_settings=directions,
                progress=lambda done, total: progress(done / max(total, 1)))

        def install(result) -> None:
            engine, reason = result
            if self.backend is not backend:
                return  # another model was opened meanwhile
            if engine is None:
                self.prompt_dock.setToolTip(reason)
                self.notifications.info(reason)
                return
            self.prompt_panel.session = PromptSession(engine, self.state, live=True)
            self.prompt_dock.setEnabled(True)
            self.prompt_dock.setToolTip(f"Text prompts move {backend.backend_id}'s sliders "
                                        "along CLIP directions")

        self.notifications.run(build, f"Loading text edits for {backend.backend_id}",
                               on_done=install)

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


class ScreenshotSizeDialog(QDialog):
    """Asks for the pixel size of a screenshot."""

    def __init__(self, parent: QWidget, width: int, height: int):
        super().__init__(parent)
        self.setWindowTitle("Screenshot size")
        self.width = QSpinBox(minimum=16, maximum=16384, value=int(width), suffix=" px")
        self.height = QSpinBox(minimum=16, maximum=16384, value=int(height), suffix=" px")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow("Width", self.width)
        layout.addRow("Height", self.height)
        layout.addRow(buttons)


SHORTCUTS_HELP = """\
Orbit: left drag · Pan: middle drag or Shift+drag · Zoom: wheel or pinch
1 / 3 / 7 (or numpad): front / side / three-quarter view · F: frame face
W: wireframe · T: turntable · Alt+1..4: shaded / albedo / normals / shading only
F12: frame-time plot · Ctrl+F: find a slider · double-click a slider: reset it
Ctrl+Z / Ctrl+Shift+Z: undo / redo · Ctrl+R: randomize · Ctrl+L: symmetry lock
Ctrl+N / Ctrl+O / Ctrl+S / Ctrl+Shift+S: new / open / save / save as
Ctrl+E: export GLB / OBJ · Ctrl+Shift+P: screenshot at any size"""
