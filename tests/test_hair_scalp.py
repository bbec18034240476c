"""Scalp hair keeps off the face: no cards over the forehead, short hair ends above the ear."""

from __future__ import annotations

import numpy as np
import pytest

from faceeditor.hair import rest_head
from faceeditor.hair.scalp import grow_scalp_hair, scalp_score
from faceeditor.hair.settings import HAIR_STYLES, HairSettings
from faceeditor.model import load_default_model
from faceeditor.model.prior import sample


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def _grown(model, seed, style):
    params = model.spec.to_dict(model.vector(sample(model, seed)))
    params["hair_style"] = HAIR_STYLES.index(style)
    settings = HairSettings.of(params)
    head = rest_head(model)
    return head, settings, grow_scalp_hair(head, settings, np.random.default_rng([20261202, 1]))


def test_long_hair_sweeps_aside_instead_of_crossing_the_forehead(model):
    # seed 1 parts near the middle: its hairline cards used to hang across the forehead
    head, settings, strands = _grown(model, 1, "long straight")
    points = strands.points.reshape(-1, 3)
    front = np.abs(head.azimuth(points)) < 50
    below_hairline = scalp_score(head, points, settings) < -0.008
    above_brows = points[:, 1] > head.eye_y
    assert not np.any(front & below_hairline & above_brows)
    assert strands.points[..., 1].min() < head.eye_y - 0.2  # still long, beside the face


def test_short_hair_above_the_ear_ends_above_it(model):
    # draped over the ear, those cards folded over its top into a flat band
    head, _, strands = _grown(model, 2, "side part")
    roots = np.abs(head.azimuth(strands.points[:, 0]))
    over_ear = strands.points[(roots > 70) & (roots < 110)]
    assert len(over_ear) > 50
    assert over_ear[..., 1].min() > head.eye_y - 0.025
