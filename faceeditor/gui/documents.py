"""The main window's documents: new / open / save, recent files, autosave and crash recovery.

A mixin of ``MainWindow`` (it uses the window's state, viewport, panel, settings and
notification area); files are read and written by ``faceeditor.project``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox

from faceeditor.gui.view_settings import ViewSettings
from faceeditor.project import (
    SUFFIX,
    Autosave,
    Project,
    ProjectError,
    load_project,
    save_project,
)
from faceeditor.render.camera import OrbitCamera

log = logging.getLogger(__name__)

MAX_RECENT = 8
FILE_FILTER = f"faceeditor projects (*{SUFFIX});;All files (*)"


class DocumentsMixin:
    """Projects of ``MainWindow``: the current file, its saved state, recent files, autosave."""

    @property
    def modified(self) -> bool:
        return not np.array_equal(self.state.vector, self._saved_vector)

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — faceeditor")
        self.setWindowModified(self.modified)

    def current_project(self) -> Project:
        return Project.for_model(self.document_model, self.state.values(), seed=self.state.seed,
                                 camera=self.viewport.orbit.to_json(),
                                 view=self.viewport.settings.to_json(),
                                 source=str(self.path) if self.path else None,
                                 albedo_png=self._photo_albedo_png())

    def _photo_albedo_png(self) -> bytes | None:
        image = self.viewport.photo_albedo
        if image is None:
            return None
        from faceeditor.fit.command import encode_png

        return encode_png(image)

    def apply_project(self, project: Project, path: Path | None) -> None:
        """Show ``project`` (already validated) as the current document."""
        self.state.end_interaction()
        self.state.replace_all(project.parameters, label="Open")
        self.state.seed = project.seed
        self.state.clear_history()
        self.panel.sync_seed()
        self.viewport.set_photo_albedo(_decode_albedo(project.albedo_png))
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
        self.viewport.set_photo_albedo(None)
        self.state.seed = 0
        self.state.clear_history()
        self.panel.sync_seed()
        self.path = None
        self._saved_vector = self.state.vector
        self._update_title()
        self.viewport.frame_face("front")

    def new_from_description(self, prompt: str = ""):
        """File > New Head from Description: four candidates to pick from (None for a research
        model, which has no description words)."""
        from faceeditor.gui.new_head_dialog import NewHeadDialog
        from faceeditor.text.engine import TextEditEngine

        if self.backend is not None:
            self.notifications.error("New heads from a description need the built-in head "
                                     "model (File > New)")
            return None
        dialog = NewHeadDialog(self.model, TextEditEngine(self.model), prompt.strip(),
                               parent=self)
        dialog.chosen.connect(self.use_new_head)
        self.new_head_dialog = dialog
        dialog.show()
        if prompt.strip():
            dialog.generate()
        return dialog

    def use_new_head(self, candidate) -> None:
        """Start from a picked candidate: one undo step."""
        self.state.replace_all(candidate.values, label="New head from description")
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


def _decode_albedo(data: bytes | None):
    if data is None:
        return None
    from faceeditor.fit.command import decode_png

    return decode_png(data)
