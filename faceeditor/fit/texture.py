"""Project a photo into the head's UV albedo.

For every skin texel (found by drawing the mesh in UV space with OpenGL: triangle id and
barycentric weights per texel) the fitted head gives a 3D point and normal; the point is
projected into the photo and kept where the photo sees it (a depth map of the head in the photo's
camera) and faces the camera. The hidden side is filled by symmetry: the texel's mirror point
(x -> -x) is projected too and used where the texel itself is not seen.

The photo's shading and colour cast are divided out by replacing its low frequencies with those
of the fitted procedural albedo (``photo * low(procedural) / low(photo)``, low = a 1/32-scale
blur, weighted by where the photo is seen); the result is blended into the procedural albedo
with a feathered mask, so no seam shows. The photo's weight fades to zero inside the face mask's
edge (``mask_ramp``: by the distance from the edge, so a ragged hairline leaves no ragged
border), and the mirrored samples fade out as the direct ones fade in. Eyes, teeth and mouth stay
procedural.
"""

from __future__ import annotations

import logging

import numpy as np

from faceeditor.fit.camera import HeadPose, PhotoCamera
from faceeditor.fit.shading import Lighting
from faceeditor.model.face_model import FaceModel
from faceeditor.model.mesh import PART_NAMES

log = logging.getLogger(__name__)

#: Depth tolerance (metres) for "the photo sees this point".
DEPTH_TOLERANCE = 0.004
#: Weight of the mirrored sample against a direct one.
MIRROR_WEIGHT = 0.5
#: Scale of the low-frequency (shading) estimate: texture size / this.
LOW_FREQUENCY = 32
#: Shading is divided out no lower than this fraction of its median (deep shadows stay dark).
MIN_SHADING = 0.25
#: The photo fades in from this far inside the face mask's edge (fraction of the mask's size,
#: the square root of its area; the eyes are about 0.45 apart) ...
EDGE_MARGIN = 0.02
#: ... to full weight this much further in.
EDGE_WIDTH = 0.12

_UV_VERTEX = """
#version 330
in vec2 in_uv; in vec3 in_bary; in float in_tri;
out vec3 v_bary; flat out float v_tri;
void main() { v_bary = in_bary; v_tri = in_tri; gl_Position = vec4(in_uv * 2.0 - 1.0, 0.0, 1.0); }
"""
_UV_FRAGMENT = """
#version 330
in vec3 v_bary; flat in float v_tri; out vec4 f_out;
void main() { f_out = vec4(v_bary, v_tri); }
"""
_DEPTH_VERTEX = """
#version 330
uniform mat4 projection;
in vec3 in_pos; out float v_depth;
void main() { v_depth = -in_pos.z; gl_Position = projection * vec4(in_pos, 1.0); }
"""
_ID_VERTEX = """
#version 330
uniform mat4 projection;
in vec3 in_pos; in vec3 in_bary; in float in_tri;
out vec3 v_bary; flat out float v_tri;
void main() { v_bary = in_bary; v_tri = in_tri; gl_Position = projection * vec4(in_pos, 1.0); }
"""
_DEPTH_FRAGMENT = """
#version 330
in float v_depth; out vec4 f_out;
void main() { f_out = vec4(v_depth, 0.0, 0.0, 1.0); }
"""


