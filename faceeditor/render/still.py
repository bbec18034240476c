"""One still picture of a head from its parameters: textures, renderer, quality, lighting.

The entry point of ``faceeditor render``, the render sheet (``benchmarks/render_sheet.py``)
and the speed benchmark (``benchmarks/render_speed.py``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping

import numpy as np

from faceeditor.model.mesh import FaceMesh
from faceeditor.render.offscreen import DEFAULT_BACKGROUND, OffscreenRenderer
from faceeditor.render.quality import quality_level
from faceeditor.render.shading import LIGHTING_PRESETS

log = logging.getLogger(__name__)

#: Texture edge used for each quality level's still.
TEXTURE_SIZES = {"draft": 1024, "normal": 1024, "high": 2048}


@dataclasses.dataclass(frozen=True)
class HeadTextures:
    """(S, S, 3) uint8 maps in the head's UV layout, top row first; None when the albedo
    generator is unavailable (the head then gets plain part colours)."""

    albedo: np.ndarray | None
    normal: np.ndarray | None
    material: np.ndarray | None


def head_textures(params: Mapping[str, float], size: int) -> HeadTextures:
    """Albedo, normal and material maps of the head ``params`` at ``size``."""
    from faceeditor.albedo.layers import AlbedoAssetError
    from faceeditor.albedo.maps import material_map, normal_map
    from faceeditor.export.textures import skin_albedo

    albedo = skin_albedo(params, size)
    try:
        return HeadTextures(albedo, normal_map(params, size), material_map(params, size))
    except AlbedoAssetError as error:
        log.warning("%s; rendering without normal and roughness detail", error)
        return HeadTextures(albedo, None, None)


def check_lighting(name: str) -> str:
    if name not in LIGHTING_PRESETS:
        raise ValueError(f"unknown lighting {name!r}; choose one of "
                         f"{', '.join(repr(n) for n in LIGHTING_PRESETS)}")
    return name


def render_still(mesh: FaceMesh, textures: HeadTextures, size: int, view: str = "front",
                 quality: str = "normal", lighting: str = "studio",
                 background: tuple[int, int, int] = DEFAULT_BACKGROUND,
                 renderer: OffscreenRenderer | None = None,
                 setup: Callable[[OffscreenRenderer], None] | None = None) -> np.ndarray:
    """(size, size, 3) uint8 sRGB picture of ``mesh`` with ``textures``.

    ``renderer`` (of that size) is reused when given (its quality, lighting and maps are set
    here), else a renderer with its own context is made and closed.  ``setup`` is called with
    the renderer before drawing (e.g. to add the hair pass).
    """
    level = quality_level(quality)
    preset = LIGHTING_PRESETS[check_lighting(lighting)]
    own = renderer is None
    if renderer is None:
        renderer = OffscreenRenderer(size, size, samples=4, quality=level, lighting=preset)
    try:
        renderer.quality = level
        renderer.set_lighting(preset)
        renderer.set_albedo_map(textures.albedo)
        renderer.set_detail_maps(textures.normal, textures.material)
        if setup is not None:
            setup(renderer)
        return renderer.render(mesh, view, background=background)
    finally:
        if own:
            renderer.close()
