"""The text prompt panel: a prompt box with history, a strength slider, apply and undo, a live
preview once typing stops, and a bar chart of the parameters the prompt moves.

A thin Qt layer over ``faceeditor.text.session.PromptSession``, which holds every decision
(debounce, preview, one undo step per applied prompt, history); this widget only forwards
keystrokes and draws results.
"""

from __future__ import annotations

import time
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from faceeditor.gui.moved_chart import MovedChart
from faceeditor.text.engine import EditResult
from faceeditor.text.report import ignored_words, word_effects
from faceeditor.text.session import MAX_STRENGTH, PromptSession

POLL_MS = 50
MAX_BARS = 12


class PromptPanel(QWidget):
    """Prompt box, strength, Apply/Undo, status line, what each word did (ignored words with
    "did you mean" links that fix the prompt) and the "what moved" chart.

    Signals:
        applied(EditResult): after a prompt was applied to the state.
        newHeadRequested(str): "New head…" pressed, with the prompt's text.
    """

    applied = Signal(object)
    newHeadRequested = Signal(str)

    def __init__(self, session: PromptSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("Describe a change: a faint crooked smile; older, "
                                       "with a broader nose")
        self.prompt.setClearButtonEnabled(True)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, int(MAX_STRENGTH * 100))
        self.strength.setValue(int(round(session.strength * 100)))
        self.strength_label = QLabel()
        self.apply_button = QPushButton("Apply")
        self.undo_button = QPushButton("Undo")
        self.new_head_button = QPushButton("New head…")
        self.new_head_button.setToolTip("Start a new head from this description: pick one of "
                                        "four candidates")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setTextFormat(Qt.TextFormat.RichText)
        self.words.setStyleSheet("font-size: 11px;")
        self.words.hide()
        self.engine_note = QLabel()
        self.engine_note.setWordWrap(True)
        self.engine_note.setStyleSheet("color: #9a9ca4; font-size: 11px;")
        self.engine_note.hide()
        self.chart = MovedChart()
        self._drawn: dict[str, float] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Strength"))
        controls.addWidget(self.strength, 1)
        controls.addWidget(self.strength_label)
        controls.addWidget(self.apply_button)
        controls.addWidget(self.undo_button)
        controls.addWidget(self.new_head_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.words)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.engine_note)

        self.prompt.textEdited.connect(self._on_text_edited)
        self.prompt.returnPressed.connect(self.apply)
        self.prompt.installEventFilter(self)
        self.strength.valueChanged.connect(self._on_strength)
        self.apply_button.clicked.connect(self.apply)
        self.undo_button.clicked.connect(self.undo)
        self.new_head_button.clicked.connect(
            lambda: self.newHeadRequested.emit(self.prompt.text()))
        self.words.linkActivated.connect(self.use_suggestion)
        self.timer.timeout.connect(self._poll)
        self._on_strength(self.strength.value())

    # -- user actions -------------------------------------------------------------------------
    def apply(self) -> EditResult | None:
        result = self.session.apply()
        if result is not None:
            self.show_result(result, applied=True)
            self.applied.emit(result)
        return result

    def undo(self) -> None:
        self.session.undo()
        self.show_result(None)

    def use_suggestion(self, link: str) -> None:
        """A "did you mean" link (``word|suggestion``): put the suggestion in the prompt."""
        word, _, suggestion = link.partition("|")
        text = self.prompt.text()
        index = text.lower().find(word.lower())
        if index < 0 or not suggestion:
            return
        text = text[:index] + suggestion + text[index + len(word):]
        self.prompt.setText(text)
        self._on_text_edited(text)

    def _on_text_edited(self, text: str) -> None:
        self.session.text_changed(text, time.monotonic())
        self.timer.start()

    def _on_strength(self, value: int) -> None:
        self.session.strength = value / 100.0
        self.strength_label.setText(f"{value / 100.0:.2f}")
        self.timer.start()

    def _poll(self) -> None:
        if not self.session.preview_due(time.monotonic()):
            return
        self.timer.stop()
        self.show_result(self.session.poll(time.monotonic()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.prompt and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                text = (self.session.history_previous() if key == Qt.Key.Key_Up
                        else self.session.history_next())
                if text is not None:
                    self.prompt.setText(text)
                    self.session.text_changed(text, time.monotonic())
                    self.timer.start()
                return True
            if key == Qt.Key.Key_Escape:
                self.session.cancel()
                self.show_result(None)
                return True
        return super().eventFilter(watched, event)

    # -- drawing ------------------------------------------------------------------------------
    def set_engine_note(self, text: str) -> None:
        """The one place the app says which text engine serves (e.g. that CLIP is off)."""
        self.engine_note.setText(text)
        self.engine_note.setVisible(bool(text))

    def show_result(self, result: EditResult | None, applied: bool = False) -> None:
        """Status line and bar chart for ``result`` (None clears them)."""
        self._drawn = {}
        if result is None:
            self.status.setText("")
            self.words.hide()
            self.chart.show_moved([])
            return
        prefix = "Applied: " if applied else "Preview: "
        self.status.setText(prefix + result.message())
        self.words.setText(words_html(result))
        self.words.setVisible(bool(result.effects or result.unrecognized))
        moved = sorted(result.changed.items(), key=lambda kv: -abs(kv[1]))[:MAX_BARS]
        self.chart.show_moved(moved)
        self._drawn = dict(moved)

    def bar_values(self) -> dict[str, float]:
        """{parameter: delta} currently drawn (for tests and accessibility)."""
        return dict(self._drawn)


def words_html(result: EditResult) -> str:
    """What each word did, and the ignored words with "did you mean" links."""
    lines = []
    for effect in word_effects(result):
        moved = ", ".join(f"{name} {delta:+.2f}" for name, delta in effect.moved)
        more = f" +{effect.count - len(effect.moved)} more" if effect.count > len(effect.moved) else ""
        lines.append(f"<b>{escape(effect.words)}</b> → {escape(effect.meaning)}"
                     f"<span style='color:#9a9ca4'>: {escape(moved) or 'no change'}{more}</span>")
    for word, suggestions in ignored_words(result):
        hint = ""
        if suggestions:
            links = ", ".join(f"<a href='{escape(word)}|{escape(s)}'>{escape(s)}</a>"
                              for s in suggestions)
            hint = f" — did you mean {links}?"
        lines.append(f"<span style='color:#e0a060'><s>{escape(word)}</s> ignored</span>{hint}")
    return "<br>".join(lines)
