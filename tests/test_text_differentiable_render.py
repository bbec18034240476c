"""The differentiable torch renderer used by CLIP optimisation (faceeditor.render.differentiable)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.render import OffscreenRenderer  # noqa: E402
from faceeditor.render import differentiable as dr  # noqa: E402
from faceeditor.render.camera import Camera  # noqa: E402

SIZE = 96


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def _torch_head(model, **values):
    vector = torch.tensor(model.spec.vector(values), requires_grad=True)
    mesh = model.evaluate(vector)
    camera = Camera.framing("front", mesh.vertices.detach().numpy(), aspect=1.0)
    return vector, mesh, camera


def test_gradients_reach_the_parameters(model):
    # (bipolar sliders are evaluated off 0: at exactly 0 the model's x * (x > 0) has a zero
    # subgradient, which ``clip.optimise`` works around with a small nudge)
    vector, mesh, camera = _torch_head(model, jawOpen=0.3, mouthSmileLeft=0.5,
                                       nose_scale_horiz=0.1)
    image = dr.render(mesh, camera, SIZE, SIZE)
    # a fixed random weighting of every pixel: anything that changes the shading counts
    weights = torch.rand(image.shape, generator=torch.Generator().manual_seed(0))
    (image * weights).sum().backward()
    grad = vector.grad.numpy()
    spec = model.spec
    assert np.isfinite(grad).all()
    for name in ("jawOpen", "mouthSmileLeft", "age", "nose_scale_horiz"):
        assert grad[spec[name].index] != 0.0, name


def test_image_is_framed_and_coloured_like_the_opengl_render(model, gl_context):
    values = {"mouthSmileLeft": 0.8, "mouthSmileRight": 0.8}
    _, mesh, camera = _torch_head(model, **values)
    image = dr.render(mesh, camera, SIZE, SIZE).detach().numpy()
    assert image.shape == (SIZE, SIZE, 3)
    assert 0.0 <= image.min() and image.max() <= 1.0
    background = np.asarray(dr.DEFAULT_BACKGROUND)
    ours = np.abs(image - background).sum(axis=-1) > 1e-6
    with OffscreenRenderer(SIZE, SIZE, ctx=gl_context) as renderer:
        gl = renderer.render(model.evaluate(values), camera)
    theirs = np.abs(gl.astype(int) - gl[0, 0].astype(int)).sum(axis=-1) > 0
    iou = (ours & theirs).sum() / (ours | theirs).sum()
    assert iou > 0.95
    # skin is skin-coloured (red over blue) where both cover the face centre
    centre = image[SIZE // 2 - 5:SIZE // 2 + 5, SIZE // 2 - 5:SIZE // 2 + 5]
    assert (centre[..., 0] > centre[..., 2]).all()


def test_nearest_surface_wins(model):
    """The nose is in front of the cheeks: the centre pixel shows a skin triangle near the
    nose tip, not one behind it."""
    _, mesh, camera = _torch_head(model)
    screen = dr.project(mesh.vertices.detach(), camera, SIZE, SIZE)
    raster = dr.rasterize(screen, mesh.faces, SIZE, SIZE)
    vertices = mesh.vertices.detach().numpy()
    face_z = vertices[mesh.faces].mean(axis=1)[:, 2]
    seen = raster.faces.numpy()
    # every seen triangle is among the front-most at its pixel: compare with a brute force
    # z-buffer over a few pixels
    pixels = raster.pixels.numpy()
    rng = np.random.default_rng(0)
    for index in rng.choice(len(pixels), size=20, replace=False):
        pixel = pixels[index]
        column, row = pixel % SIZE + 0.5, pixel // SIZE + 0.5
        tri = screen.numpy()[mesh.faces]
        weights = dr.barycentric(torch.tensor(tri[:, :, :2]),
                                 torch.tensor([column, row]).expand(len(tri), 2)).numpy()
        inside = (weights >= -1e-6).all(axis=1)
        ab, ac = tri[:, 1, :2] - tri[:, 0, :2], tri[:, 2, :2] - tri[:, 0, :2]
        area = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]
        candidates = np.flatnonzero(inside & (area < 0))
        depth = (weights[candidates] * tri[candidates, :, 2]).sum(axis=1)
        assert face_z[seen[index]] >= face_z[candidates[np.argmin(depth)]] - 1e-3
    assert raster.coverage().sum() == len(pixels)
