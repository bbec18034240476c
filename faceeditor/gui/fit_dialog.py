"""File > New from Photo or Scan…: pick a file, check the detected landmarks (pick a face when
there are several), fit in a worker with progress and Cancel, then show the fitted head (with
the photo's texture) and the photo beside it. The fit is one undo step; a cancelled or failed
fit leaves the current face untouched. All fitting lives in ``faceeditor.fit``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDockWidget, QFileDialog,
                               QLabel, QVBoxLayout, QWidget)

log = logging.getLogger(__name__)

FILE_FILTER = ("Photos and scans (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.bmp *.obj *.ply "
               "*.stl *.glb);;All files (*)")


def to_pixmap(image: np.ndarray, longest: int = 640) -> QPixmap:
    image = np.ascontiguousarray(image[..., :3].astype(np.uint8))
    height, width = image.shape[:2]
    qimage = QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    pixmap = QPixmap.fromImage(qimage)
    if max(width, height) > longest:
        pixmap = pixmap.scaled(longest, longest, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
    return pixmap


class LandmarkDialog(QDialog):
    """The photo with each detected face's landmarks; the user picks a face and accepts."""

    def __init__(self, image: np.ndarray, landmarks: list[np.ndarray], name: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Fit {name}")
        self.image, self.landmarks = image, landmarks
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.faces = QComboBox()
        for index in range(len(landmarks)):
            self.faces.addItem(f"Face {index + 1}" + (" (largest)" if index == 0 else ""))
        self.faces.setVisible(len(landmarks) > 1)
        self.faces.currentIndexChanged.connect(self._show)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Fit")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(landmarks)} face(s) found. The head is fitted to the "
                                "marked points."))
        layout.addWidget(self.picture)
        layout.addWidget(self.faces)
        layout.addWidget(buttons)
        self._show(0)

    @property
    def face(self) -> int:
        return self.faces.currentIndex()

    def _show(self, index: int) -> None:
        from faceeditor.detect import draw_landmarks

        self.picture.setPixmap(to_pixmap(draw_landmarks(self.image, self.landmarks[index])))


def new_from_photo_or_scan(window, path: Path | None = None, ask=None) -> None:
    """The menu action. ``ask(dialog) -> bool`` replaces ``dialog.exec()`` in tests."""
    from faceeditor.fit.pipeline import FitError, FitOptions, fit_input, fit_photo, input_kind

    if path is None:
        name, _ = QFileDialog.getOpenFileName(window, "New from Photo or Scan",
                                              window._last_folder(), FILE_FILTER)
        if not name:
            return
        path = Path(name)
    model = window.document_model
    try:
        kind = input_kind(path)
        if kind == "photo":
            image, landmarks = _detect(path)
            dialog = LandmarkDialog(image, landmarks, path.name, window)
            accepted = ask(dialog) if ask is not None else dialog.exec() == QDialog.DialogCode.Accepted
            if not accepted:
                return
            face = landmarks[dialog.face]

            def work(progress):
                return fit_photo(model, image, FitOptions(), lambda f, text: progress(f),
                                 name=path.name, landmarks=face)
        else:
            image = None

            def work(progress):
                return fit_input(model, path, FitOptions(), lambda f, text: progress(f))
    except FitError as error:
        window.show_error("Cannot fit", str(error))
        return

    def done(result) -> None:
        apply_fit(window, result, path.name, image)

    window.notifications.run(work, f"Fitting {path.name}", done)


def _detect(path: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    from faceeditor.detect import PhotoError, face_landmarks, load_photo
    from faceeditor.fit.pipeline import FitError, find_faces

    try:
        image = load_photo(path)
    except PhotoError as error:
        raise FitError(str(error)) from None
    faces = find_faces(image, path.name)
    return image, [face_landmarks(image, face) for face in faces]


def apply_fit(window, result, name: str, photo: np.ndarray | None) -> None:
    """Show a finished fit: one undo step, the photo texture in the viewport, the photo beside."""
    state, viewport = window.state, window.viewport
    state.end_interaction()
    before, previous = state.vector, viewport.photo_albedo
    state.replace_all(result.params, label=f"Fit {name}")
    after = state.vector
    viewport.set_photo_albedo(result.texture)

    def follow_history() -> None:
        # undo back to before the fit brings the old texture back; redo the fitted one
        if state is not window.state:
            return
        if np.array_equal(state.vector, before) and viewport.photo_albedo is result.texture:
            viewport.set_photo_albedo(previous)
        elif np.array_equal(state.vector, after) and viewport.photo_albedo is previous:
            viewport.set_photo_albedo(result.texture)

    state.add_history_listener(follow_history)
    if photo is not None:
        show_photo(window, photo, name)
    error = result.stats.get("landmark_error_percent_eye_distance",
                             result.stats.get("face_median_mm"))
    window.notifications.info(f"Fitted {name} ({error:.2f}"
                              f"{'% of the eye distance' if photo is not None else ' mm'})")


def show_photo(window, photo: np.ndarray, name: str) -> None:
    dock = getattr(window, "_photo_dock", None)
    if dock is None:
        dock = QDockWidget("Photo", window)
        dock.setObjectName("photo_dock")
        dock.setWidget(QLabel(alignment=Qt.AlignmentFlag.AlignCenter))
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        window._photo_dock = dock
    dock.setWindowTitle(name)
    dock.widget().setPixmap(to_pixmap(photo, 360))
    dock.show()
