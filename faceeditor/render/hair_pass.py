"""The hair pass: cards and painted hair layers drawn after the skin, same camera and lights.

Self-contained (its own program, buffers and strand texture) so the skin shading can change
freely. Drawing order: painted layers (blended, no depth write), then the cards twice:
alpha-tested with depth write (every strand pixel at least ``CUTOFF`` covered), then the soft
fringe below the cutoff blended on top without depth write, inner layers first. The second
step costs little and removes the hard, aliased strand edges of a pure alpha test; with
``still=False`` (while dragging a slider) it is skipped, the strands are lit per vertex (the
shaders compiled with ``INTERACTIVE``), not per pixel, and a layer of more than
``INTERACTIVE_CARD_TRIANGLES`` draws only its outermost cards (layers list their cards inner
first): long hair's inner layers, mostly hidden, cost as much to draw as the outer ones.

    hair = HairPass()
    renderer.add_pass(hair)
    hair.set_meshes(hair_for(model, params).evaluate(mesh))
    renderer.render(mesh)
"""

from __future__ import annotations

import logging

import moderngl
import numpy as np

from faceeditor.hair.strands import ATLAS_COLUMNS
from faceeditor.render.camera import Camera
from faceeditor.render.program import load_program, set_uniform, write_matrix
from faceeditor.render.shading import StudioLighting

log = logging.getLogger(__name__)

PROGRAM_NAME = "hair"
CUTOFF = 0.5
_MODE_CARDS, _MODE_FRINGE, _MODE_CAP = 0, 1, 2
#: Specular strength of the strands of each atlas column (``strands.ATLAS_COLUMNS``). Scalp
#: cards are locks of many hairs whose sheen bands move across the head; brow, beard and lash
#: cards are a few fine hairs lying on (or close to) the skin: flat across the half vector of
#: the front lights, the whole card sits at the lobe's peak and a card of dark hairs turns into
#: one flat grey patch.
COLUMN_SHEEN = {"dense": 1.0, "sparse": 1.0, "fine": 0.08, "lashes": 0.08}
#: While something moves (``still=False``) a card layer draws at most this many triangles.
INTERACTIVE_CARD_TRIANGLES = 24000


def add_hair_pass(renderer, model, params, mesh) -> HairPass:
    """Give ``renderer`` a hair pass showing the hair of ``params`` on ``mesh``."""
    from faceeditor.hair import hair_for

    hair = HairPass()
    renderer.add_pass(hair)
    hair.set_meshes(hair_for(model, params).evaluate(mesh))
    return hair


