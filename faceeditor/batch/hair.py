"""Hair in batch items: the hair of each head in the image and in the labels.

Uses ``faceeditor.hair`` (cards and painted layers bound to the head) when it is installed:
``hair_meshes(model, params, mesh)`` evaluates the head's hair on its mesh, ``pose_layers``
turns it like the head; ``HairLabels`` draws the layers into the label targets so that hair
and beards are class ``hair`` and hair eyebrows class ``brows`` (eyelashes are not labelled:
the eye and lid under them keep their classes). A pixel counts as hair where the strand atlas
(cards) or the painted opacity (scalp and beard shadow) covers at least ``CUTOFF``.
"""

from __future__ import annotations

import dataclasses
import logging

import moderngl
import numpy as np

from faceeditor.render.camera import Camera
from faceeditor.render.program import load_program, set_uniform, write_matrix

log = logging.getLogger(__name__)

CUTOFF = 0.5
#: Label class of each hair part (parts not listed are not drawn into the labels).
CLASS_OF_PART = {"hair": "hair", "beard": "hair", "eyebrows": "brows"}
#: Part codes at or above this in the label pass's part channel are classes (code - base).
CLASS_CODE_BASE = 16


def available() -> bool:
    """Whether ``faceeditor.hair`` is there (the head model has hair parameters)."""
    try:
        import faceeditor.hair  # noqa: F401
    except ImportError:
        return False
    return True


def hair_meshes(model, params, mesh) -> list:
    """The ``HairMesh`` layers of ``params`` on ``mesh`` (empty without ``faceeditor.hair``)."""
    if not available():
        return []
    from faceeditor.hair import hair_for

    return hair_for(model, params).evaluate(mesh)


def pose_layers(layers: list, rotation: np.ndarray, pivot: np.ndarray) -> list:
    """``layers`` turned by (3, 3) ``rotation`` about ``pivot``, like the head."""
    posed = []
    for layer in layers:
        positions = (np.asarray(layer.positions, np.float64) - pivot) @ rotation.T + pivot
        tangents = np.asarray(layer.tangents, np.float64) @ rotation.T
        posed.append(dataclasses.replace(layer, positions=positions.astype(np.float32),
                                         tangents=tangents.astype(np.float32)))
    return posed


class HairLabels:
    """Draws hair layers into the bound label framebuffer (its context must be current)."""

    def __init__(self, ctx: moderngl.Context):
        from faceeditor.hair.texture import strand_atlas

        self.ctx = ctx
        self.program = load_program(ctx, "hair_labels", package=__package__)
        atlas = strand_atlas()
        self.atlas = ctx.texture(atlas.shape[::-1], 1, np.ascontiguousarray(atlas[::-1]),
                                 alignment=1)
        self.atlas.build_mipmaps()
        self.atlas.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self.atlas.repeat_x = self.atlas.repeat_y = False

    def draw(self, layers: list, camera: Camera, classes: tuple[str, ...]) -> None:
        """Draw the labelled ``layers`` with depth test and write (after the head)."""
        write_matrix(self.program, "u_view", camera.view_matrix())
        write_matrix(self.program, "u_projection", camera.projection_matrix(1.0))
        set_uniform(self.program, "u_cutoff", CUTOFF)
        set_uniform(self.program, "u_strands", 0)
        self.atlas.use(location=0)
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        for layer in layers:
            name = CLASS_OF_PART.get(layer.name)
            if name is None or not len(layer.indices):
                continue
            set_uniform(self.program, "u_cap", layer.kind == "cap")
            set_uniform(self.program, "u_code", float(CLASS_CODE_BASE + classes.index(name)))
            buffers = [self.ctx.buffer(np.ascontiguousarray(a, np.float32))
                       for a in (layer.positions, layer.uvs, layer.colours)]
            index = self.ctx.buffer(np.ascontiguousarray(layer.indices, np.uint32))
            content = [(b, f, n) for b, f, n in zip(buffers, ("3f", "2f", "4f"),
                                                    ("in_position", "in_uv", "in_colour"))
                       if n in self.program]
            vao = self.ctx.vertex_array(self.program, content, index_buffer=index,
                                        index_element_size=4)
            try:
                vao.render(moderngl.TRIANGLES)
            finally:
                vao.release()
                for buffer in (*buffers, index):
                    buffer.release()

    def release(self) -> None:
        self.atlas.release()
        self.program.release()
