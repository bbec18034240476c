"""Skin colour against measured human skin: cheek CIELAB of sampled faces within the published
in-vivo envelopes (resources/render/skin_lab_reference.csv), and the renderer keeps the hue."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from faceeditor.albedo.generator import albedo, srgb_to_linear
from faceeditor.albedo.layers import load_layers
from faceeditor.albedo.spectral import ita_degrees, linear_srgb_to_xyz, xyz_to_lab

REFERENCE = Path(__file__).resolve().parents[1] / "resources/render/skin_lab_reference.csv"
SIZE = 256
PLAIN = {"freckles": 0.0, "moles": 0.0, "age_spots": 0.0, "blush_opacity": 0.0,
         "beard_shadow": 0.0}


def reference_rows() -> list[dict[str, float | str]]:
    lines = [line for line in REFERENCE.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    return [{k: (v if k == "category" else float(v)) for k, v in row.items()} for row in rows]


def cheek_lab(image: np.ndarray) -> np.ndarray:
    """Mean CIELAB of the cheek texels of a (S, S, 3) top-row-first sRGB albedo."""
    layers = load_layers()
    cheeks = layers.mask("cheeks")[::-1]
    step = cheeks.shape[0] // image.shape[0]
    mask = cheeks[::step, ::step] > 0.9
    linear = srgb_to_linear(image[mask] / 255.0).mean(axis=0)
    return xyz_to_lab(linear_srgb_to_xyz(linear[None]))[0]


def check_envelope(lab: np.ndarray, label: str) -> None:
    ita = float(ita_degrees(lab))
    row = next(r for r in reference_rows() if r["ita_min"] <= ita < r["ita_max"])
    a, b = float(lab[1]), float(lab[2])
    chroma = float(np.hypot(a, b))
    assert row["a_min"] <= a <= row["a_max"], (label, row["category"], lab)
    assert row["b_min"] <= b <= row["b_max"], (label, row["category"], lab)
    assert chroma <= row["chroma_max"], (label, row["category"], lab, chroma)


def test_reference_table_covers_every_ita():
    rows = sorted(reference_rows(), key=lambda r: r["ita_min"])
    assert rows[0]["ita_min"] <= -90 and rows[-1]["ita_max"] >= 90
    assert all(a["ita_max"] == b["ita_min"] for a, b in zip(rows, rows[1:]))


@pytest.mark.parametrize("melanin", [0.0, 0.15, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9])
def test_cheek_colour_over_the_melanin_range_is_measured_human_skin(melanin):
    check_envelope(cheek_lab(albedo(dict(PLAIN, skin_melanin=melanin), SIZE)),
                   f"melanin {melanin}")


def test_medium_skin_is_not_orange():
    # the medium tones (ITA around 0) are where the old model went orange: a* 17, chroma 28
    lab = cheek_lab(albedo(dict(PLAIN, skin_melanin=0.45), SIZE))
    assert -15 < float(ita_degrees(lab)) < 20, lab
    hue = np.degrees(np.arctan2(lab[2], lab[1]))
    assert lab[1] < 15.5 and np.hypot(lab[1], lab[2]) < 24.0, lab
    assert 45 < hue < 65, hue  # yellow-red, as measured skin, not red-orange or yellow


def test_sampled_faces_have_measured_cheek_colours():
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import sample

    model = load_default_model()
    for seed in range(6):
        params = dict(sample(model, seed), **PLAIN)
        check_envelope(cheek_lab(albedo(params, SIZE)), f"seed {seed}")


@pytest.mark.parametrize("melanin", [0.25, 0.5, 0.7])
def test_render_keeps_the_cheek_hue(gl_context, melanin):
    """Lit by the studio, a cheek keeps the albedo's hue and chroma (the tone curve, lights and
    skin scattering do not turn medium skin orange)."""
    from faceeditor.model import load_default_model
    from faceeditor.render import OffscreenRenderer

    model = load_default_model()
    params = dict(model.default_params(), **PLAIN, skin_melanin=melanin)
    texture = albedo(params, 512)
    mesh = model.evaluate(params)
    with OffscreenRenderer(256, 256, ctx=gl_context, quality="normal") as renderer:
        renderer.set_albedo_map(texture)
        image = renderer.render(mesh, "front", background=(0, 0, 0))
    # the head's left cheek (image right of the nose, below the eyes), lit by fill and key
    patch = image[150:165, 150:165].reshape(-1, 3)
    lab = xyz_to_lab(linear_srgb_to_xyz(srgb_to_linear(patch / 255.0).mean(0)[None]))[0]
    reference = cheek_lab(texture)
    hue = np.degrees(np.arctan2(lab[2], lab[1]))
    hue_albedo = np.degrees(np.arctan2(reference[2], reference[1]))
    assert abs(hue - hue_albedo) < 6, (lab, reference)
    assert np.hypot(lab[1], lab[2]) < np.hypot(reference[1], reference[2]) + 4, (lab, reference)