class HairPass:
    """Draws ``HairMesh`` layers (``faceeditor.hair``). GL objects are made on the first draw
    in the renderer's context and freed by ``release`` (the renderer calls it on close)."""

    def __init__(self, still: bool = True):
        self.still = still
        self.enabled = True
        self._meshes: list = []
        self._skin_contact: np.ndarray | None = None
        self._dirty = False
        self._program: moderngl.Program | None = None  # lit per pixel (still frames)
        self._interactive: moderngl.Program | None = None  # lit per vertex
        self._texture: moderngl.Texture | None = None
        #: (kind, vertex arrays by program (GL name), buffers) per layer
        self._draws: list[tuple[str, dict[int, moderngl.VertexArray], list]] = []

    @property
    def meshes(self) -> list:
        """The ``HairMesh`` layers drawn."""
        return list(self._meshes)

    @property
    def skin_contact(self) -> np.ndarray | None:
        """(V,) contact occlusion the hair casts on the skin (``hair.contact``), ``None`` when
        none or disabled; the renderer folds it into the skin's ambient occlusion."""
        return self._skin_contact if self.enabled else None

    def set_meshes(self, meshes) -> None:
        """Draw these ``HairMesh`` layers from now on (an empty list draws nothing); a
        ``HairLayers`` list also brings the hair's ``skin_contact``."""
        self._meshes = list(meshes)
        self._skin_contact = getattr(meshes, "skin_contact", None)
        self._dirty = True

    def draw(self, ctx: moderngl.Context, camera: Camera, aspect: float,
             lighting: StudioLighting) -> None:
        if not self.enabled or not self._meshes and not self._draws:
            return
        if self._program is None:
            self._create(ctx)
        if self._dirty:
            self._upload(ctx)
        if not self._draws:
            return
        program = self._program if self.still else self._interactive
        write_matrix(program, "u_view", camera.view_matrix())
        write_matrix(program, "u_projection", camera.projection_matrix(aspect))
        _write_lights(program, lighting)
        set_uniform(program, "u_column_sheen",
                    np.array([COLUMN_SHEEN[name] for name in ATLAS_COLUMNS]))
        self._texture.use(location=0)
        set_uniform(program, "u_strands", 0)
        set_uniform(program, "u_cutoff", CUTOFF)
        framebuffer = ctx.fbo
        ctx.enable_only(moderngl.DEPTH_TEST | moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        try:
            framebuffer.depth_mask = False
            ctx.polygon_offset = (-1.0, -2.0)
            set_uniform(program, "u_mode", _MODE_CAP)
            self._render(ctx, program, "cap")
            ctx.polygon_offset = (0.0, 0.0)
            framebuffer.depth_mask = True
            ctx.disable(moderngl.BLEND)
            set_uniform(program, "u_mode", _MODE_CARDS)
            self._render(ctx, program, "cards")
            if self.still:
                ctx.enable(moderngl.BLEND)
                framebuffer.depth_mask = False
                set_uniform(program, "u_mode", _MODE_FRINGE)
                self._render(ctx, program, "cards")
        finally:
            framebuffer.depth_mask = True
            ctx.polygon_offset = (0.0, 0.0)
            ctx.enable_only(moderngl.DEPTH_TEST)

    def _render(self, ctx: moderngl.Context, program: moderngl.Program, kind: str) -> None:
        """Draw the layers of ``kind`` with ``program`` (vertex arrays made on first use)."""
        for layer_kind, vaos, buffers in self._draws:
            if layer_kind != kind:
                continue
            vao = vaos.get(program.glo)
            if vao is None:
                content = [(buffers[0], "3f", "in_position"), (buffers[1], "3f", "in_tangent"),
                           (buffers[2], "2f", "in_uv"), (buffers[3], "4f", "in_colour")]
                vao = vaos[program.glo] = ctx.vertex_array(
                    program, [c for c in content if c[2] in program], index_buffer=buffers[4],
                    index_element_size=4)
            triangles = buffers[4].size // 12
            if kind == "cards" and not self.still and triangles > INTERACTIVE_CARD_TRIANGLES:
                skipped = triangles - INTERACTIVE_CARD_TRIANGLES
                vao.render(moderngl.TRIANGLES, vertices=3 * INTERACTIVE_CARD_TRIANGLES,
                           first=3 * skipped)
            else:
                vao.render(moderngl.TRIANGLES)

    def _create(self, ctx: moderngl.Context) -> None:
        from faceeditor.hair.texture import strand_atlas

        defines = {"LIGHT_COUNT": 3, "ATLAS_COLUMN_COUNT": len(ATLAS_COLUMNS)}
        self._program = load_program(ctx, PROGRAM_NAME, defines)
        self._interactive = load_program(ctx, PROGRAM_NAME, {**defines, "INTERACTIVE": 1})
        atlas = strand_atlas()
        texture = ctx.texture(atlas.shape[::-1], 1, np.ascontiguousarray(atlas[::-1]), alignment=1)
        texture.build_mipmaps()
        texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        texture.repeat_x = texture.repeat_y = False
        self._texture = texture

    def _upload(self, ctx: moderngl.Context) -> None:
        """New buffers when the layer sizes changed, else rewrite positions and tangents."""
        self._dirty = False
        sizes = [(m.kind, len(m.positions), len(m.indices)) for m in self._meshes]
        if sizes == [(kind, n, t) for kind, _, (n, t, _b) in self._draws_info()]:
            for mesh, (_, _, buffers) in zip(self._meshes, self._draws):
                buffers[0].write(np.ascontiguousarray(mesh.positions, np.float32))
                buffers[1].write(np.ascontiguousarray(mesh.tangents, np.float32))
                buffers[3].write(np.ascontiguousarray(mesh.colours, np.float32))
            return
        self._release_buffers()
        for mesh in self._meshes:
            if not len(mesh.indices):
                continue
            buffers = [ctx.buffer(np.ascontiguousarray(array, np.float32)) for array in
                       (mesh.positions, mesh.tangents, mesh.uvs, mesh.colours)]
            index = ctx.buffer(np.ascontiguousarray(mesh.indices, np.uint32))
            self._draws.append((mesh.kind, {}, buffers + [index]))

    def _draws_info(self):
        for kind, vaos, buffers in self._draws:
            yield kind, vaos, (buffers[0].size // 12, buffers[4].size // 12, buffers)

    def _release_buffers(self) -> None:
        for _, vaos, buffers in self._draws:
            for vao in vaos.values():
                vao.release()
            for buffer in buffers:
                buffer.release()
        self._draws = []

    def release(self) -> None:
        self._release_buffers()
        for obj in (self._program, self._interactive, self._texture):
            if obj is not None:
                obj.release()
        self._program = self._interactive = self._texture = None
        self._dirty = bool(self._meshes)


def _write_lights(program: moderngl.Program, lighting: StudioLighting) -> None:
    """The studio lights (view space, toward the light) as the skin gets them."""
    directions = np.array([light.direction for light in lighting.lights], np.float64)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    set_uniform(program, "u_light_direction", directions)
    set_uniform(program, "u_light_colour", np.array([light.colour for light in lighting.lights]))
    set_uniform(program, "u_sky", tuple(lighting.sky))
    set_uniform(program, "u_ground", tuple(lighting.ground))
