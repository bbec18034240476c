"""Sculpt mode on a FLAME model in the window (issue 18): File > Open Model… with the small
FLAME file of the backend tests, then a mouse drag moves its shape components, the grabbed
point follows the cursor, and one Ctrl+Z restores the head exactly."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.spatial  # noqa: F401 - the real scipy (hair needs it) before flame_dir fakes scipy.sparse

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
from PySide6.QtCore import Qt  # noqa: E402

# fixtures shared with the other GUI tests and the backend tests (imported to register them)
from test_backends import flame_dir  # noqa: E402,F401
from test_gui import _needs_a_display, make_window, model, viewport_pixels  # noqa: E402,F401
from test_gui_backends import changed_pixels, open_flame  # noqa: E402
from test_gui_sculpt import mouse_drag, screen  # noqa: E402


def test_dragging_a_flame_head_moves_its_components_and_undo_restores(make_window, qtbot,
                                                                      flame_dir, look_dir):  # noqa: F811
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    window.viewport.frame_face("front")
    window.sculpt.action.trigger()
    assert window.sculpt.active and window.viewport.tool is window.sculpt
    state = window.state
    before_vector = state.vector
    before = window.viewport.current_mesh().vertices.copy()
    plain = viewport_pixels(window)
    # a vertex on the front of the test sphere, right of the middle (the face's left)
    score = np.hypot(before[:, 0] - 0.05, before[:, 1] - 0.017) - (before[:, 2] > 0)
    vertex = int(np.argmin(score))
    start = screen(window, before[vertex:vertex + 1])[0]

    still = window.viewport.grab_image(antialiased=True).astype(int)  # a subdivided surface
    assert window.sculpt.hover(tuple(start)) == "surface"
    assert len(window.sculpt.highlight.faces("region")) > 0
    tinted = window.viewport.grab_image(antialiased=True).astype(int) - still
    lit = np.argwhere(np.abs(tinted).max(2) > 10)  # (y, x): the neighbourhood lights up
    reach = np.linalg.norm(lit[:, ::-1] - start, axis=1)
    assert len(lit) > 100 and reach.min() < 2 and reach.max() < 120, (reach.min(), reach.max())

    cursor = mouse_drag(qtbot, window, start, (0, -30))

    moved = window.sculpt.last_moved
    assert moved and {state.spec[name].kind for name in moved} == {"shape"}
    mesh = window.viewport.current_mesh()
    grabbed = window.sculpt.session.last_grab.point
    landed = screen(window, grabbed.positions(mesh.vertices.astype(np.float64), mesh.faces))[0]
    assert np.linalg.norm(landed - cursor) < 2.0, (landed, cursor)
    assert mesh.vertices[vertex, 1] - before[vertex, 1] > 0.003  # metres: it went up
    np.testing.assert_allclose(mesh.vertices, window.backend.evaluate_mesh(state.vector).vertices)
    window.sculpt.set_active(False)
    dragged = viewport_pixels(window)
    assert changed_pixels(dragged, plain) > 50, "the drag did not change the picture"
    assert window.picture().save(str(look_dir / "gui_sculpt_flame.png"))

    assert state.undo_label.startswith("Sculpt") and len(state._undo) == 1
    qtbot.keyClick(window.viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(state.vector, before_vector)
    np.testing.assert_array_equal(window.viewport.current_mesh().vertices, before)
    np.testing.assert_array_equal(viewport_pixels(window), plain)
