"""The prompt panel's "what moved" chart: one horizontal bar per parameter a prompt changes.

pyqtgraph takes about half a second to import, which the first frame does not need: until
``build`` the chart is a label showing the same hint on the same background, and ``build``
(called once the first frame is up, or by the first result with bars) puts the plot there.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

BACKGROUND = (30, 31, 35)
HINT_COLOUR = (150, 152, 160)
HINT = "The parameters a prompt moves appear here"
RAISE, LOWER = (110, 200, 140), (220, 110, 100)  # bar colours


class MovedChart(QWidget):
    """Bars of (parameter, delta), the largest on top; a hint while there are none."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.plot = None  # pyqtgraph PlotWidget once built
        self._hint_item = None
        self._bars = None
        self._hint = QLabel(HINT)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)
        self._hint.setStyleSheet("background-color: rgb{}; color: rgb{};".format(BACKGROUND,
                                                                                 HINT_COLOUR))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self._hint)

    def build(self) -> None:
        """Import pyqtgraph and put the plot in place of the hint label (once)."""
        if self.plot is not None:
            return
        import pyqtgraph as pg  # deferred: half a second, not needed for the first frame

        plot = pg.PlotWidget(background=BACKGROUND)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        self._hint_item = pg.TextItem(HINT, color=HINT_COLOUR, anchor=(0.5, 0.5))
        plot.addItem(self._hint_item)
        self._layout.replaceWidget(self._hint, plot)
        self._hint.deleteLater()
        self.plot = plot
        self._show_hint(True)

    def show_moved(self, moved: Sequence[tuple[str, float]]) -> None:
        """Draw a bar per (name, delta) of ``moved`` (largest first); none: the hint."""
        if self._bars is not None:
            self.plot.removeItem(self._bars)
            self._bars = None
        if not moved:
            if self.plot is not None:
                self._show_hint(True)
            return
        self.build()
        import pyqtgraph as pg

        self._show_hint(False)
        rows = list(range(len(moved) - 1, -1, -1))  # the largest change on top
        widths = [delta for _, delta in moved]
        brushes = [pg.mkBrush(RAISE if d > 0 else LOWER) for d in widths]
        self._bars = pg.BarGraphItem(x0=0, y=rows, height=0.7, width=widths, brushes=brushes)
        self.plot.addItem(self._bars)
        self.plot.getAxis("left").setTicks([[(row, name) for row, (name, _) in zip(rows, moved)]])
        self.plot.setYRange(-0.5, len(moved) - 0.5)
        reach = max(abs(w) for w in widths)
        self.plot.setXRange(-reach * 1.1, reach * 1.1)

    def _show_hint(self, empty: bool) -> None:
        """An empty chart shows a hint instead of bare axes."""
        self._hint_item.setVisible(empty)
        for axis in ("left", "bottom"):
            self.plot.showAxis(axis, show=not empty)
        if empty:
            self.plot.getAxis("left").setTicks([[]])
            self.plot.setXRange(-1, 1)
            self.plot.setYRange(-1, 1)
            self._hint_item.setPos(0, 0)
