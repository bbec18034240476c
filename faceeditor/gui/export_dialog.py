"""The export dialog: format, texture size, subdivision, expressions; the export runs in a worker.

A thin layer over ``faceeditor.export.export_head`` (or ``export_backend`` when a research
backend is loaded: then only the format and subdivision apply): the widgets make an
``ExportOptions``, the
head's parameters are read from the editor's state once when Export is pressed (later edits do
not leak into a running export), and the work runs on Qt's thread pool through
``workers.Worker`` with a progress bar and Cancel. Files are written atomically, so a cancelled
or failed export leaves no half-written file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceeditor import __version__
from faceeditor.export import (
    FORMATS,
    TEXTURE_SIZES,
    ExportOptions,
    TextureSet,
    export_backend,
    export_head,
    output_files,
    skin_textures,
)
from faceeditor.gui.workers import Worker
from faceeditor.model.face_model import FaceModel

if TYPE_CHECKING:
    from faceeditor.backends.base import Backend

log = logging.getLogger(__name__)

TextureSource = Callable[[Mapping[str, float], int], "TextureSet | None"]

_FORMAT_LABELS = {"glb": "GLB (glTF 2.0, PBR textures, morph targets)",
                  "obj": "OBJ + MTL + texture PNGs"}
_BACKEND_FORMAT_LABELS = {"glb": "GLB (glTF 2.0, albedo texture)",
                          "obj": "OBJ + MTL + albedo PNG"}
_EXPRESSION_LABELS = {"glb": "Include the 52 ARKit expressions as morph targets",
                      "obj": "Also write one OBJ per ARKit expression (52 files)"}


class ExportDialog(QDialog):
    """Export the current head to GLB or OBJ.

    Args:
        model: the face model.
        current_params: returns the head's parameters by name (called when Export is pressed).
        textures: ``(params, size) -> TextureSet | None``; default ``skin_textures``.
        path: the file name to start with.
        backend: a research backend to export instead of ``model`` (``current_params`` are
            then its parameters); its albedo is written at full resolution, with no morph
            targets, so the texture size and expression options are hidden.
    Signals:
        exported(list): the paths written, after a successful export.
    """

    exported = Signal(list)

    def __init__(self, model: FaceModel, current_params: Callable[[], Mapping[str, float]],
                 textures: TextureSource = skin_textures, path: Path | None = None,
                 parent: QWidget | None = None, backend: Backend | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export head")
        self.model = model
        self.backend = backend
        self._current_params = current_params
        self._textures = textures
        self.worker: Worker | None = None
        self._started: list[Worker] = []
        self.written: list[Path] = []

        self.path_edit = QLineEdit(str(path or Path.home() / "head.glb"))
        self.browse_button = QPushButton("Browse…")
        self.format_combo = QComboBox()
        labels = _FORMAT_LABELS if backend is None else _BACKEND_FORMAT_LABELS
        for key, label in labels.items():
            self.format_combo.addItem(label, key)
        self.texture_combo = QComboBox()
        for size in TEXTURE_SIZES:
            self.texture_combo.addItem(f"{size // 1024}K ({size} × {size})", size)
        self.texture_combo.setCurrentIndex(TEXTURE_SIZES.index(2048))
        self.subdivision_combo = QComboBox()
        self.subdivision_combo.addItem("None (about 10k triangles)", 0)
        self.subdivision_combo.addItem("1 level, smoother (about 42k triangles)", 1)
        self.expressions_check = QCheckBox()
        self.expressions_check.setChecked(True)
        self.bake_check = QCheckBox("Bake the current expression into the mesh "
                                    "(else it becomes the default morph weights)")
        self.progress = QProgressBar(maximum=1000, textVisible=False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self._layout()

        self.browse_button.clicked.connect(self._browse)
        self.path_edit.textEdited.connect(self._format_from_path)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.expressions_check.toggled.connect(self._update_enabled)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self._close_or_cancel)
        self._format_from_path(self.path_edit.text())
        self._format_changed()

    def _layout(self) -> None:
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("File", path_row)
        form.addRow("Format", self.format_combo)
        form.addRow("Texture size", self.texture_combo)
        form.addRow("Subdivision", self.subdivision_combo)
        form.addRow("", self.expressions_check)
        form.addRow("", self.bake_check)
        if self.backend is not None:  # the backend's albedo at its size, no morph targets
            for widget in (self.texture_combo, self.expressions_check, self.bake_check):
                form.setRowVisible(widget, False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    # -- widgets -> options ---------------------------------------------------------------

    @property
    def file_format(self) -> str:
        return self.format_combo.currentData()

    @property
    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def options(self) -> ExportOptions:
        """The ``ExportOptions`` the widgets describe."""
        expressions = self.expressions_check.isChecked()
        glb = self.file_format == "glb"
        if self.backend is not None:
            return ExportOptions(format=self.file_format,
                                 subdivisions=self.subdivision_combo.currentData(),
                                 morphs=False)
        return ExportOptions(
            format=self.file_format,
            texture_size=self.texture_combo.currentData(),
            subdivisions=self.subdivision_combo.currentData(),
            morphs=expressions and glb,
            bake_expression=self.bake_check.isChecked() and glb,
            expression_files=expressions and not glb,
        )

    def _format_from_path(self, text: str) -> None:
        """Typing a .glb or .obj name selects that format."""
        file_format = FORMATS.get(Path(text.strip()).suffix.lower())
        if file_format is not None and file_format != self.file_format:
            self.format_combo.setCurrentIndex(self.format_combo.findData(file_format))

    def _format_changed(self) -> None:
        """Choosing a format gives the file name its extension."""
        suffix = f".{self.file_format}"
        path = self.path
        if self.path_edit.text().strip() and path.suffix.lower() != suffix:
            self.path_edit.setText(str(path.with_suffix(suffix)))
        self.expressions_check.setText(_EXPRESSION_LABELS[self.file_format])
        self._update_enabled()

    def _update_enabled(self) -> None:
        busy = self.worker is not None
        for widget in (self.path_edit, self.browse_button, self.format_combo, self.texture_combo,
                       self.subdivision_combo, self.expressions_check, self.export_button):
            widget.setEnabled(not busy)
        self.bake_check.setEnabled(not busy and self.file_format == "glb"
                                   and self.expressions_check.isChecked())
        self.close_button.setText("Cancel" if busy else "Close")

    def _browse(self) -> None:
        filters = "GLB (*.glb);;OBJ (*.obj)" if self.file_format == "glb" else \
            "OBJ (*.obj);;GLB (*.glb)"
        chosen, _ = QFileDialog.getSaveFileName(self, "Export head", str(self.path), filters)
        if chosen:
            self.path_edit.setText(chosen)
            self._format_from_path(chosen)
            self._format_changed()

    # -- exporting ------------------------------------------------------------------------

    def confirm_overwrite(self, existing: list[Path]) -> bool:
        """Ask before replacing files (tests replace this method)."""
        names = "\n".join(str(p) for p in existing[:6])
        more = f"\n… and {len(existing) - 6} more" if len(existing) > 6 else ""
        answer = QMessageBox.question(self, "Replace files?",
                                      f"These files exist and will be replaced:\n{names}{more}")
        return answer == QMessageBox.StandardButton.Yes

    def start_export(self) -> Worker | None:
        """Check the target, then export in a worker; the worker, or None when nothing started."""
        if self.worker is not None:
            return None
        path = self.path
        try:
            options = self.options()
            if not self.path_edit.text().strip():
                raise ValueError("choose a file name")
            if path.suffix.lower() != f".{options.format}":
                raise ValueError(f"the file name must end in .{options.format}")
            if not path.parent.is_dir():
                raise ValueError(f"{path.parent} is not a folder")
        except ValueError as error:
            self._show_error(str(error))
            return None
        existing = [p for p in self._output_files(path, options) if p.exists()]
        if existing and not self.confirm_overwrite(existing):
            self.status.setText("Export cancelled: nothing was replaced.")
            return None

        params = dict(self._current_params())  # a snapshot: later edits do not leak in
        work = self._work(params, path, options)
        self.worker = Worker(work, f"Export {path.name}")
        # Python owns the worker and keeps it, with its signal object, for the dialog's
        # lifetime: the pool must not delete it, nor Python collect it, while the thread may
        # still be returning from run() or a queued signal is on its way.
        self.worker.setAutoDelete(False)
        self._started.append(self.worker)
        self.worker.signals.progress.connect(lambda f: self.progress.setValue(int(f * 1000)))
        self.worker.signals.finished.connect(self._finished)
        self.worker.signals.failed.connect(self._failed)
        self.status.setStyleSheet("")
        self.status.setText(f"Exporting {path.name}…")
        self.progress.setValue(0)
        self._update_enabled()
        QThreadPool.globalInstance().start(self.worker)
        return self.worker

    def _output_files(self, path: Path, options: ExportOptions) -> list[Path]:
        """The files the export will write (the backend's: at most an albedo PNG besides)."""
        if self.backend is not None:
            return output_files(path, options, True, texture_labels=("albedo",))
        expression_names = tuple(p.name for p in self.model.spec.of_kind("expression"))
        return output_files(path, options, True, expression_names)

    def _work(self, params: dict[str, float], path: Path, options: ExportOptions
              ) -> Callable[[Callable[[float], None]], list[Path]]:
        """The worker's function: export ``params`` (of the model or the backend)."""
        model, backend, textures = self.model, self.backend, self._textures
        model_id = (backend or model).model_id
        header = f"faceeditor {__version__}, {model_id}, exported from the editor"

        def work(progress: Callable[[float], None]) -> list[Path]:
            progress(0.0)
            if backend is not None:
                return export_backend(backend, params, path, options, header,
                                      progress=lambda fraction, message: progress(fraction))
            skin = textures(params, options.texture_size)
            progress(0.2)
            return export_head(model, params, path, options, skin, header,
                               progress=lambda fraction, message: progress(0.2 + 0.8 * fraction))

        return work

    def _finished(self, written: list[Path]) -> None:
        self.worker = None
        self.written = list(written)
        self.progress.setValue(1000)
        extra = f" and {len(written) - 1} more files" if len(written) > 1 else ""
        self.status.setStyleSheet("")
        self.status.setText(f"Wrote {written[0]}{extra}." if written else "Nothing written.")
        self._update_enabled()
        self.exported.emit(self.written)

    def _failed(self, message: str) -> None:
        self.worker = None
        self.progress.setValue(0)
        self._show_error(message)
        self._update_enabled()

    def _show_error(self, message: str) -> None:
        log.warning("%s", message)
        self.status.setStyleSheet("color: #d04040; font-weight: 600;")
        self.status.setText(message)

    def _close_or_cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("Cancelling…")
        else:
            self.reject()

    def reject(self) -> None:
        """Escape / Close: cancel a running export first; the dialog closes when it stops."""
        if self.worker is not None:
            self.worker.cancel()
            return
        super().reject()
