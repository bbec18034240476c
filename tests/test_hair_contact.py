"""Hair's contact occlusion on the skin: the factor, and the skin it darkens in renders."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from faceeditor.hair import hair_for, rest_head
from faceeditor.hair.binding import CardLayer
from faceeditor.hair.contact import MAX_OCCLUSION, REACH_M
from faceeditor.hair.settings import HAIR_STYLES
from faceeditor.model import load_default_model


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def test_factor_is_one_far_from_hair_and_darker_under_the_cards(model):
    params = model.default_params()  # a short crop
    hair = hair_for(model, params)
    factor, head = hair.skin_contact, rest_head(model)
    assert factor.shape == (len(head.vertices),) and factor.dtype == np.float32
    assert factor.min() >= 1.0 - MAX_OCCLUSION - 1e-6 and factor.max() == 1.0
    assert hair_for(model, params).skin_contact is factor  # computed once per hair
    centres = np.concatenate([
        layer.evaluate(head.vertices, head.faces, head.normals).positions.reshape(-1, 2, 3)
        .mean(1) for layer in hair.layers if isinstance(layer, CardLayer) and layer.name == "hair"])
    distance = cKDTree(centres).query(head.vertices)[0]
    assert np.all(factor[distance > REACH_M] == 1.0)
    assert factor[np.argmax(head.vertices[:, 1])] < 0.9  # the crown, under the cards
    bald = dict(params, hair_style=HAIR_STYLES.index("bald"))
    assert hair_for(model, bald).skin_contact is None


def test_skin_under_the_hairline_renders_darker_in_still_and_interactive_frames(model):
    from faceeditor.render import OffscreenRenderer
    from faceeditor.render.hair_pass import HairPass
    from faceeditor.render.quality import INTERACTIVE

    params = model.default_params()
    mesh = model.evaluate(params)
    hair = hair_for(model, params)
    with OffscreenRenderer(128, 128) as renderer:
        bare, still = renderer.render(mesh, "front"), renderer.quality
        passes = HairPass()
        renderer.add_pass(passes)
        for quality in (still, INTERACTIVE):
            renderer.quality = quality
            passes.still = quality is still
            passes.set_meshes(hair.evaluate(mesh))
            shaded = renderer.render(mesh, "front").astype(int)
            passes.set_meshes(list(hair.evaluate(mesh)))  # a plain list: no contact factor
            plain = renderer.render(mesh, "front").astype(int)
            change = (shaded - plain).sum(-1)
            # darker only (a few antialiased strand edges over the darker skin aside)
            assert (change > 0).sum() < 0.1 * (change < 0).sum() and change.max() < 24
            hairline = change[24:34, 40:90]  # the top of the forehead, under the short crop
            assert (hairline < -15).mean() > 0.3
            assert np.all(change[54:, 48:80] == 0)  # eyes, nose, mouth: far from the hair
        passes.set_meshes([])
        renderer.quality = still
        assert np.array_equal(renderer.render(mesh, "front"), bare)  # without hair: as before
