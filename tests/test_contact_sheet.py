"""Twenty heads from the prior, rendered front and profile: different, plausible people.

The sheet is written to ``out/contact_sheet_seeds.png`` (or $FACEEDITOR_TEST_OUTPUT) for a
person to look at; the assertions check what a picture can check automatically.
"""

import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.model.prior import sample

SEEDS = range(1, 21)
SIZE = 192


@pytest.fixture(scope="module")
def renders():
    from faceeditor.render.offscreen import OffscreenRenderer

    model = load_default_model()
    images = []
    with OffscreenRenderer(SIZE, SIZE) as renderer:
        for seed in SEEDS:
            mesh = model.evaluate(sample(model, seed))
            images.append((renderer.render(mesh, "front"), renderer.render(mesh, "profile")))
    return images


def test_contact_sheet_of_twenty_seeds(renders, look_dir):
    from faceeditor.render.contact_sheet import contact_sheet, save_png

    tiles, labels = [], []
    for seed, (front, profile) in zip(SEEDS, renders):
        tiles += [front, profile]
        labels += [f"seed {seed}", ""]
    sheet = contact_sheet(tiles, columns=8, labels=labels)
    path = look_dir / "contact_sheet_seeds.png"
    save_png(path, sheet)
    assert path.stat().st_size > 10_000


def test_every_head_fills_the_frame(renders):
    for front, profile in renders:
        for image in (front, profile):
            background = image[0, 0]
            covered = np.any(image != background, axis=-1).mean()
            assert 0.15 < covered < 0.8


def test_twenty_heads_all_differ(renders):
    fronts = np.stack([front.astype(np.float32) for front, _ in renders])
    silhouettes = np.stack([np.any(f != f[0, 0], -1) for f in fronts.astype(np.uint8)])
    for i in range(len(fronts)):
        for j in range(i + 1, len(fronts)):
            mean_difference = np.abs(fronts[i] - fronts[j]).mean()
            silhouette_difference = (silhouettes[i] != silhouettes[j]).mean()
            assert mean_difference > 1.0 or silhouette_difference > 0.01, (i + 1, j + 1)


def test_sampling_is_deterministic_per_seed():
    model = load_default_model()
    assert sample(model, 5) == sample(model, 5)
    assert sample(model, 5) != sample(model, 6)
