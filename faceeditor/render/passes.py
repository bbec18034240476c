"""Extra passes drawn after the head with the same camera and lights (e.g. hair).

A pass is any object with ``draw(frame: FrameInfo) -> None`` and ``release() -> None``; add it
to ``OffscreenRenderer.extra_passes``.  The renderer calls ``draw`` after the skin, eyes and
mouth, into the same framebuffer with the depth test on (the head's depth is there, so the pass
is hidden behind it where it should be), and releases the passes when it closes.  A pass that
also has ``draw_shadow(frame: FrameInfo) -> None`` is called while the key light's shadow map is
bound (depth only, ``frame.shadow.matrix`` is world -> light clip), so it can cast shadows.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

import moderngl
import numpy as np

from faceeditor.model.mesh import FaceMesh
from faceeditor.render.camera import Camera
from faceeditor.render.quality import Quality
from faceeditor.render.shading import StudioLighting

if TYPE_CHECKING:
    from faceeditor.render.shadow import ShadowMap


@dataclasses.dataclass(frozen=True)
class FrameInfo:
    """What a pass needs to draw in step with the head.

    Attributes:
        ctx: the context (current).
        mesh: the head as given to the renderer (not subdivided).
        camera: the camera of this frame.
        view: (4, 4) float32 world -> view matrix (maths convention; ``write_matrix`` it).
        projection: (4, 4) float32 view -> clip matrix for this framebuffer's aspect.
        light_directions: (3, 3) float32 unit directions toward key, fill and rim (view space).
        light_colours: (3, 3) float32 linear colours (pi folded in, as the head's shader).
        lighting: the studio lighting in use.
        quality: the quality level of this frame.
        shadow: the key light's shadow map, or None (draft quality).
    """

    ctx: moderngl.Context
    mesh: FaceMesh
    camera: Camera
    view: np.ndarray
    projection: np.ndarray
    light_directions: np.ndarray
    light_colours: np.ndarray
    lighting: StudioLighting
    quality: Quality
    shadow: ShadowMap | None


class RenderPass(Protocol):
    def draw(self, frame: FrameInfo) -> None: ...

    def release(self) -> None: ...
