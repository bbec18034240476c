"""The photo fit's hair colour (faceeditor.fit.hair_colour): heads rendered by the app's
renderer with known hair colours, a bald head, and the colour match itself."""

import numpy as np
import pytest

from faceeditor.model import load_default_model

pytest.importorskip("ai_edge_litert")


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def render_with_hair(model, **hair):
    from faceeditor.detect import detect_faces, face_landmarks
    from faceeditor.render.hair_pass import add_hair_pass
    from faceeditor.render.still import head_textures, render_still

    params = model.default_params() | hair
    mesh = model.evaluate(params)
    image = render_still(mesh, head_textures(params, 512), 512,  # as RENDER_GAIN was measured
                         setup=lambda renderer: add_hair_pass(renderer, model, params, mesh))
    return image, face_landmarks(image, detect_faces(image)[0])


@pytest.mark.parametrize("melanin, redness, style", [(0.3, 0.1, 2.0), (0.85, 0.0, 5.0)])
def test_hair_colour_of_a_rendered_head_is_recovered(model, melanin, redness, style):
    from faceeditor.fit.hair_colour import fit_hair_colour

    image, landmarks = render_with_hair(model, hair_melanin=melanin, hair_redness=redness,
                                        hair_style=style)
    fitted = fit_hair_colour(image, landmarks)
    assert fitted["hair_melanin"] == pytest.approx(melanin, abs=0.15)  # 0.3: 0.25, 0.85: 0.74
    assert fitted["hair_redness"] == pytest.approx(redness, abs=0.15)


def test_red_hair_reads_red(model):
    from faceeditor.fit.hair_colour import fit_hair_colour

    image, landmarks = render_with_hair(model, hair_melanin=0.3, hair_redness=0.8)
    fitted = fit_hair_colour(image, landmarks)
    assert fitted["hair_redness"] > 0.25 and fitted["hair_melanin"] < 0.45


def test_a_bald_head_gets_no_hair_colour(model):
    from faceeditor.fit.hair_colour import fit_hair_colour

    image, landmarks = render_with_hair(model, hair_style=0.0, hair_melanin=0.9)
    assert fit_hair_colour(image, landmarks) == {}


def test_colour_match_inverts_the_hair_colour():
    from faceeditor.fit.hair_colour import match_hair_colour
    from faceeditor.hair.settings import hair_colour

    for melanin, redness in ((0.0, 0.0), (0.3, 0.7), (0.62, 0.1), (1.0, 1.0)):
        found = match_hair_colour(hair_colour(melanin, redness))
        assert found == pytest.approx((melanin, redness), abs=0.02)
