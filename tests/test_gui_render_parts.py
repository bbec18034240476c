"""The render parts the viewport added (no Qt): orbit camera, view modes, lighting presets,
wireframe, drawing into a given framebuffer, a borrowed albedo texture, reduced-size drawing."""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.render.camera import OrbitCamera
from faceeditor.render.offscreen import OffscreenRenderer
from faceeditor.render.scaled import ScaledTarget
from faceeditor.render.shading import LIGHTING_PRESETS, VIEW_MODES

SIZE = 96
BACKGROUND = (10, 20, 30)


@pytest.fixture(scope="module")
def mesh():
    return load_default_model().evaluate()


@pytest.fixture
def renderer(gl_context):
    with OffscreenRenderer(SIZE, SIZE, samples=0, ctx=gl_context) as renderer:
        yield renderer


def front(mesh) -> OrbitCamera:
    return OrbitCamera.framing("front", mesh.vertices)


def test_orbit_camera_moves_and_round_trips_through_json(mesh):
    orbit = front(mesh)
    assert orbit.yaw == pytest.approx(0.0) and orbit.pitch == pytest.approx(0.0)
    side = orbit.orbited(90.0, 0.0)
    eye = np.subtract(side.camera().eye, side.target)
    assert eye[0] == pytest.approx(side.distance) and abs(eye[2]) < 1e-6  # looking from +X
    assert orbit.orbited(0.0, 500.0).pitch == 89.0
    assert orbit.zoomed(0.5).distance == pytest.approx(orbit.distance / 2)
    moved = orbit.panned(0.1, 0.0)
    assert moved.target[0] == pytest.approx(orbit.target[0] + 0.1 * orbit.distance)
    assert OrbitCamera.from_json(moved.to_json()) == moved
    with pytest.raises(ValueError):
        OrbitCamera.from_json({"yaw": 0})


def test_view_modes_and_presets_change_the_image(renderer, mesh):
    camera = front(mesh).camera()
    images = {}
    for mode in VIEW_MODES:
        renderer.set_view_mode(mode)
        images[mode] = renderer.render(mesh, camera, BACKGROUND).astype(int)
    renderer.set_view_mode("shaded")
    for name, lighting in LIGHTING_PRESETS.items():
        renderer.set_lighting(lighting)
        images[name] = renderer.render(mesh, camera, BACKGROUND).astype(int)
    centre = (slice(SIZE // 3, 2 * SIZE // 3),) * 2
    names = list(images)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            # the same pictures by design: studio is the default lighting of "shaded", and
            # flat lighting (uniform ambient of 1) shows the albedo unchanged
            if {a, b} not in ({"shaded", "studio"}, {"albedo", "flat"}):
                assert np.abs(images[a][centre] - images[b][centre]).mean() > 2, (a, b)
    normals = images["normals"][SIZE // 2, SIZE // 2]
    assert normals[2] > normals[0] and normals[2] > normals[1], "a front normal is blue"
    with pytest.raises(ValueError, match="unknown view mode"):
        renderer.set_view_mode("xray")


def test_wireframe_darkens_edges_but_keeps_the_background(renderer, mesh):
    camera = front(mesh).camera()
    plain = renderer.render(mesh, camera, BACKGROUND).astype(int)
    renderer.wireframe = True
    wired = renderer.render(mesh, camera, BACKGROUND).astype(int)
    background = (plain == BACKGROUND).all(axis=2)
    assert (wired[background] == BACKGROUND).all(axis=1).mean() > 0.97  # lines hug the outline
    assert wired.sum() < plain.sum()


def test_draw_into_a_framebuffer_matches_render(gl_context, renderer, mesh):
    camera = front(mesh).camera()
    expected = renderer.render(mesh, camera, BACKGROUND)
    target = gl_context.simple_framebuffer((SIZE, SIZE))
    try:
        renderer.draw_into(target, mesh, camera, BACKGROUND)
        pixels = np.frombuffer(target.read(components=3), np.uint8).reshape(SIZE, SIZE, 3)
    finally:
        gl_context.detect_framebuffer(0).use()
        target.release()
    np.testing.assert_array_equal(pixels[::-1], expected)


def test_borrowed_albedo_texture_colours_the_face_and_stays_alive(gl_context, renderer, mesh):
    camera = front(mesh).camera()
    flat = renderer.render(mesh, camera, BACKGROUND).astype(int)
    green = np.zeros((4, 4, 3), np.uint8)
    green[..., 1] = 200
    texture = gl_context.texture((4, 4), 3, green.tobytes())
    try:
        renderer.set_albedo_texture(texture)
        tinted = renderer.render(mesh, camera, BACKGROUND).astype(int)
        centre = tinted[SIZE // 2, SIZE // 2]
        assert centre[1] > centre[0] and centre[1] > centre[2]
        renderer.set_albedo_texture(None)
        np.testing.assert_array_equal(renderer.render(mesh, camera, BACKGROUND), flat)
        assert not isinstance(texture.mglo, moderngl.InvalidObject), "freed a borrowed texture"
    finally:
        texture.release()


def test_scaled_target_stretches_a_smaller_drawing_over_the_output(gl_context, renderer, mesh):
    camera = front(mesh).camera()
    full = renderer.render(mesh, camera, BACKGROUND).astype(int)
    scaled = ScaledTarget(gl_context)
    output = gl_context.simple_framebuffer((SIZE, SIZE))
    try:
        small = scaled.target(SIZE // 2, SIZE // 2)
        assert small.size == (SIZE // 2, SIZE // 2)
        renderer.draw_into(small, mesh, camera, BACKGROUND)
        scaled.stretch_onto(output)
        pixels = np.frombuffer(output.read(components=3), np.uint8).reshape(SIZE, SIZE, 3)
        pixels = pixels[::-1].astype(int)
    finally:
        gl_context.detect_framebuffer(0).use()
        output.release()
        scaled.release()
    assert np.abs(pixels - full).mean() < 12, "the stretched half-size drawing is the same view"
    assert (pixels[0, 0] == BACKGROUND).all()


def test_an_unchanged_mesh_is_not_uploaded_again(renderer, mesh, monkeypatch):
    camera = front(mesh).camera()
    renderer.render(mesh, camera)
    writes = []
    monkeypatch.setattr(type(renderer.geometry), "update", lambda self, m, *surface: writes.append(m))
    renderer.render(mesh, camera)
    assert writes == []
    moved = dataclasses.replace(mesh, vertices=mesh.vertices + 0.001)
    renderer.render(moved, camera)
    assert writes == [moved]
