"""Quality levels of the renderer: what a frame costs and what it shows.

``draft`` is the mesh as evaluated, no shadow map, no occlusion bake; ``INTERACTIVE`` (the
viewport while something moves) is draft with a cheaper shader;
``normal`` is the still frame of the viewport and the default of ``faceeditor render``
(single-sampled, FXAA for the edges; occlusion from 48 directions: against a 256-direction
bake its renders differ as little as 64 directions' do, in single pixels at edges);
``high`` is for final stills (two subdivision levels, a sharper and softer shadow, 2x2
supersampling on top of the multisampling).  All levels use the same materials and lights.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Quality:
    """Attributes:
        name: key in ``QUALITY_LEVELS``.
        subdivision: Loop subdivision levels applied to the mesh before drawing.
        shadow_size: edge of the key light's shadow map in texels (0: no shadows).
        shadow_taps: percentage-closer filtering taps per pixel (soft shadow edge).
        occlusion: bake per-vertex ambient occlusion (once per shape).
        occlusion_directions: depth maps the bake looks from.
        supersample: ``render`` draws at this multiple of the size and averages it down.
        multisample: antialias with the renderer's multisampling; False draws single-sampled
            and smooths edges with FXAA (a software rasteriser shades every sample, so 4x
            multisampling costs about 2.5x the frame; FXAA costs a few percent).
        interactive: draw with the cheaper variant of the face shader (lit per vertex; no
            detail maps, cornea, key-light shadow or transmission), constant per-vertex shading
            inputs (no curvature or wet line to compute per shape) and the back faces of the
            closed parts culled: frames drawn while something moves.
    """

    name: str
    subdivision: int
    shadow_size: int
    shadow_taps: int
    occlusion: bool
    occlusion_directions: int
    supersample: int
    multisample: bool = True
    interactive: bool = False


QUALITY_LEVELS: dict[str, Quality] = {
    "draft": Quality("draft", 0, 0, 0, False, 0, 1),
    "normal": Quality("normal", 1, 1024, 8, True, 48, 1, multisample=False),
    "high": Quality("high", 2, 2048, 16, True, 128, 2),
}

#: The viewport's frames while a slider, the camera or a sculpt drag moves (not a ``render``
#: choice): draft geometry with the cheaper shader.
INTERACTIVE = Quality("interactive", 0, 0, 0, False, 0, 1, interactive=True)


def quality_level(name: str | Quality) -> Quality:
    """The ``Quality`` named ``name`` (a ``Quality`` passes through); ``ValueError`` if unknown."""
    if isinstance(name, Quality):
        return name
    try:
        return QUALITY_LEVELS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown quality {name!r}; choose one of "
                         f"{', '.join(QUALITY_LEVELS)}") from None
