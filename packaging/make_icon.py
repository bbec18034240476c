"""Render the application icon: the default head, three-quarter view, on a rounded tile.

Usage: python packaging/make_icon.py  (writes resources/icons/faceeditor-{48,64,128,256}.png)
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from faceeditor.fileio import write_atomic
from faceeditor.model import load_default_model
from faceeditor.render.offscreen import OffscreenRenderer

SIZES = (48, 64, 128, 256)
TILE = (38, 70, 110)


def render_icon(size: int = 256) -> Image.Image:
    from faceeditor.albedo import albedo

    model = load_default_model()
    params = model.spec.to_dict(model.vector({"mouthSmileLeft": 0.4, "mouthSmileRight": 0.4}))
    with OffscreenRenderer(size * 2, size * 2) as renderer:
        renderer.set_albedo_map(albedo(params, 1024))
        rgb = renderer.render(model.evaluate(params), "three-quarter", background=TILE)
    image = Image.fromarray(rgb).resize((size, size), Image.LANCZOS).convert("RGBA")
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=255)
    image.putalpha(mask)
    return image


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "resources/icons"
    out.mkdir(parents=True, exist_ok=True)
    big = render_icon(256)
    for size in SIZES:
        encoded = io.BytesIO()
        big.resize((size, size), Image.LANCZOS).save(encoded, format="PNG", optimize=True)
        write_atomic(out / f"faceeditor-{size}.png", encoded.getvalue())


if __name__ == "__main__":
    main()
