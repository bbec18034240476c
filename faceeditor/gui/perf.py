"""The performance overlay: a pyqtgraph plot of the last frames' times.

The frame times are collected from start-up; pyqtgraph (half a second to import) is loaded only
when the plot is first shown.
"""

from __future__ import annotations

import collections
import statistics

import numpy as np
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

HISTORY = 240
BUDGET_MS = 1000.0 / 30.0


class FrameTimePlot(QWidget):
    """Frame time (ms) of the last ``HISTORY`` frames with the 30 fps budget line."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.times: collections.deque[float] = collections.deque(maxlen=HISTORY)
        self.plot = None
        self.setMinimumHeight(120)

    def showEvent(self, event: QShowEvent) -> None:
        if self.plot is None:
            self._build_plot()
        super().showEvent(event)

    def _build_plot(self) -> None:
        import pyqtgraph as pg  # deferred: only needed once the overlay is opened

        self.plot = pg.PlotWidget(background=(30, 31, 35))
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "ms")
        self.plot.setYRange(0, 2 * BUDGET_MS)
        self.plot.setXRange(0, HISTORY)
        self.plot.addLine(y=BUDGET_MS, pen=pg.mkPen((200, 90, 80), style=pg.QtCore.Qt.DashLine))
        self.curve = self.plot.plot(pen=pg.mkPen((110, 200, 140), width=1.5))
        self.plot.setTitle("frame time")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def add(self, milliseconds: float) -> None:
        self.times.append(milliseconds)
        if self.plot is not None and self.isVisible():
            self.curve.setData(np.arange(len(self.times)), np.fromiter(self.times, float))
            median = statistics.median(self.times)
            self.plot.setTitle(f"frame time: median {median:.1f} ms, last {milliseconds:.1f} ms")
