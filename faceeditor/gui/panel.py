"""The parameter panel: one collapsible section per region group, built from ``model.spec``.

State flows one way: a slider sets the ``ParameterState``; the state's change notification
updates the widgets inside a signal blocker.  A slider drag is one undo step
(``begin_interaction`` on press, ``end_interaction`` on release); double-click resets a slider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceeditor.model.spec import GROUP_LABELS, GROUPS, ParamSpec
from faceeditor.state import ParameterState

log = logging.getLogger(__name__)

SLIDER_STEPS = 1000
SUBGROUP_LABELS = {"brows": "Brows", "eyes": "Eyes", "cheeks": "Cheeks", "nose": "Nose",
                   "mouth": "Mouth", "jaw": "Jaw", "tongue": "Tongue"}


def group_label(group: str) -> str:
    return GROUP_LABELS.get(group, group.replace("_", " ").capitalize())


def ordered_groups(params: list[ParamSpec]) -> list[str]:
    """Groups present in ``params``: the spec's panel order, then any new ones."""
    present = list(dict.fromkeys(p.group for p in params))
    return [g for g in GROUPS if g in present] + [g for g in present if g not in GROUPS]


def tooltip_for(spec: ParamSpec) -> str:
    lines = [f"<b>{spec.label}</b> <code>{spec.name}</code>"]
    if spec.description:
        lines.append(spec.description)
    lines.append(f"range {spec.minimum:g} .. {spec.maximum:g}, default {spec.default:g}")
    if spec.mirror:
        lines.append(f"mirror: {spec.mirror} (moves with it under the symmetry lock)")
    lines.append("<i>double-click to reset</i>")
    return "<br>".join(lines)


class ResettableSlider(QSlider):
    """A horizontal slider that asks to be reset on double-click."""

    resetRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.resetRequested.emit()
        event.accept()


