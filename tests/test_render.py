"""Offscreen renderer: read pixels back and check what a camera should see."""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.render import (
    AttributeMismatchError,
    Camera,
    OffscreenRenderer,
    RenderError,
    ShaderError,
    TopologyMismatchError,
    UnknownViewError,
    contact_sheet,
    save_png,
)
from faceeditor.render.geometry import MeshGeometry, SeamSplit
from faceeditor.render.program import load_program

BACKGROUND = (12, 34, 56)
SIZE = 128


def uv_sphere(rings: int = 16, segments: int = 32, scale=(1.0, 1.0, 1.0),
              part_of=None) -> FaceMesh:
    """A UV sphere (ellipsoid with ``scale``) as a ``FaceMesh``.

    Poles are single vertices; the column at longitude 0 is shared by vertices but has two UVs
    (u = 0 and u = 1), so ``face_uvs`` carries a seam. ``part_of(centroid) -> part name`` picks
    each face's part (default: all skin).
    """
    def vertex(i: int, j: int) -> int:
        if i == 0:
            return 0
        if i == rings:
            return 1 + (rings - 1) * segments
        return 1 + (i - 1) * segments + j % segments

    unit = [(0.0, 1.0, 0.0)]
    for i in range(1, rings):
        theta = np.pi * i / rings
        for j in range(segments):
            phi = 2.0 * np.pi * j / segments
            unit.append((np.sin(theta) * np.sin(phi), np.cos(theta), np.sin(theta) * np.cos(phi)))
    unit.append((0.0, -1.0, 0.0))
    unit = np.array(unit)
    uvs = np.array([(j / segments, 1.0 - i / rings)
                    for i in range(rings + 1) for j in range(segments + 1)])
    faces, face_uvs = [], []
    for i in range(rings):
        for j in range(segments):
            a, b, c, d = (i, j), (i, j + 1), (i + 1, j), (i + 1, j + 1)
            corners = ([(a, c, d)] if i != rings - 1 else []) + ([(a, d, b)] if i != 0 else [])
            for tri in corners:
                faces.append([vertex(*k) for k in tri])
                face_uvs.append([k[0] * (segments + 1) + k[1] for k in tri])
    scale = np.asarray(scale, dtype=np.float64)
    vertices = unit * scale
    normals = unit / scale
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    faces = np.array(faces, dtype=np.int32)
    centroids = vertices[faces].mean(axis=1)
    parts = [PART_NAMES.index(part_of(c) if part_of else "skin") for c in centroids]
    return FaceMesh(vertices.astype(np.float32), normals.astype(np.float32), faces,
                    uvs.astype(np.float32), np.array(face_uvs, dtype=np.int32),
                    np.array(parts, dtype=np.uint8))


