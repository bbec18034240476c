"""Side-by-side sheet of renders: 8 sampled heads under 3 lighting presets, each shown as the
old look (draft quality, plain part shading of the mesh as evaluated, no detail maps) next to
the new one (normal quality: smooth surface, skin shading, shadows, occlusion, detail maps).

Run: ``python benchmarks/render_sheet.py [-o sheet.png] [--size 256] [--seeds 8]``; the sheet
is meant to be looked at (thumbnails) next to ``skimage.data.astronaut()`` when scikit-image
is installed (it is put in the first cell).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from faceeditor.model import load_default_model
from faceeditor.model.prior import sample
from faceeditor.render import OffscreenRenderer, contact_sheet, save_png
from faceeditor.render.shading import LIGHTING_PRESETS
from faceeditor.render.still import head_textures, render_still

PRESETS = ("studio", "soft daylight", "rim")
VIEWS = {"studio": "front", "soft daylight": "three-quarter", "rim": "three-quarter"}


def astronaut(size: int) -> np.ndarray | None:
    try:
        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    photo = data.astronaut()[20:300, 110:390]
    return np.asarray(Image.fromarray(photo).resize((size, size)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("render_sheet.png"))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    model = load_default_model()
    images, labels = [], []
    photo = astronaut(args.size)
    with OffscreenRenderer(args.size, args.size, samples=4) as renderer:
        for seed in range(args.seeds):
            params = sample(model, seed)
            mesh = model.evaluate(params)
            textures = head_textures(params, 1024)
            for preset in PRESETS:
                view = VIEWS[preset]
                renderer.quality = "draft"
                renderer.set_lighting(LIGHTING_PRESETS[preset])
                renderer.set_albedo_map(textures.albedo)
                renderer.set_detail_maps(None, None)
                images.append(renderer.render(mesh, view))
                labels.append(f"seed {seed} {preset}: draft")
                images.append(render_still(mesh, textures, args.size, view, "normal", preset,
                                           renderer=renderer))
                labels.append(f"seed {seed} {preset}: normal")
    if photo is not None:
        images.insert(0, photo)
        labels.insert(0, "photo: skimage astronaut")
    save_png(args.output, contact_sheet(images, 6 + (photo is not None), labels))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
