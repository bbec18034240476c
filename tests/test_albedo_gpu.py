"""The GLSL albedo path draws the same texture as the numpy export path (read back pixels)."""

import numpy as np
import pytest

from faceeditor.albedo.generator import albedo
from faceeditor.model import load_default_model
from faceeditor.model.prior import sample

SIZE = 512


@pytest.fixture(scope="module")
def gpu():
    from faceeditor.albedo.gpu import GpuAlbedo

    with GpuAlbedo(SIZE) as drawer:
        assert drawer.ctx.error == "GL_NO_ERROR"
        yield drawer
        assert drawer.ctx.error == "GL_NO_ERROR"


@pytest.mark.parametrize("seed", [2, 7])
def test_glsl_and_numpy_paths_agree_at_512(gpu, seed):
    params = sample(load_default_model(), seed)
    params.update(freckles=0.6, moles=0.8, lipstick_opacity=0.5, eyeliner_opacity=0.7,
                  beard_shadow=0.5)
    gpu.draw(params)
    on_gpu = gpu.read().astype(np.int16)
    on_cpu = albedo(params, SIZE).astype(np.int16)
    difference = np.abs(on_gpu - on_cpu)
    assert difference.mean() <= 2.0
    assert np.percentile(difference, 99.9) <= 3


def test_a_slider_change_shows_in_the_next_draw(gpu):
    gpu.draw({"skin_melanin": 0.1})
    light = gpu.read()
    gpu.draw({"skin_melanin": 0.9})
    dark = gpu.read()
    assert dark.astype(float).mean() < light.astype(float).mean() - 20