def covered(image: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels that differ from the background."""
    return np.any(image != np.array(BACKGROUND, dtype=np.uint8), axis=2)


def luminance(pixels: np.ndarray) -> np.ndarray:
    return pixels.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])


@pytest.fixture
def renderer(gl_context):
    with OffscreenRenderer(SIZE, SIZE, samples=4, ctx=gl_context) as instance:
        yield instance


def test_sphere_helper_winds_counter_clockwise_from_outside():
    mesh = uv_sphere()
    corners = mesh.vertices[mesh.faces]
    outward = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    assert np.all(np.einsum("ij,ij->i", outward, corners.mean(axis=1)) > 0)


def test_output_has_requested_size_and_dtype(gl_context):
    with OffscreenRenderer(96, 64, ctx=gl_context) as renderer:
        image = renderer.render(uv_sphere(), "front", background=BACKGROUND)
    assert image.shape == (64, 96, 3)
    assert image.dtype == np.uint8


def test_background_pixels_equal_background_exactly(renderer):
    image = renderer.render(uv_sphere(), "front", background=BACKGROUND)
    mask = covered(image)
    assert 0.2 < mask.mean() < 0.8
    for corner in (image[0, 0], image[0, -1], image[-1, 0], image[-1, -1]):
        assert tuple(corner) == BACKGROUND
    # Everything outside a slightly enlarged disc around the sphere is untouched background.
    ys, xs = np.nonzero(mask)
    cy, cx = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
    radius = (xs.max() - xs.min()) / 2
    yy, xx = np.mgrid[:SIZE, :SIZE]
    outside = (yy - cy) ** 2 + (xx - cx) ** 2 > (radius + 2) ** 2
    assert np.all(image[outside] == np.array(BACKGROUND, dtype=np.uint8))


def test_centre_pixel_is_lit_skin(renderer):
    image = renderer.render(uv_sphere(), "front", background=BACKGROUND)
    r, g, b = (int(c) for c in image[SIZE // 2, SIZE // 2])
    assert (r, g, b) != BACKGROUND
    assert r > g > b, (r, g, b)
    assert 150 <= r <= 255 and 90 <= g <= 210 and 60 <= b <= 180, (r, g, b)


def test_key_light_side_is_brighter_than_shadow_side(renderer):
    # The key light is fixed above and to the left of the camera.
    image = renderer.render(uv_sphere(), "front", background=BACKGROUND)
    mask = covered(image)
    half = SIZE // 2
    lum = luminance(image)
    left = lum[:, :half][mask[:, :half]].mean()
    right = lum[:, half:][mask[:, half:]].mean()
    upper = lum[:half][mask[:half]].mean()
    lower = lum[half:][mask[half:]].mean()
    assert left > right + 10, (left, right)
    assert upper > lower, (upper, lower)


def test_new_vertices_reuse_gpu_buffers(renderer):
    sphere = uv_sphere()
    camera = renderer.camera_for(sphere, "front")
    full = covered(renderer.render(sphere, camera, background=BACKGROUND)).sum()
    geometry = renderer.geometry
    buffers = dict(geometry.buffers, indices=geometry.index_buffer)
    glos = {name: buffer.glo for name, buffer in buffers.items()}
    split = geometry.split

    small = FaceMesh(sphere.vertices * 0.5, sphere.normals, sphere.faces, sphere.uvs,
                     sphere.face_uvs, sphere.face_parts)
    quarter = covered(renderer.render(small, camera, background=BACKGROUND)).sum()

    assert 0.2 < quarter / full < 0.3, (quarter, full)
    assert renderer.geometry is geometry and geometry.split is split
    now = dict(geometry.buffers, indices=geometry.index_buffer)
    assert all(now[name] is buffers[name] for name in buffers)
    assert {name: buffer.glo for name, buffer in now.items()} == glos


def test_position_update_writes_into_existing_buffer(gl_context, monkeypatch):
    sphere = uv_sphere()
    geometry = MeshGeometry(gl_context, sphere)
    try:
        writes = []
        original = type(geometry.position_buffer).write
        monkeypatch.setattr(type(geometry.position_buffer), "write",
                            lambda self, data, **kw: (writes.append(self), original(self, data,
                                                                                    **kw)))
        moved = FaceMesh(sphere.vertices + 1.0, sphere.normals, sphere.faces, sphere.uvs,
                         sphere.face_uvs, sphere.face_parts)
        geometry.update(moved)
        stored = np.frombuffer(geometry.position_buffer.read(), dtype=np.float32).reshape(-1, 3)
        np.testing.assert_allclose(stored, moved.vertices[geometry.split.vertex_index])
        assert geometry.position_buffer in writes and geometry.normal_buffer in writes
    finally:
        geometry.release()


def test_seam_split_reproduces_every_face_corner():
    mesh = uv_sphere(part_of=lambda c: "eyes" if c[1] > 0.5 else "skin")
    split = SeamSplit.from_mesh(mesh)
    np.testing.assert_array_equal(split.vertex_index[split.indices], mesh.faces)
    np.testing.assert_array_equal(split.uv_index[split.indices], mesh.face_uvs)
    np.testing.assert_array_equal(split.part_id[split.indices],
                                  np.repeat(mesh.face_parts[:, None], 3, axis=1))
    # The seam column and the border between parts add GPU vertices; nothing else does.
    assert len(mesh.vertices) < len(split.vertex_index) < len(mesh.faces) * 3


def test_update_with_other_topology_is_rejected(gl_context):
    geometry = MeshGeometry(gl_context, uv_sphere())
    try:
        with pytest.raises(TopologyMismatchError):
            geometry.update(uv_sphere(rings=8))
    finally:
        geometry.release()


def test_renderer_rebuilds_geometry_when_topology_changes(renderer):
    renderer.render(uv_sphere(), "front", background=BACKGROUND)
    image = renderer.render(uv_sphere(rings=8, segments=12), "front", background=BACKGROUND)
    assert covered(image).mean() > 0.2
    assert len(renderer.geometry.split.indices) == len(uv_sphere(rings=8, segments=12).faces)


def test_profile_of_elongated_mesh_differs_from_front(renderer):
    # Long along Z (the face's direction): round from the front, wide from the side.
    mesh = uv_sphere(scale=(0.5, 0.5, 1.5))

    def extent(image):
        ys, xs = np.nonzero(covered(image))
        return (xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1)

    front = renderer.render(mesh, "front", background=BACKGROUND)
    profile = renderer.render(mesh, "profile", background=BACKGROUND)
    assert 0.9 < extent(front) < 1.1
    assert extent(profile) > 2.5


def test_part_colours_follow_face_parts(renderer):
    mesh = uv_sphere(part_of=lambda c: "eyes" if c[1] > 0.6 else "skin")
    camera = Camera(eye=(0.0, 0.0, 4.0))
    image = renderer.render(mesh, camera, background=BACKGROUND)
    ys, _ = np.nonzero(covered(image))
    top = image[ys.min() + 4, SIZE // 2].astype(int)
    centre = image[SIZE // 2, SIZE // 2].astype(int)
    assert top[0] - top[2] < 25, top  # grey-white sclera
    assert centre[0] - centre[2] > 50, centre  # warm skin


def test_inside_of_open_shell_is_lit_like_outside(renderer):
    # Culling is off and back faces get their normal flipped toward the viewer, so the inside
    # of the back half (like the mouth cavity) shades like the outside of the front half.
    sphere = uv_sphere()
    depth = sphere.vertices[sphere.faces].mean(axis=1)[:, 2]
    camera = Camera(eye=(0.0, 0.0, 4.0))
    centres = []
    for keep in (depth < 0, depth > 0):
        shell = FaceMesh(sphere.vertices, sphere.normals, sphere.faces[keep], sphere.uvs,
                         sphere.face_uvs[keep], sphere.face_parts[keep])
        image = renderer.render(shell, camera, background=BACKGROUND)
        centres.append(image[SIZE // 2, SIZE // 2].astype(int))
    inside, outside = centres
    assert tuple(inside) != BACKGROUND
    assert np.abs(inside - outside).max() <= 3, (inside, outside)


def test_albedo_map_colours_skin(renderer):
    renderer.set_albedo_map(np.full((8, 8, 3), (30, 60, 220), dtype=np.uint8))
    tinted = renderer.render(uv_sphere(), "front", background=BACKGROUND)[SIZE // 2, SIZE // 2]
    renderer.set_albedo_map(None)
    plain = renderer.render(uv_sphere(), "front", background=BACKGROUND)[SIZE // 2, SIZE // 2]
    assert tinted[2] > tinted[0] and plain[0] > plain[2], (tinted, plain)


def test_torch_vertices_render_like_numpy(renderer):
    torch = pytest.importorskip("torch")
    sphere = uv_sphere()
    expected = renderer.render(sphere, "three-quarter", background=BACKGROUND)
    tensors = FaceMesh(torch.tensor(sphere.vertices, requires_grad=True),
                       torch.tensor(sphere.normals), sphere.faces, sphere.uvs, sphere.face_uvs,
                       sphere.face_parts)
    np.testing.assert_array_equal(
        renderer.render(tensors, "three-quarter", background=BACKGROUND), expected)


def test_no_gl_error_after_rendering_every_view(renderer, gl_context):
    for view in ("front", "three-quarter", "profile", "back"):
        renderer.render(uv_sphere(), view, background=BACKGROUND)
    assert gl_context.error == "GL_NO_ERROR"


def test_attribute_mismatch_names_program_and_geometry(gl_context):
    program = gl_context.program(
        vertex_shader="#version 330 core\nin vec3 in_position; in vec4 in_color; out vec4 c;\n"
                      "void main() { c = in_color; gl_Position = vec4(in_position, 1.0); }",
        fragment_shader="#version 330 core\nin vec4 c; out vec4 f;\nvoid main() { f = c; }",
    )
    geometry = MeshGeometry(gl_context, uv_sphere())
    try:
        with pytest.raises(AttributeMismatchError, match="in_color") as info:
            geometry.vertex_array(gl_context, program, "vertex_colour")
        assert "vertex_colour" in str(info.value) and "MeshGeometry" in str(info.value)
    finally:
        geometry.release()
        program.release()


def test_attribute_type_mismatch_is_reported(gl_context):
    program = gl_context.program(
        vertex_shader="#version 330 core\nin vec2 in_normal; in vec3 in_position;\n"
                      "void main() { gl_Position = vec4(in_position + in_normal.xyy, 1.0); }",
        fragment_shader="#version 330 core\nout vec4 f;\nvoid main() { f = vec4(1.0); }",
    )
    geometry = MeshGeometry(gl_context, uv_sphere())
    try:
        with pytest.raises(AttributeMismatchError, match="in_normal.*'3f'"):
            geometry.vertex_array(gl_context, program, "flat")
    finally:
        geometry.release()
        program.release()


def test_missing_shader_file_raises(gl_context):
    with pytest.raises(ShaderError, match="no_such_shader"):
        load_program(gl_context, "no_such_shader")


def test_invalid_arguments_raise(renderer):
    with pytest.raises(UnknownViewError, match="side"):
        renderer.render(uv_sphere(), "side")
    with pytest.raises(ValueError, match="background"):
        renderer.render(uv_sphere(), "front", background=(0.2, 0.2, 0.2))


def _current_egl_context() -> int | None:
    egl = ctypes.CDLL(ctypes.util.find_library("EGL"))
    egl.eglGetCurrentContext.restype = ctypes.c_void_p
    return egl.eglGetCurrentContext()


def test_owned_context_is_current_only_while_working():
    # Qt's GLX context cannot be made current while an EGL context is (libglvnd).
    assert not _current_egl_context()
    with OffscreenRenderer(32, 32, samples=0) as renderer:
        assert not _current_egl_context()
        image = renderer.render(uv_sphere(), "front", background=BACKGROUND)
        assert not _current_egl_context()
        with renderer.ctx:
            assert renderer.ctx.error == "GL_NO_ERROR"
    assert covered(image).any()
    assert not _current_egl_context()
    with pytest.raises(RenderError, match="closed"):
        renderer.render(uv_sphere())


def test_borrowed_context_stays_current_and_usable():
    import moderngl

    ctx = moderngl.create_standalone_context(backend="egl")  # fresh: no framebuffer bound yet
    try:
        with ctx:
            renderer = OffscreenRenderer(32, 32, ctx=ctx)
            renderer.render(uv_sphere(), "front", background=BACKGROUND)
            renderer.close()
            assert _current_egl_context()
            # Nothing released is left bound: creating a framebuffer rebinds the bound one.
            ctx.simple_framebuffer((2, 2)).release()
            assert ctx.error == "GL_NO_ERROR"
    finally:
        ctx.release()


def test_renderer_copes_with_a_framebuffer_released_while_bound():
    import moderngl

    ctx = moderngl.create_standalone_context(backend="egl")
    try:
        with ctx:
            stale = ctx.simple_framebuffer((2, 2))
            stale.use()
            stale.release()
            with OffscreenRenderer(32, 32, ctx=ctx) as renderer:
                image = renderer.render(uv_sphere(), "front", background=BACKGROUND)
            assert covered(image).any()
            assert ctx.error == "GL_NO_ERROR"
    finally:
        ctx.release()


def test_camera_matrices():
    camera = Camera(eye=(0.0, 0.0, 5.0), near=1.0, far=10.0)
    view = camera.view_matrix()
    assert view.dtype == np.float32
    np.testing.assert_allclose(view @ [0, 0, 5, 1], [0, 0, 0, 1], atol=1e-6)
    np.testing.assert_allclose(view @ [0, 0, 0, 1], [0, 0, -5, 1], atol=1e-6)
    clip = camera.projection_matrix(1.0) @ [0, 0, -1.0, 1.0]
    assert clip[2] / clip[3] == pytest.approx(-1.0)
    profile = Camera.framing("profile", uv_sphere().vertices)
    assert profile.eye[0] > 1.0 and abs(profile.eye[2]) < 1e-6


def test_contact_sheet_and_atomic_png(tmp_path):
    images = [np.full((10, 20, 3), value, dtype=np.uint8) for value in (0, 100, 200)]
    sheet = contact_sheet(images, columns=2, labels=["a", "b", "c"])
    assert sheet.dtype == np.uint8 and sheet.ndim == 3
    assert sheet.shape[1] > 40 and sheet.shape[0] > 20
    path = tmp_path / "sheet.png"
    save_png(path, sheet)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), sheet)
    assert os.listdir(tmp_path) == ["sheet.png"]
    with pytest.raises(ValueError, match="labels"):
        contact_sheet(images, columns=2, labels=["a"])


_TRITON_AFTER_GL = """
import moderngl, numpy as np
from faceeditor.render.llvm_guard import load_triton_first
load_triton_first()
ctx = moderngl.create_standalone_context(backend="egl")
program = ctx.program(vertex_shader="#version 330\\nin vec2 p; void main() { gl_Position = vec4(p, 0, 1); }",
                      fragment_shader="#version 330\\nout vec4 c; void main() { c = vec4(1); }")
framebuffer = ctx.simple_framebuffer((16, 16))
framebuffer.use()
vao = ctx.vertex_array(program, [(ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], "f4")), "2f", "p")])
vao.render()
import triton
vao.render()
print(np.frombuffer(framebuffer.read(), np.uint8).min(), "drawn after import triton")
"""


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="triton not installed")
def test_triton_imported_after_drawing_does_not_crash_once_the_guard_ran():
    # without the guard, importing triton after llvmpipe drew kills the process (SIGSEGV)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    result = subprocess.run([sys.executable, "-c", _TRITON_AFTER_GL], capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "255 drawn after import triton" in result.stdout
