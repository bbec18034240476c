"""Sculpt mode driven with the mouse under Xvfb: a drag on the nose tip moves the nose sliders,
the grabbed point follows the cursor, the rest of the face stays, undo restores exactly."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.sculpt.picking import project  # noqa: E402
from faceeditor.sculpt.regions import region_map  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(autouse=True)
def _needs_a_display(qapp):
    if QGuiApplication.platformName() != "xcb":
        pytest.skip("the viewport needs a display; run under xvfb-run (make test)")


@pytest.fixture
def window(qtbot, model, tmp_path):
    from faceeditor.gui.app import destroy_now, set_surface_format
    from faceeditor.gui.main_window import MainWindow

    set_surface_format()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(model, settings, tmp_path / "data")
    window.ask_unsaved_changes = lambda: pytest.fail("unexpected unsaved-changes prompt")
    qtbot.addWidget(window, before_close_func=lambda w: setattr(w, "_saved_vector",
                                                                 w.state.vector))
    window.viewport.refine_when_idle = False
    window.viewport.adaptive_resolution = False
    window.viewport.use_albedo = False
    window.resize(1280, 800)
    with qtbot.waitExposed(window):
        window.show()
    window.activateWindow()  # window shortcuts (Ctrl+Z, S) need an active window
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.waitUntil(lambda: window.viewport.frames_presented > 1, timeout=20000)
    # the front view, zoomed in on the face as an artist sculpting the nose would
    viewport = window.viewport
    viewport.frame_face("front")
    viewport.set_orbit(viewport.orbit.zoomed(0.55))
    yield window
    import shiboken6

    if shiboken6.isValid(window):
        destroy_now(window)


def screen(window, points: np.ndarray) -> np.ndarray:
    viewport = window.viewport
    return project(viewport.orbit.camera(), points, (viewport.width(), viewport.height()))


def mouse_drag(qtbot, window, start: np.ndarray, offset: tuple[int, int], steps: int = 8):
    viewport = window.viewport
    begin = QPoint(round(start[0]), round(start[1]))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=begin)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, begin + QPoint(offset[0] * i // steps, offset[1] * i // steps))
    end = begin + QPoint(*offset)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    return np.array([end.x(), end.y()], float)


def nose_tip(window) -> int:
    mesh = window.viewport.current_mesh()
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    return int(skin[np.argmax(mesh.vertices[skin, 2])])


def test_dragging_the_nose_tip_up_moves_nose_sliders_and_lands_on_the_cursor(window, qtbot):
    window.sculpt.action.trigger()
    assert window.sculpt.active and window.viewport.tool is window.sculpt
    state = window.state
    before_vector = state.vector
    before = window.viewport.current_mesh().vertices.copy()
    tip = nose_tip(window)
    start = screen(window, before[tip:tip + 1])[0]
    plain = window.viewport.grab_image().astype(int)
    assert window.sculpt.hover(tuple(start)) == "nose"
    assert len(window.sculpt.highlight.faces("region")) > 100
    tinted = window.viewport.grab_image().astype(int) - plain
    changed = np.abs(tinted).max(2) > 10
    assert changed.sum() > 2000  # pixels: the visible nose turns blue, nothing else
    assert tinted[changed, 2].mean() > 10 > -10 > tinted[changed, 0].mean()
    x, y = start.astype(int)
    assert changed[y, x] and not changed[y + 150:, :].any()

    cursor = mouse_drag(qtbot, window, start, (0, -40))

    moved = window.sculpt.last_moved
    assert moved and {state.spec[name].group for name in moved} == {"nose"}
    mesh = window.viewport.current_mesh()
    after = mesh.vertices
    grabbed = window.sculpt.session.last_grab.point
    landed = screen(window, grabbed.positions(after.astype(np.float64), mesh.faces))[0]
    assert np.linalg.norm(landed - cursor) < 2.0, (landed, cursor)
    assert after[tip, 1] - before[tip, 1] > 0.004  # metres: the tip really went up
    regions = region_map(window.model)
    distance = np.linalg.norm(after - before, axis=1)
    for index, name in enumerate(regions.names):
        if name != "nose":
            assert distance[regions.vertex_region == index].max() < 0.0005, name
    # the panel shows what moved
    assert set(window.sculpt.flashing()) == set(moved)
    first = window.panel.rows[moved[0]]
    assert not first.visibleRegion().isEmpty()

    assert state.undo_label.startswith("Sculpt")
    qtbot.keyClick(window.viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(state.vector, before_vector)
    np.testing.assert_array_equal(window.viewport.current_mesh().vertices, before)
    assert not state.can_undo


def test_symmetry_lock_moves_both_sides_equally(window, qtbot):
    window.panel.symmetry.setChecked(True)
    window.sculpt.set_active(True)
    state, regions = window.state, region_map(window.model)
    mesh = window.viewport.current_mesh()
    before = mesh.vertices.copy()
    cheeks = np.flatnonzero((regions.vertex_region == regions.names.index("cheeks"))
                            & (before[:, 0] > 0.03) & regions.skin_vertices)
    middle = before[cheeks].mean(0)  # the middle of the left cheek
    vertex = int(cheeks[np.argmin(np.linalg.norm(before[cheeks] - middle, axis=1))])
    start = screen(window, before[vertex:vertex + 1])[0]
    assert window.sculpt.hover(tuple(start)) == "cheeks"
    mouse_drag(qtbot, window, start, (0, -25))
    moved = window.sculpt.last_moved
    assert moved and {state.spec[n].group for n in moved} == {"cheeks"}
    values = state.values()
    for name in moved:
        partner = state.spec[name].mirror
        if partner:
            assert values[partner] == values[name]
    after = window.viewport.current_mesh().vertices
    mirror = np.argmin(np.linalg.norm(before - before[vertex] * [-1, 1, 1], axis=1))
    left, right = after[vertex] - before[vertex], after[mirror] - before[mirror]
    assert np.linalg.norm(left) > 0.001
    np.testing.assert_allclose(right * [-1, 1, 1], left, atol=2e-4)


def test_pins_hold_their_place_and_beside_the_head_still_orbits(window, qtbot):
    tool = window.sculpt
    tool.set_active(True)
    viewport = window.viewport
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     QPoint(viewport.width() // 2, viewport.height() // 2))
    assert len(tool.session.pins) == 1 and len(tool.highlight.faces("pins"))
    tool.clear_pins()
    assert not len(tool.session.pins) and not len(tool.highlight.faces("pins"))
    yaw = viewport.orbit.yaw
    corner = np.array([5.0, 5.0])
    mouse_drag(qtbot, window, corner, (60, 0))
    assert viewport.orbit.yaw != yaw and not window.state.can_undo


def test_shortcut_toggles_sculpt_mode_and_esc_cancels_a_drag(window, qtbot):
    viewport = window.viewport
    qtbot.keyClick(viewport, Qt.Key.Key_S)
    assert window.sculpt.active and window.sculpt.action.isChecked()
    tip = nose_tip(window)
    start = screen(window, viewport.current_mesh().vertices[tip:tip + 1])[0]
    begin = QPoint(round(start[0]), round(start[1]))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=begin)
    qtbot.mouseMove(viewport, begin + QPoint(0, -20))
    assert window.state.non_default_values().keys() - {"age"}  # the nose follows live
    qtbot.keyClick(viewport, Qt.Key.Key_Escape)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=begin + QPoint(0, -20))
    np.testing.assert_array_equal(window.state.vector,
                                  window.model.spec.defaults.astype(np.float64))
    assert not window.state.can_undo
    qtbot.keyClick(viewport, Qt.Key.Key_S)
    assert not window.sculpt.active and viewport.tool is None


def test_moves_faster_than_frames_solve_once_per_presented_frame(window, qtbot):
    """A move that arrives before the last solve's frame is on screen waits for that frame;
    the solve it then gets aims at the newest cursor."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent

    viewport, tool = window.viewport, window.sculpt
    tool.set_active(True)
    tip = nose_tip(window)
    start = screen(window, viewport.current_mesh().vertices[tip:tip + 1])[0]
    begin = QPoint(round(start[0]), round(start[1]))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=begin)
    targets = []
    drag = tool.session.drag
    tool.session.drag = lambda mesh, pixel, size: targets.append(pixel) or drag(mesh, pixel,
                                                                               size)

    def move(dy: int) -> None:  # straight to the tool: no event processing, no frame
        where = QPointF(begin.x(), begin.y() - dy)
        event = QMouseEvent(QMouseEvent.Type.MouseMove, where, viewport.mapToGlobal(where),
                            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
        assert tool.mouse_move(event)

    move(10)
    after_first = window.state.vector
    move(20)
    move(30)
    assert len(targets) == 1  # the head changed; its frame is not presented yet
    np.testing.assert_array_equal(window.state.vector, after_first)
    viewport.frameSwapped.emit()
    assert [round(y) for _, y in targets] == [begin.y() - 10, begin.y() - 30]
    assert not np.array_equal(window.state.vector, after_first)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=begin - QPoint(0, 30))
