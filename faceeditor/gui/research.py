"""The main window's research models: open FLAME / AlbedoGAN files, switch the state, panel
and viewport to them, import DECA/EMOCA/MICA codes, and their CLIP text edits.

A mixin of ``MainWindow``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from faceeditor.gui.panel import ParameterPanel
from faceeditor.state import ParameterState
from faceeditor.text.session import PromptSession

log = logging.getLogger(__name__)


class ResearchModelsMixin:
    """Research backends in ``MainWindow``."""

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