def uv_texels(mesh, size: int, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(size, size) triangle id per texel (-1: none) and (size, size, 3) barycentric weights,
    top row first, for the triangles ``faces`` (indices into ``mesh.faces``)."""
    uv = mesh.uvs[mesh.face_uvs[faces]].reshape(-1, 2).astype(np.float32)
    bary = np.tile(np.eye(3, dtype=np.float32), (len(faces), 1))
    tri = np.repeat(faces.astype(np.float32), 3)
    data = np.concatenate([uv, bary, tri[:, None]], 1).astype("f4")
    out = _draw(size, size, _UV_VERTEX, _UV_FRAGMENT, data, "2f 3f 1f",
                ["in_uv", "in_bary", "in_tri"], depth=False)
    ids = np.round(out[..., 3]).astype(np.int64)
    ids[out[..., 3] < 0] = -1
    return ids, out[..., :3].astype(np.float64)


def skin_texels(mesh, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The skin texels of ``mesh``'s UV layout: ((size, size) bool, (N, 3) their points on the
    mesh, (N, 3) interpolated vertex normals there, not normalised)."""
    skin = np.flatnonzero(mesh.face_parts == PART_NAMES.index("skin"))
    ids, bary = uv_texels(mesh, size, skin)
    texel = ids >= 0
    tri = mesh.faces[ids[texel]]
    w = bary[texel][:, :, None]
    points = (np.asarray(mesh.vertices, np.float64)[tri] * w).sum(1)
    normals = (np.asarray(mesh.normals, np.float64)[tri] * w).sum(1)
    return texel, points, normals


def procedural_linear(params: dict[str, float], size: int) -> np.ndarray:
    """(size, size, 3) linear RGB procedural albedo of ``params`` (plain grey-beige when the
    generator is unavailable): what photo and scan colours are blended into."""
    from faceeditor.export.textures import skin_albedo

    procedural = skin_albedo(params, size)
    if procedural is None:
        procedural = np.full((size, size, 3), 180, np.uint8)
    return srgb_to_linear(procedural.astype(np.float64) / 255.0)


def triangle_ids(vertices: np.ndarray, faces: np.ndarray, camera: PhotoCamera
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The nearest triangle seen at every pixel of ``camera``: (H, W) triangle index (-1: none)
    and (H, W, 3) barycentric weights, top row first; ``vertices`` in camera space."""
    count = len(faces)
    positions = vertices[faces].reshape(-1, 3).astype(np.float32)
    bary = np.tile(np.eye(3, dtype=np.float32), (count, 1))
    tri = np.repeat(np.arange(count, dtype=np.float32), 3)
    data = np.concatenate([positions, bary, tri[:, None]], 1).astype("f4")
    projection = camera.render_camera().projection_matrix(camera.width / camera.height)
    out = _draw(camera.width, camera.height, _ID_VERTEX, _UV_FRAGMENT, data, "3f 3f 1f",
                ["in_pos", "in_bary", "in_tri"], depth=True, uniforms={"projection": projection})
    ids = np.round(out[..., 3]).astype(np.int64)
    ids[out[..., 3] < 0] = -1
    return ids, out[..., :3].astype(np.float64)


def depth_map(vertices: np.ndarray, faces: np.ndarray, camera: PhotoCamera) -> np.ndarray:
    """(H, W) distance along the view axis of the nearest surface (inf where none)."""
    tris = vertices[faces].reshape(-1, 3).astype("f4")
    projection = camera.render_camera().projection_matrix(camera.width / camera.height)
    out = _draw(camera.width, camera.height, _DEPTH_VERTEX, _DEPTH_FRAGMENT, tris, "3f",
                ["in_pos"], depth=True, uniforms={"projection": projection})
    depth = out[..., 0].astype(np.float64)
    depth[out[..., 3] < 0.5] = np.inf
    return depth


def _draw(width, height, vertex, fragment, data, layout, names, depth, uniforms=None):
    """Draw triangles into a float RGBA target; returns (height, width, 4), top row first."""
    from faceeditor.render.offscreen import create_headless_context

    ctx = create_headless_context()
    try:
        with ctx:
            program = ctx.program(vertex_shader=vertex, fragment_shader=fragment)
            for name, matrix in (uniforms or {}).items():
                program[name].write(np.ascontiguousarray(matrix.T, dtype="f4").tobytes())
            colour = ctx.texture((width, height), 4, dtype="f4")
            attachments = {"color_attachments": [colour]}
            if depth:
                attachments["depth_attachment"] = ctx.depth_renderbuffer((width, height))
            framebuffer = ctx.framebuffer(**attachments)
            buffer = ctx.buffer(np.ascontiguousarray(data).tobytes())
            array = ctx.vertex_array(program, [(buffer, layout, *names)])
            framebuffer.use()
            framebuffer.clear(0.0, 0.0, 0.0, -1.0, depth=1.0)
            if depth:
                ctx.enable(ctx.DEPTH_TEST)
            else:
                ctx.disable(ctx.DEPTH_TEST)
            ctx.disable(ctx.CULL_FACE)
            array.render()
            raw = framebuffer.read(components=4, dtype="f4")
            for item in (array, buffer, framebuffer, colour, program):
                item.release()
    finally:
        ctx.release()
    image = np.frombuffer(raw, np.float32).reshape(height, width, 4)
    return image[::-1].copy()


def bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray,
             table: np.ndarray | None = None) -> np.ndarray:
    """Sample (H, W, C) at pixel positions (pixel i spans [i, i + 1]); with ``table`` (256,)
    the uint8 ``image``'s texels are looked up in it before interpolating (e.g. sRGB to linear
    without converting a whole large image)."""
    height, width = image.shape[:2]
    x = np.clip(x - 0.5, 0, width - 1.001)
    y = np.clip(y - 0.5, 0, height - 1.001)
    x0, y0 = x.astype(int), y.astype(int)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]

    def at(row, column):
        return image[row, column] if table is None else table[image[row, column]]

    return (at(y0, x0) * (1 - fx) * (1 - fy) + at(y0, x0 + 1) * fx * (1 - fy)
            + at(y0 + 1, x0) * (1 - fx) * fy + at(y0 + 1, x0 + 1) * fx * fy)


def _low(image: np.ndarray, weight: np.ndarray, factor: int) -> np.ndarray:
    """Weighted block mean at 1/``factor`` scale, bilinearly upsampled: (S, S, C)."""
    from PIL import Image

    size = image.shape[0]
    cells = size // factor
    w = weight.reshape(cells, factor, cells, factor).sum((1, 3))
    sums = (image * weight[..., None]).reshape(cells, factor, cells, factor, -1).sum((1, 3))
    small = sums / np.maximum(w[..., None], 1e-6)
    # fill empty cells from their neighbours (repeated dilation) so the upsampling has values
    filled = w > 1e-3
    for _ in range(cells):
        if filled.all():
            break
        grown = small.copy()
        count = np.zeros(w.shape)
        total = np.zeros(small.shape)
        for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            shifted = np.roll(np.roll(small * filled[..., None], dy, 0), dx, 1)
            total += shifted
            count += np.roll(np.roll(filled, dy, 0), dx, 1)
        new = ~filled & (count > 0)
        grown[new] = total[new] / count[new, None]
        small, filled = grown, filled | new
    channels = [np.asarray(Image.fromarray(small[..., c].astype(np.float32), "F").resize(
        (size, size), Image.BILINEAR)) for c in range(small.shape[-1])]
    return np.stack(channels, -1).astype(np.float64)


def srgb_to_linear(c):
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c):
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def photo_texture(model: FaceModel, pose_params: dict[str, float], params: dict[str, float],
                  pose: HeadPose, camera: PhotoCamera, photo: np.ndarray, size: int = 1024,
                  face_mask: np.ndarray | None = None, lighting: Lighting | None = None
                  ) -> np.ndarray:
    """(size, size, 3) uint8 albedo: the photo projected onto the head fitted with
    ``pose_params`` (the photo's expression), blended into the procedural albedo of ``params``.

    Args:
        face_mask: (H, W) bool where the photo shows the face (None: everywhere).
        lighting: the photo's fitted lighting: its shading is divided out of the photo's
            colours (None: only the low frequencies are replaced).
    """
    mesh = model.evaluate(pose_params)
    texel, points, normal = skin_texels(mesh, size)
    vertices = np.asarray(mesh.vertices, np.float64)
    photo_lin = srgb_to_linear(photo.astype(np.float64) / 255.0)
    depth = depth_map(pose.apply(vertices), mesh.faces, camera)
    trusted = mask_ramp(face_mask if face_mask is not None else np.ones(photo.shape[:2], bool))
    colours, weights = [], []
    for mirror in (False, True):
        flip = np.array([-1.0, 1.0, 1.0]) if mirror else np.ones(3)
        cam_points = pose.apply(points * flip)
        cam_normals = (normal * flip) @ pose.matrix.T
        pixels = camera.project(cam_points)
        px = np.clip(pixels[:, 0].astype(int), 0, camera.width - 1)
        py = np.clip(pixels[:, 1].astype(int), 0, camera.height - 1)
        inside = ((pixels[:, 0] >= 0) & (pixels[:, 0] < camera.width) & (pixels[:, 1] >= 0)
                  & (pixels[:, 1] < camera.height))
        visible = inside & (np.abs(depth[py, px] + cam_points[:, 2]) < DEPTH_TOLERANCE)
        visible = visible * trusted[py, px]
        view = -cam_points / np.linalg.norm(cam_points, axis=1, keepdims=True)
        facing = np.clip(((cam_normals * view).sum(1) - 0.25) / 0.5, 0.0, 1.0)
        weights.append(visible * facing * (MIRROR_WEIGHT if mirror else 1.0))
        colour = bilinear(photo_lin, pixels[:, 0], pixels[:, 1])
        if lighting is not None:
            shade = lighting.shading(cam_normals / np.linalg.norm(cam_normals, axis=1,
                                                                  keepdims=True))
            floor = MIN_SHADING * np.median(shade[visible > 0], axis=0) if visible.any() else 1.0
            colour = colour / np.maximum(shade, floor)
        colours.append(colour)
    direct, mirrored = weights
    mirrored = mirrored * np.clip(1.0 - 2.0 * direct, 0.0, 1.0)  # fades out as direct fades in
    total = direct + mirrored
    colour = (colours[0] * direct[:, None] + colours[1] * mirrored[:, None]) \
        / np.maximum(total, 1e-6)[:, None]
    alpha_texels = np.clip(np.maximum(direct, mirrored / MIRROR_WEIGHT * 0.8), 0.0, 1.0)

    base = procedural_linear(params, size)
    sampled = base.copy()
    reached = np.zeros((size, size), bool)
    reached[texel] = total > 0
    sampled[texel] = colour
    weight = np.zeros((size, size))
    weight[texel] = np.minimum(total, 1.0)
    factor = max(size // LOW_FREQUENCY, 1)
    corrected = sampled * _low(base, weight, factor) / np.maximum(_low(sampled, weight, factor),
                                                                  1e-4)
    # texels the photo does not reach keep the procedural colour, whatever the mask's blur says
    corrected[~reached] = base[~reached]
    alpha = np.zeros((size, size))
    alpha[texel] = alpha_texels
    alpha = feather(alpha, size)
    result = corrected * alpha[..., None] + base * (1.0 - alpha[..., None])
    log.debug("photo texture: %.0f%% of skin texels from the photo",
              100.0 * (alpha[texel] > 0.5).mean())
    return (np.round(linear_to_srgb(result) * 255.0)).astype(np.uint8)


def mask_ramp(mask: np.ndarray) -> np.ndarray:
    """(H, W) weight in 0..1 of each photo pixel: 0 outside ``mask`` (H, W) bool and within
    ``EDGE_MARGIN`` of its edge, rising smoothly to 1 at ``EDGE_MARGIN + EDGE_WIDTH`` inside
    (fractions of the mask's size, the square root of its area).

    The mask's edge is ragged where hair covers the forehead, and the pixels along it mix skin
    with hair or background: fading the photo out by the distance from that edge leaves no
    seam, and the distance's contours are smooth where the edge itself is not.
    """
    from scipy.ndimage import distance_transform_edt

    scale = float(np.sqrt(mask.sum()))
    if scale == 0.0:
        return np.zeros(mask.shape)
    distance = distance_transform_edt(mask)
    ramp = np.clip((distance - EDGE_MARGIN * scale) / (EDGE_WIDTH * scale), 0.0, 1.0)
    return ramp * ramp * (3.0 - 2.0 * ramp)  # smoothstep: no kink where the fade starts/ends


def feather(alpha: np.ndarray, size: int) -> np.ndarray:
    """Shrink and soften the mask's edge so the photo fades into the procedural albedo."""
    from PIL import Image, ImageFilter

    image = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
    radius = max(1, size // 256)
    image = image.filter(ImageFilter.MinFilter(2 * radius + 1))
    image = image.filter(ImageFilter.GaussianBlur(radius * 2))
    return np.asarray(image).astype(np.float64) / 255.0
