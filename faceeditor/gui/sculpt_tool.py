"""Sculpt mode of the viewport: grab the face and pull; the sliders follow.

A thin Qt layer over ``faceeditor.sculpt.SculptSession``: the tool receives the viewport's
mouse events first (``Viewport.tool``) while Sculpt mode is on. Hovering highlights the region
under the cursor; a left drag on the head sculpts it (one undo step); a left drag beside the
head, Shift+drag and the middle button still orbit and pan; Ctrl+click pins a point (again
unpins it); Esc abandons a drag. On release the slider panel scrolls to the sliders the drag
moved and flashes them, so the artist learns which slider does what. On a FLAME model
(``FlameSculptSession``) the same gestures move its components around the grabbed point.

A drag solves at most once per presented frame: moves that arrive before the frame of the last
solve is on screen only update the cursor, which the next solve (when that frame is presented,
or on release) uses.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, QPoint, Qt, QVariantAnimation
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QToolBar

from faceeditor.gui.sculpt_overlay import HighlightPass, faces_near
from faceeditor.sculpt.flame import session_for
from faceeditor.sculpt.session import SculptSession

log = logging.getLogger(__name__)

#: Radius (metres) of the marks drawn at pins and at the grabbed point.
MARK_RADIUS = 0.0025
#: How long a moved slider row glows after a drag, in milliseconds.
FLASH_MS = 1600
FLASH_RGB = (255, 196, 40)


class SculptTool(QObject):
    """Sculpt mode for ``window`` (a ``MainWindow``): its viewport, state, panel, status bar."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.active = False
        self.session: SculptSession | None = None
        self.highlight: HighlightPass | None = None  # made with the viewport's renderer
        self.hover_region: str | None = None
        self.last_moved: list[str] = []  # sliders the last drag moved (spec order)
        self._cursor = None  # (x, y) of the last drag event
        self._frame_pending = False  # a solve changed the head; its frame is not presented yet
        self._move_pending = False  # the cursor moved since that solve
        window.viewport.frameSwapped.connect(self._on_frame_presented)
        self._flashes: dict[str, QVariantAnimation] = {}
        self._unsupported_told = False
        self._expressions = False  # Expression mode (kept across sessions)

    # ----------------------------------------------------------------- mode
    @property
    def viewport(self):
        return self.window.viewport

    def set_active(self, on: bool) -> None:
        """Turn Sculpt mode on or off (off abandons a drag and clears the highlight)."""
        on = bool(on)
        if not on and self.session is not None and self.session.dragging:
            self.session.cancel()
        self.active = on
        self.viewport.tool = self if on else None
        self._attach_pass()
        self.viewport.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        if not on:
            self.hover_region = None
            self._set_layer("region", None)
            self._set_layer("grab", None)
        self._show_pins()
        action = getattr(self, "action", None)
        if action is not None and action.isChecked() != on:
            action.setChecked(on)

    def set_expressions(self, on: bool) -> None:
        """Expression mode: drags move the ARKit (FLAME: expression) components instead of
        the shape."""
        self._expressions = bool(on)
        session = self._session()
        if session is not None:
            session.expressions = self._expressions

    def clear_pins(self) -> None:
        session = self._session()
        if session is not None:
            session.clear_pins()
        self._show_pins()

    def _session(self) -> SculptSession | None:
        """The session of the window's current state (a new state starts a new session);
        None for a model that cannot be sculpted."""
        state = self.window.state
        if self.session is None or self.session.state is not state:
            self.session = session_for(state)
            if self.session is not None:
                self.session.expressions = self._expressions
        return self.session

    def _supported(self) -> bool:
        if self._session() is not None:
            return True
        if not self._unsupported_told:
            self._unsupported_told = True
            self.window.notifications.info("Sculpt works on the embedded head and FLAME "
                                           "models; use the sliders for this one")
        return False

    # ----------------------------------------------------------------- geometry helpers
    def _view(self):
        """(mesh, camera, size) of what the viewport shows now."""
        viewport = self.viewport
        return (viewport.current_mesh(), viewport.orbit.camera(),
                (max(viewport.width(), 1), max(viewport.height(), 1)))

    # ----------------------------------------------------------------- mouse
    def mouse_press(self, event: QMouseEvent) -> bool:
        if not self.active or event.button() != Qt.MouseButton.LeftButton:
            return False
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ShiftModifier or not self._supported():
            return False
        session = self._session()
        mesh, camera, size = self._view()
        pixel = (event.position().x(), event.position().y())
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            hit = session.hit(mesh, camera, pixel, size)
            if hit is None:
                return False
            added = session.toggle_pin(hit, mesh)
            self._show_pins()
            region = session.region_label(session.region_at(hit)).lower()
            self._status(f"Pinned a point of the {region}" if added else "Removed the pin")
            return True
        if not session.grab(mesh, camera, pixel, size):
            return False  # beside the head: the viewport orbits
        self._cursor = pixel
        grab = session.grab_state
        # while dragging, the region tint would hide the change of form: only the point shows
        self.hover_region = None
        self._set_layer("region", None)
        self._set_layer("grab", faces_near(mesh.vertices, mesh.faces, grab.anchor[None],
                                           MARK_RADIUS))
        self.viewport.setCursor(Qt.CursorShape.ClosedHandCursor)
        self._status(f"Sculpting the {session.region_label(grab.region).lower()} with "
                     f"{len(grab.free)} sliders · Esc cancels")
        return True

    def mouse_move(self, event: QMouseEvent) -> bool:
        if not self.active:
            return False
        session = self._session()
        if session is None:
            return False
        pixel = (event.position().x(), event.position().y())
        if session.dragging:
            self._cursor = pixel
            if self._frame_pending:
                self._move_pending = True  # solved when the last solve's frame is shown
            else:
                self._drag_step()
            return True
        if event.buttons() == Qt.MouseButton.NoButton:
            self.hover(pixel)
        return False

    def _drag_step(self) -> None:
        """Solve the drag toward the last cursor position."""
        self._move_pending = False
        mesh, _, size = self._view()
        self._frame_pending = bool(self.session.drag(mesh, self._cursor, size))

    def _on_frame_presented(self) -> None:
        self._frame_pending = False
        if self._move_pending and self.session is not None and self.session.dragging:
            self._drag_step()

    def mouse_release(self, event: QMouseEvent) -> bool:
        session = self.session
        if session is None or not session.dragging:
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return True
        self.finish_drag()
        return True

    def mouse_leave(self) -> None:
        """The cursor left the viewport: no region is under it any more."""
        if self.session is not None and not self.session.dragging and self.hover_region:
            self.hover_region = None
            self._set_layer("region", None)

    def finish_drag(self) -> list[str]:
        """Settle the grabbed point on the cursor, close the undo step and show the sliders
        that moved."""
        session = self._session()
        self._frame_pending = self._move_pending = False
        mesh, _, size = self._view()
        session.settle(mesh, self._cursor, size)
        moved = session.release()
        self.last_moved = moved
        self._set_layer("grab", None)
        self.hover(self._cursor)
        if moved:
            self.reveal(moved)
            labels = ", ".join(self.window.state.spec[n].label for n in moved[:4])
            more = f" and {len(moved) - 4} more" if len(moved) > 4 else ""
            self._status(f"Moved {labels}{more} · Ctrl+Z undoes the drag")
        return moved

    def cancel_drag(self) -> None:
        """Esc: abandon the drag in progress (the sliders go back)."""
        if self.session is not None and self.session.dragging:
            self._frame_pending = self._move_pending = False
            self.session.cancel()
            self._set_layer("grab", None)
            self.viewport.setCursor(Qt.CursorShape.CrossCursor)
            self._status("Sculpt cancelled")

    def hover(self, pixel) -> str | None:
        """Highlight the region under ``pixel`` (what a drag there sculpts); returns its name
        (None off the head)."""
        session = self._session()
        if session is None:
            return None
        mesh, camera, size = self._view()
        hit = session.hit(mesh, camera, pixel, size)
        region = None if hit is None else session.region_at(hit)
        # FLAME's neighbourhood follows the cursor: it changes within one region's name
        faces = None if hit is None else session.highlight(hit, mesh)
        if region != self.hover_region or faces is not None:
            self._set_layer("region", faces)
        if region != self.hover_region:
            self.hover_region = region
            self.viewport.setCursor(Qt.CursorShape.OpenHandCursor if region else
                                    Qt.CursorShape.CrossCursor)
            if region is not None:
                self._status(f"{session.region_label(region)} · drag to sculpt · Ctrl+click "
                             "pins")
        return region

    # ----------------------------------------------------------------- drawing
    def _attach_pass(self) -> HighlightPass | None:
        renderer = self.viewport.renderer
        if renderer is None:
            return None  # not shown yet: nothing to highlight on
        if self.highlight is None or self.highlight.renderer is not renderer:
            self.highlight = HighlightPass(renderer)
            renderer.add_pass(self.highlight)
            # first of the passes: the face's textures are still bound, and hair drawn after it
            # covers the highlight where it should
            renderer.passes.insert(0, renderer.passes.pop())
        return self.highlight

    def _set_layer(self, layer: str, faces) -> None:
        highlight = self._attach_pass()
        if highlight is not None and highlight.set_faces(layer, faces):
            self.viewport.invalidate()

    def _show_pins(self) -> None:
        session = self.session
        if session is None or not len(session.pins) or not self.active:
            self._set_layer("pins", None)
            return
        mesh = self.viewport.current_mesh()
        positions = session.pins.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)
        self._set_layer("pins", faces_near(mesh.vertices, mesh.faces, positions, MARK_RADIUS))

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 4000)

    # ----------------------------------------------------------------- slider feedback
    def reveal(self, names: list[str]) -> None:
        """Scroll the slider panel to the first of ``names`` and flash every one of them."""
        panel = self.window.panel
        rows = [panel.rows[n] for n in names if n in panel.rows]
        if not rows:
            return
        if any(row.isHidden() for row in rows) and panel.search.text():
            panel.search.clear()  # a filter hides them: show every slider again
        for section in panel.sections:
            if any(row in section.rows for row in rows):
                section.set_expanded(True)
        inner = panel.scroll.widget()
        inner.adjustSize()
        # the first moved slider near the top, its section's others below it
        top = rows[0].mapTo(inner, QPoint(0, 0)).y()
        panel.scroll.verticalScrollBar().setValue(max(top - 2 * rows[0].height(), 0))
        for row in rows:
            self._flash(row)

    def _flash(self, row) -> None:
        name = row.spec.name
        if name in self._flashes:
            self._flashes.pop(name).stop()
        row.setObjectName("sculptFlash")
        row.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        animation = QVariantAnimation(self, startValue=170, endValue=0, duration=FLASH_MS)

        def paint(alpha) -> None:
            r, g, b = FLASH_RGB
            row.setStyleSheet(f"#sculptFlash {{ background-color: rgba({r}, {g}, {b}, "
                              f"{int(alpha)}); border-radius: 3px; }}")

        def done() -> None:
            row.setStyleSheet("")
            row.setProperty("sculptFlash", False)
            self._flashes.pop(name, None)

        animation.valueChanged.connect(paint)
        animation.finished.connect(done)
        row.setProperty("sculptFlash", True)
        paint(170)
        self._flashes[name] = animation
        animation.start()

    def flashing(self) -> list[str]:
        """Names of the slider rows glowing now."""
        return list(self._flashes)