class ParamRow(QWidget):
    """Label, slider and number box of one parameter, bound to ``state``."""

    def __init__(self, spec: ParamSpec, state: ParameterState, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec, self.state = spec, state
        self.label = QLabel(spec.label)
        self.label.setMinimumWidth(120)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.slider = ResettableSlider()
        self.steps = len(spec.choices) - 1 if spec.choices else SLIDER_STEPS
        self.slider.setRange(0, self.steps)
        self.slider.setObjectName(f"slider_{spec.name}")
        self.box = QDoubleSpinBox()
        self.box.setRange(spec.minimum, spec.maximum)
        self.box.setDecimals(0 if spec.choices else 3)
        self.box.setSingleStep((spec.maximum - spec.minimum) / 100.0)
        self.box.setFixedWidth(72)
        self.box.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.box.setKeyboardTracking(False)
        tip = tooltip_for(spec)
        for widget in (self.label, self.slider, self.box):
            widget.setToolTip(tip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.addWidget(self.label, 3)
        layout.addWidget(self.slider, 4)
        layout.addWidget(self.box)
        self.refresh()
        self.slider.sliderPressed.connect(
            lambda: state.begin_interaction(f"Change {spec.label}"))
        self.slider.sliderReleased.connect(state.end_interaction)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.resetRequested.connect(self.reset)
        self.box.valueChanged.connect(lambda value: state.set_value(spec.name, value))

    def to_position(self, value: float) -> int:
        span = self.spec.maximum - self.spec.minimum
        return round((value - self.spec.minimum) / span * self.steps)

    def to_value(self, position: int) -> float:
        span = self.spec.maximum - self.spec.minimum
        return self.spec.minimum + span * position / self.steps

    def _on_slider(self, position: int) -> None:
        self.state.set_value(self.spec.name, self.to_value(position))

    def reset(self) -> None:
        self.state.end_interaction()
        self.state.reset([self.spec.name])

    def refresh(self) -> None:
        """Show the state's value without feeding it back."""
        value = self.state.value(self.spec.name)
        with QSignalBlocker(self.slider), QSignalBlocker(self.box):
            self.slider.setValue(self.to_position(value))
            self.box.setValue(value)
        if self.spec.choices:  # a choice shows its name: "Hair style: bob"
            self.label.setText(f"{self.spec.label}: {self.spec.choice(value)}")
        changed = value != self.spec.default
        font = self.label.font()
        if font.bold() != changed:
            font.setBold(changed)  # edited sliders stand out
            self.label.setFont(font)

    def matches(self, words: list[str]) -> bool:
        title = getattr(self.spec, "group_label", "") or group_label(self.spec.group)
        text = " ".join((self.spec.name, self.spec.label, self.spec.group,
                         title, self.spec.subgroup or "",
                         self.spec.description)).lower()
        return all(word in text for word in words)


class GroupSection(QWidget):
    """A collapsible section holding the rows of one group (sub-headed by subgroup)."""

    def __init__(self, group: str, params: list[ParamSpec], state: ParameterState,
                 on_randomize: Callable[[str], None], parent: QWidget | None = None,
                 title: str | None = None):
        super().__init__(parent)
        self.group = group
        title = title or group_label(group)
        self.title = title
        title = title.replace("&", "&&")  # a single & would be a mnemonic
        self.header = QToolButton(text=f"{title}  ({len(params)})", checkable=True)
        self.header.setObjectName(f"group_{group}")
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.RightArrow)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setStyleSheet("QToolButton { font-weight: 600; border: none; padding: 4px; }")
        self.header.toggled.connect(self.set_expanded)
        dice = QToolButton(text="⚄")
        dice.setToolTip(f"Randomize only {self.title}")
        dice.setAutoRaise(True)
        dice.clicked.connect(lambda: on_randomize(group))
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.header)
        top.addWidget(dice)
        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(8, 0, 0, 4)
        body_layout.setSpacing(0)
        self.rows: list[ParamRow] = []
        self.subheaders: dict[str, QLabel] = {}
        for spec in params:
            if spec.subgroup and spec.subgroup not in self.subheaders:
                sub = QLabel(SUBGROUP_LABELS.get(spec.subgroup, spec.subgroup.capitalize()))
                sub.setStyleSheet("color: palette(mid); font-size: 11px; font-weight: 600; "
                                  "padding: 6px 4px 1px;")
                self.subheaders[spec.subgroup] = sub
                body_layout.addWidget(sub)
            row = ParamRow(spec, state)
            self.rows.append(row)
            body_layout.addWidget(row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.body)
        self.set_expanded(False)

    def set_expanded(self, expanded: bool) -> None:
        with QSignalBlocker(self.header):
            self.header.setChecked(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    def apply_filter(self, words: list[str]) -> int:
        """Show only rows matching every word; returns how many are shown."""
        shown = 0
        visible_subgroups = set()
        for row in self.rows:
            match = row.matches(words)
            row.setVisible(match)
            if match:
                shown += 1
                visible_subgroups.add(row.spec.subgroup)
        for subgroup, header in self.subheaders.items():
            header.setVisible(subgroup in visible_subgroups)
        self.setVisible(shown > 0)
        return shown


class ParameterPanel(QWidget):
    """Search box, symmetry lock, randomize (with seed) and reset above every group section.

    Args:
        params: the parameters that get a slider (default: every one of ``state.spec``).
        group_labels: section titles by group (default: the embedded model's labels).
        truncation: show a psi box (``truncation_value()``) for samplers that take one.
    """

    def __init__(self, state: ParameterState, parent: QWidget | None = None, *,
                 params: list[ParamSpec] | None = None,
                 group_labels: Mapping[str, str] | None = None, truncation: bool = False):
        super().__init__(parent)
        self.state = state
        params = list(state.spec) if params is None else list(params)
        labels = dict(group_labels or {})
        self.truncation = QDoubleSpinBox(minimum=0.0, maximum=1.0, value=1.0, decimals=2,
                                         singleStep=0.05)
        self.truncation.setPrefix("ψ ")
        self.truncation.setToolTip("Truncation ψ of Randomize: 1 samples the whole model, "
                                   "smaller values pull toward the average head (0: the "
                                   "average)")
        self.truncation.setVisible(truncation)
        self._uses_truncation = truncation
        self.search = QLineEdit(placeholderText="Filter sliders (e.g. nose width, smile)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.symmetry = QCheckBox("Symmetry lock")
        self.symmetry.setToolTip("Moving a left slider moves its right partner (and back)")
        self.symmetry.toggled.connect(lambda on: setattr(state, "symmetry_lock", on))
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed.setPrefix("seed ")
        self.seed.setToolTip("The seed of the last randomize; type one and press Enter to "
                             "draw the whole face from it")
        self.seed.editingFinished.connect(self._randomize_from_seed_field)
        self.randomize_button = QPushButton("Randomize")
        self.randomize_button.setToolTip("A new face from the next seed (menu: only shape, "
                                         "only skin, one group)")
        self.randomize_button.clicked.connect(lambda: self.randomize("face"))
        menu = QMenu(self)
        for scope, text in (("face", "Whole face"), ("shape", "Only shape"),
                            ("skin", "Only skin")):
            menu.addAction(text, lambda s=scope: self.randomize(s))
        group_menu = menu.addMenu("Only group")
        self.groups = ordered_groups(params)
        for group in self.groups:
            group_menu.addAction(labels.get(group, group_label(group)).replace("&", "&&"),
                                 lambda g=group: self.randomize("group", g))
        more = QToolButton(text="▾", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        more.setMenu(menu)
        more.setToolTip("Randomize only part of the face")
        reset = QPushButton("Reset")
        reset.setToolTip("Every slider back to its default (undoable)")
        reset.clicked.connect(self.reset_face)

        controls = QHBoxLayout()
        controls.addWidget(self.randomize_button)
        controls.addWidget(more)
        controls.addWidget(self.seed, 1)
        controls.addWidget(self.truncation)
        controls.addWidget(reset)
        self.sections = [
            GroupSection(group, [p for p in params if p.group == group], state,
                         lambda g: self.randomize("group", g), title=labels.get(group))
            for group in self.groups
        ]
        self.rows = {row.spec.name: row for section in self.sections for row in section.rows}
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.setSpacing(0)
        for section in self.sections:
            inner_layout.addWidget(section)
        inner_layout.addStretch(1)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addLayout(controls)
        layout.addWidget(self.symmetry)
        layout.addWidget(scroll, 1)
        if self.sections:
            self.sections[0].set_expanded(True)
        state.add_listener(self._on_values_changed)

    def truncation_value(self) -> float:
        """The psi Randomize samples with (1.0 where the box is not shown)."""
        return self.truncation.value() if self._uses_truncation else 1.0

    def section(self, group: str) -> GroupSection:
        return next(s for s in self.sections if s.group == group)

    def randomize(self, scope: str, group: str | None = None) -> None:
        self.state.end_interaction()
        seed = self.state.randomize(scope, group=group)
        with QSignalBlocker(self.seed):
            self.seed.setValue(seed)

    def _randomize_from_seed_field(self) -> None:
        if self.seed.value() != self.state.seed:
            self.state.randomize("face", seed=self.seed.value())

    def reset_face(self) -> None:
        self.state.end_interaction()
        self.state.reset()

    def sync_seed(self) -> None:
        with QSignalBlocker(self.seed):
            self.seed.setValue(self.state.seed)

    def _on_values_changed(self, names: frozenset[str]) -> None:
        for name in names:
            row = self.rows.get(name)
            if row is not None:
                row.refresh()

    def apply_filter(self, text: str) -> None:
        words = text.lower().split()
        for section in self.sections:
            shown = section.apply_filter(words)
            if words:
                section.set_expanded(shown > 0)
        if not words and self.sections:
            for section in self.sections:
                section.set_expanded(section is self.sections[0])

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()


__all__ = ["GroupSection", "ParamRow", "ParameterPanel"]
