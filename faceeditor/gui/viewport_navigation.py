"""The viewport's camera: named views, framing, the turntable, and mouse/trackpad navigation.

Left drag orbits, middle drag (or Shift + left) pans, the wheel / pinch zooms; a mouse tool
(``Viewport.tool``, the sculpt tool) is offered every mouse event first.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QMouseEvent, QNativeGestureEvent, QWheelEvent

from faceeditor.render.camera import OrbitCamera

ORBIT_DEGREES_PER_PIXEL = 0.4
TURNTABLE_DEGREES_PER_SECOND = 30.0
#: Named views on keys, as (yaw, pitch) in degrees.
NAMED_VIEWS = {"front": (0.0, 0.0), "side": (90.0, 0.0), "three-quarter": (35.0, 5.0)}


class NavigationMixin:
    """Camera methods and mouse events of ``Viewport`` (which owns ``orbit``, ``tool``, the
    drag state, the turntable timer and the ``cameraChanged`` signal)."""

    def set_orbit(self, orbit: OrbitCamera) -> None:
        self.orbit = orbit
        self._framed = True
        self.cameraChanged.emit()
        self.invalidate()

    def frame_face(self, view: str | None = None) -> None:
        """Fit the head in the view, keeping the current direction unless ``view`` is named."""
        yaw, pitch = NAMED_VIEWS[view] if view else (self.orbit.yaw, self.orbit.pitch)
        framed = OrbitCamera.framing("front", self.current_mesh().vertices,
                                     aspect=max(self.width(), 1) / max(self.height(), 1),
                                     margin=1.15)
        self.set_orbit(dataclasses.replace(framed, yaw=yaw, pitch=pitch))

    def show_view(self, view: str) -> None:
        """Look from a named view (front, side, three-quarter) at the current distance."""
        yaw, pitch = NAMED_VIEWS[view]
        self.set_orbit(dataclasses.replace(self.orbit, yaw=yaw, pitch=pitch))

    def _turntable_step(self) -> None:
        now = time.perf_counter()
        elapsed, self._turntable_clock = now - self._turntable_clock, now
        self.set_orbit(self.orbit.orbited(TURNTABLE_DEGREES_PER_SECOND * elapsed, 0.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.tool is not None and self.tool.mouse_press(event):
            event.accept()
            return
        self._drag_origin = event.position()
        self._drag_button = event.button()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._drag_button = Qt.MouseButton.MiddleButton
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_origin is None and self.tool is not None and self.tool.mouse_move(event):
            return
        if self._drag_origin is None:
            return
        delta = event.position() - self._drag_origin
        self._drag_origin = event.position()
        if self._drag_button == Qt.MouseButton.LeftButton:
            self.set_orbit(self.orbit.orbited(-delta.x() * ORBIT_DEGREES_PER_PIXEL,
                                              delta.y() * ORBIT_DEGREES_PER_PIXEL))
        elif self._drag_button in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton):
            scale = 2.0 * np.tan(np.radians(self.orbit.fov_y) / 2.0) / max(self.height(), 1)
            self.set_orbit(self.orbit.panned(-delta.x() * scale, delta.y() * scale))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_origin is None and self.tool is not None and self.tool.mouse_release(event):
            return
        self._drag_origin = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        pixels, angle = event.pixelDelta(), event.angleDelta()
        if not pixels.isNull() and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            # trackpad two-finger scroll with Shift pans
            scale = 2.0 * np.tan(np.radians(self.orbit.fov_y) / 2.0) / max(self.height(), 1)
            self.set_orbit(self.orbit.panned(-pixels.x() * scale, pixels.y() * scale))
        else:
            steps = angle.y() / 120.0 if not angle.isNull() else pixels.y() / 50.0
            self.set_orbit(self.orbit.zoomed(0.9 ** steps))
        event.accept()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.Leave and self.tool is not None:
            self.tool.mouse_leave()
        if isinstance(event, QNativeGestureEvent):
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.set_orbit(self.orbit.zoomed(1.0 / (1.0 + event.value())))
                return True
            if event.gestureType() == Qt.NativeGestureType.RotateNativeGesture:
                self.set_orbit(self.orbit.orbited(event.value(), 0.0))
                return True
        return super().event(event)