def install_sculpt(window) -> SculptTool:
    """Add Sculpt mode to ``window``: a Sculpt toolbar and menu (mode S, expressions Shift+E,
    clear pins, Esc cancels a drag)."""
    tool = SculptTool(window)
    toolbar = QToolBar("Sculpt", window)
    toolbar.setObjectName("toolbar_sculpt")
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    menu = window.menuBar().addMenu("S&culpt")
    help_menu = next((a for a in window.menuBar().actions() if a.text() == "&Help"), None)
    if help_menu is not None:
        window.menuBar().insertMenu(help_menu, menu)
    tool.action = window._action(
        menu, "&Sculpt Mode", tool.set_active, "S",
        "Grab the face and pull: the region's sliders follow (Ctrl+click pins a point)",
        checkable=True)
    tool.expression_action = window._action(
        menu, "&Expression Mode", tool.set_expressions, "Shift+E",
        "Sculpt drags move the ARKit expressions instead of the shape", checkable=True)
    tool.clear_pins_action = window._action(menu, "&Clear Pins", tool.clear_pins,
                                            tip="Remove every pin")
    window._action(menu, "Cancel &Drag", tool.cancel_drag, "Esc",
                   "Abandon the sculpt drag in progress")
    for action in (tool.action, tool.expression_action, tool.clear_pins_action):
        toolbar.addAction(action)
    return tool


__all__ = ["SculptTool", "install_sculpt"]
