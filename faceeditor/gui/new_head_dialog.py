"""File > New Head from Description: type who, see four candidates, pick one.

The candidates (``faceeditor.text.new_head.new_heads``) and their thumbnails (offscreen renders)
are made in a worker thread; the dialog stays responsive and a newer request supersedes an older
one.  Picking a thumbnail emits ``chosen(Candidate)``; the window turns it into one undo step.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceeditor.gui.workers import Worker
from faceeditor.text.new_command import render_previews
from faceeditor.text.new_head import Candidate, new_heads

COUNT = 4
THUMBNAIL = 200


class NewHeadDialog(QDialog):
    """Prompt, seed, Generate, and ``COUNT`` thumbnails to pick from.

    Signals:
        chosen(Candidate): the user picked a head (the dialog then closes).
        ready(): candidates and thumbnails are shown (tests, accessibility).
    """

    chosen = Signal(object)
    ready = Signal()

    def __init__(self, model, engine, prompt: str = "", seed: int = 0,
                 parent: QWidget | None = None, thumbnail: int = THUMBNAIL):
        super().__init__(parent)
        self.setWindowTitle("New Head from Description")
        self.model, self.engine, self.thumbnail = model, engine, thumbnail
        self.candidates: list[Candidate] = []
        self._generation = 0
        self._workers: set[Worker] = set()
        self.prompt = QLineEdit(prompt)
        self.prompt.setPlaceholderText("Who? e.g. an East Asian woman in her thirties, friendly")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(seed)
        self.generate_button = QPushButton("Generate")
        self.more_button = QPushButton("Four more")
        self.status = QLabel("Describe a person and press Generate.")
        self.status.setWordWrap(True)
        self.buttons: list[QToolButton] = []
        self.captions: list[QLabel] = []
        grid = QGridLayout()
        for index in range(COUNT):
            button = QToolButton()
            button.setIconSize(QSize(thumbnail, thumbnail))
            button.setFixedSize(thumbnail + 12, thumbnail + 12)
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, i=index: self.pick(i))
            caption = QLabel()
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(button, 0, index)
            grid.addWidget(caption, 1, index)
            self.buttons.append(button)
            self.captions.append(caption)
        row = QHBoxLayout()
        row.addWidget(self.prompt, 1)
        row.addWidget(QLabel("Seed"))
        row.addWidget(self.seed)
        row.addWidget(self.generate_button)
        row.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(grid)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Click a head to start from it (Edit > Undo brings the old one "
                                "back)."))
        self.prompt.returnPressed.connect(self.generate)
        self.generate_button.clicked.connect(self.generate)
        self.more_button.clicked.connect(self.four_more)

    # -- generating --------------------------------------------------------------------------
    def four_more(self) -> None:
        self.seed.setValue(self.seed.value() + 1)
        self.generate()

    def generate(self) -> None:
        """Make the candidates and their thumbnails in a worker thread."""
        prompt = self.prompt.text().strip()
        if not prompt:
            self.status.setText("Describe a person first, e.g. 'a tired old sailor'.")
            return
        self._generation += 1
        generation, seed = self._generation, self.seed.value()
        model, engine, size = self.model, self.engine, self.thumbnail
        self.status.setText(f"Making {COUNT} heads for “{prompt}”…")
        for button in self.buttons:
            button.setEnabled(False)

        def work(progress):
            heads = new_heads(model, prompt, COUNT, seed, engine)
            progress(0.3)
            images = render_previews(model, [h.values for h in heads], size, albedo_size=512)
            return heads, images

        worker = Worker(work, "New head from description")
        self._workers.add(worker)
        worker.signals.finished.connect(lambda result: self._show(generation, *result))
        worker.signals.failed.connect(lambda message: self._failed(generation, message))
        worker.signals.finished.connect(lambda _: self._workers.discard(worker))
        worker.signals.failed.connect(lambda _: self._workers.discard(worker))
        QThreadPool.globalInstance().start(worker)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.status.setText(message)

    def _show(self, generation: int, heads: list[Candidate], images: list[np.ndarray]) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.candidates = heads
        for button, caption, head, image in zip(self.buttons, self.captions, heads, images):
            button.setIcon(QPixmap.fromImage(to_qimage(image)))
            button.setEnabled(True)
            years = self.engine.years_of(self.engine.spec.vector(head.values))
            sex = "female" if head.values["gender"] >= 0.5 else "male"
            caption.setText(f"{years:.0f} years, {sex}")
            button.setToolTip(f"seed {head.seed}")
        edit = heads[0].edit
        words = "; ".join(f"{r.words} → {r.concept.replace('_', ' ')}" for r in edit.requests)
        ignored = f"  Ignored: {', '.join(edit.unrecognized)}" if edit.unrecognized else ""
        self.status.setText(f"Understood: {words}.{ignored}")
        self.ready.emit()

    def pick(self, index: int) -> None:
        if index < len(self.candidates):
            self.chosen.emit(self.candidates[index])
            self.accept()


def to_qimage(image: np.ndarray) -> QImage:
    """(H, W, 3) uint8 -> a QImage that owns its pixels."""
    image = np.ascontiguousarray(image[..., :3])
    height, width = image.shape[:2]
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
