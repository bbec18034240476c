"""The desktop app with a research backend (issue 7): File > Open Model… loads a FLAME file built
in the real format (tests/test_backends.py), the sliders become FLAME's, the viewport draws
through the backend, Randomize samples with truncation psi, projects keep their model id."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
from PySide6.QtCore import Qt  # noqa: E402

# fixtures shared with the other GUI tests and the backend tests (imported to register them)
from test_backends import albedogan_dir, flame_dir, tiny_generator  # noqa: E402,F401
from test_gui import (  # noqa: E402,F401
    _needs_a_display, drag_slider, make_window, model, viewport_pixels,
)


def open_flame(window, qtbot, path) -> None:
    """What File > Open Model… does once the dialog returned ``path``; waits for the worker."""
    window.open_model_path(path)
    qtbot.waitUntil(lambda: window.backend is not None, timeout=30000)
    settle(window, qtbot)


def settle(window, qtbot) -> None:
    """Wait until the worker's progress bar has gone and the layout (the viewport's size with
    it) has settled."""
    qtbot.waitUntil(lambda: not window.notifications.progress.isVisible(), timeout=5000)
    size = None
    while size != window.viewport.pixel_size():
        size = window.viewport.pixel_size()
        qtbot.wait(100)


def changed_pixels(a: np.ndarray, b: np.ndarray) -> int:
    return int((np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > 30).sum())


def test_open_flame_model_shows_its_sliders_and_draws_through_it(make_window, qtbot, flame_dir):
    window = make_window()
    assert not window.codes_action.isEnabled()
    assert not window.panel.truncation.isVisibleTo(window.panel)
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")

    backend = window.backend
    assert backend.backend_id == "flame" and window.state.spec is backend.spec
    assert [s.group for s in window.panel.sections] == ["flame_shape", "flame_expression",
                                                        "flame_pose", "flame_texture"]
    assert window.panel.section("flame_shape").title == "Shape"
    assert set(window.panel.rows) == {p.name for p in backend.slider_params()}
    assert "shape_019" in window.panel.rows and "shape_020" not in window.panel.rows
    assert window.panel.truncation.isVisibleTo(window.panel)
    assert window.codes_action.isEnabled()
    assert window.windowTitle().startswith("Untitled") and not window.modified

    before = viewport_pixels(window)
    # the red FLAME texture space is on the sphere (the built-in head is skin coloured)
    centre = before[before.shape[0] // 2, before.shape[1] // 2].astype(int)
    assert centre[0] > centre[1] + 40 and centre[0] > centre[2] + 40, centre

    window.panel.section("flame_shape").set_expanded(True)
    drag_slider(qtbot, window.panel.rows["shape_000"].slider, 1.0)
    assert window.state.value("shape_000") == pytest.approx(4.0)
    moved = viewport_pixels(window)
    assert changed_pixels(moved, before) > 50, "the shape slider did not change the head"
    np.testing.assert_allclose(window.viewport.current_mesh().vertices,
                               backend.evaluate_mesh({"shape_000": 4.0}).vertices)

    window.undo_action.trigger()  # the whole drag is one step
    assert window.state.value("shape_000") == 0.0
    assert window.panel.rows["shape_000"].slider.value() == window.panel.rows[
        "shape_000"].to_position(0.0)
    np.testing.assert_array_equal(viewport_pixels(window), before)
    window.redo_action.trigger()
    assert window.state.value("shape_000") == pytest.approx(4.0)


def test_texture_slider_recolours_and_albedo_is_preview_size_only_while_dragging(
        make_window, qtbot, flame_dir, monkeypatch):
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    sizes = []
    evaluate = window.backend.evaluate_albedo

    def spy(vector, albedo_size=None):
        sizes.append(albedo_size)
        return evaluate(vector, albedo_size=albedo_size)

    monkeypatch.setattr(window.backend, "evaluate_albedo", spy)
    monkeypatch.setattr(window.backend, "preview_albedo_size", 8)
    before = viewport_pixels(window)
    slider = window.panel.rows["tex_000"].slider
    slider.setSliderDown(True)
    slider.setSliderPosition(slider.maximum())
    viewport_pixels(window)
    assert sizes[-1] == 8  # dragging: the preview albedo
    slider.setSliderDown(False)
    viewport_pixels(window)
    # released: the full-size albedo comes from a worker (seconds for a GAN on a CPU), so the
    # window never waits for it; it replaces the preview when it arrives
    qtbot.waitUntil(lambda: None in sizes and window.viewport._backend_albedo_size is None
                    and window.viewport._full_albedo_pending is None, timeout=10000)
    assert sizes[-1] is None
    after = viewport_pixels(window)
    centre = after[after.shape[0] // 2, after.shape[1] // 2].astype(int)
    assert centre[1] > before[before.shape[0] // 2, before.shape[1] // 2, 1] + 40, centre


def test_randomize_samples_with_truncation_psi(make_window, qtbot, flame_dir):
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    mean_head = viewport_pixels(window)
    defaults = window.backend.spec.defaults.astype(np.float64)

    qtbot.mouseClick(window.panel.randomize_button, Qt.MouseButton.LeftButton)
    sampled = window.state.values()
    assert window.state.seed == 1
    assert sampled == pytest.approx(window.backend.sample(1, truncation=1.0))
    assert changed_pixels(viewport_pixels(window), mean_head) > 50

    window.panel.truncation.setValue(0.0)
    qtbot.mouseClick(window.panel.randomize_button, Qt.MouseButton.LeftButton)
    assert window.state.seed == 2
    np.testing.assert_array_equal(window.state.vector, defaults)  # psi 0: the mean head
    np.testing.assert_array_equal(viewport_pixels(window), mean_head)

    window.panel.truncation.setValue(0.5)
    window.panel.randomize("face")
    assert window.state.values() == pytest.approx(window.backend.sample(3, truncation=0.5))

    window.undo_action.trigger()
    np.testing.assert_array_equal(window.state.vector, defaults)
    window.undo_action.trigger()
    assert window.state.values() == pytest.approx(sampled)


def test_corrupt_model_file_shows_one_line_error_and_keeps_the_model(make_window, qtbot,
                                                                    tmp_path):
    window = make_window()
    state, panel = window.state, window.panel
    window.panel.section("expression").set_expanded(True)
    drag_slider(qtbot, window.panel.rows["jawOpen"].slider, 0.5)
    settle(window, qtbot)
    before = viewport_pixels(window)
    bad = tmp_path / "generic_model.pkl"
    bad.write_bytes(b"\x80\x04 this is not a pickle")
    window.open_model_path(bad)
    qtbot.waitUntil(lambda: window.notifications.history[-1][0] == "error", timeout=10000)
    settle(window, qtbot)
    message = window.notifications.message.text()
    assert "generic_model.pkl" in message and "\n" not in message
    assert window.backend is None and window.state is state and window.panel is panel
    assert window.state.value("jawOpen") == pytest.approx(0.5)
    np.testing.assert_array_equal(viewport_pixels(window), before)
    window.undo_action.trigger()
    assert window.state.value("jawOpen") == 0.0


def test_projects_store_the_backend_model_id(make_window, qtbot, flame_dir, tmp_path):
    window = make_window()
    embedded_project = tmp_path / "embedded.face"
    assert window.save_to(embedded_project)
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    window.state.set_value("shape_003", 1.25)
    flame_project = tmp_path / "flame.face"
    assert window.save_to(flame_project)
    document = json.loads(flame_project.read_text())
    assert document["model"]["id"] == "flame"
    assert document["parameters"]["shape_003"] == 1.25

    window.state.set_value("shape_003", 0.0)
    assert window.open_path(flame_project)
    assert window.state.value("shape_003") == 1.25
    assert not window.open_path(embedded_project)
    message = window.notifications.message.text()
    assert "anny-head" in message and "flame" in message, message
    assert window.state.value("shape_003") == 1.25


def test_import_deca_codes_is_one_undo_step(make_window, qtbot, flame_dir, tmp_path):
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    codes = tmp_path / "deca"
    codes.mkdir()
    np.save(codes / "shape.npy", np.full(100, 0.5, np.float32))
    np.save(codes / "exp.npy", np.full(50, -0.25, np.float32))
    assert window.import_codes(codes)
    assert window.state.value("shape_000") == 0.5 and window.state.value("exp_000") == -0.25
    window.undo_action.trigger()
    assert window.state.value("shape_000") == 0.0
    assert not window.import_codes(tmp_path / "nothing")  # shows the error, changes nothing
    assert window.notifications.history[-1][0] == "error"


def test_albedogan_w_sliders_recolour_and_psi_zero_is_the_average(make_window, qtbot,
                                                                  albedogan_dir):
    window = make_window()
    open_flame(window, qtbot, albedogan_dir / "albedo_gan.pt")
    assert window.backend.backend_id == "albedogan"
    assert window.panel.section("albedo_w").title == "Albedo (W)"
    assert "w_015" in window.panel.rows and "w_016" not in window.panel.rows
    assert window.viewport.albedo_status == "ready"
    before = viewport_pixels(window)
    mesh = window.viewport.current_mesh().vertices.copy()
    window.state.set_value("w_000", window.backend.spec["w_000"].maximum)
    assert changed_pixels(viewport_pixels(window), before) > 50, "W did not recolour the head"
    np.testing.assert_array_equal(window.viewport.current_mesh().vertices, mesh)

    window.panel.truncation.setValue(0.0)
    window.panel.randomize("face")
    np.testing.assert_array_equal(window.state.vector,
                                  window.backend.spec.defaults.astype(np.float64))
    np.testing.assert_array_equal(viewport_pixels(window), before)


def test_flame_window_screenshot_for_review(make_window, qtbot, flame_dir, look_dir):
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    window.panel.section("flame_shape").set_expanded(True)
    window.state.set_values({"shape_000": 2.0, "tex_000": 0.4, "jaw_rx": 0.3})
    pixels = viewport_pixels(window)  # draws the change (window_picture redraws it antialiased)
    centre = pixels[pixels.shape[0] // 2, pixels.shape[1] // 2].astype(int)
    assert centre[0] > 200 and 60 < centre[1] < 160, centre  # red + 0.4 green: orange
    path = look_dir / "gui_flame.png"
    assert window.picture().save(str(path))
    assert path.stat().st_size > 10_000
