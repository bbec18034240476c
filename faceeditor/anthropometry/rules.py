"""Geometric rules that find the Farkas anthropometric landmarks on a head of our topology.

Most Farkas landmarks are extremes: "the most anterior point of the nose", "the most lateral
point of the zygomatic arch". Here each such landmark is a *region* (candidate vertices, found
once on the average head) and a *direction*: on any head the landmark is the candidate vertex
furthest along the direction (the region's support point), so it follows the shape as a caliper
would (a wider cheek moves the zygion outward, not with one bound vertex). Landmarks that are
skin features rather than extremes (``tr``, ``ls``, ``li``, ``t``, ``pra``) are bound to the
surface. Every landmark also keeps a ``SurfacePoints`` binding at its average-head position for code that
needs fixed points.

``find_landmarks(model, params)`` re-derives everything from scratch on any head (regions
included); ``packaging/build_farkas_landmarks.py`` stores the average head's result, and the tests
compare the stored definitions against a fresh derivation on extreme heads. Ties go to the
lowest vertex id, so nothing depends on the machine. Region masks come from the model's own
local targets: the auricle is what ``l_ear_trans_forward`` moves rigidly, the nasal wing what
``nose_flaring`` moves, the mandible's angle what ``chin_bones`` reshapes.

Definitions (Farkas 1994; soft tissue; mm; face toward +Z, Y up, subject's left +X):

* midline profile (skin vertices with x = 0): ``prn`` the most anterior point of the nose;
  ``sn`` the deepest point of the columella-lip angle (behind the chord ls-prn); ``n`` the
  deepest point between nose and forehead; ``g`` the most anterior point at the eyebrows' level
  (at most ``GLABELLA_RISE_MM`` above n; the average mesh has no brow ridge); ``tr``: a bald
  mesh has no hairline, so the point where the forehead has turned ``TRICHION_TILT`` degrees
  back from the vertical on the average head, bound to the skin; ``v`` the highest point; ``op``
  the most posterior point; ``ls``/``li`` the midpoints of the upper/lower vermilion line (where
  the lips' mask of the albedo layers ends on the midline; bound to the skin); ``sto`` the
  lowest point of the upper lip (the lips' meeting line); ``sl`` the labiomental fold (first
  hollow below the lower lip, bound); ``pg`` the most anterior point of the chin; ``gn`` the
  chin's support point 45 degrees down-forward; ``me`` its lowest point (support point
  ``MENTON_TILT`` degrees forward of straight down), both on the chin's underside within
  ``CHIN_DEPTH_MM`` behind pg (the submental skin of a double chin sags lower further back).
* bilateral (``_l`` +X, ``_r`` its mirror): ``en``/``ex`` the inner/outer end of the lid margin
  (skin touching the eyeball in front of its centre); ``al`` the most lateral point of the nasal
  wing; ``ch`` the mouth corner (end of the mouth opening); ``zy`` the most lateral point of the
  face between the eyes' and the nose tip's level, in front of the ear; ``go`` the mandible's
  angle: its most inferior-posterior point on the head the rules are derived on, bound to the
  skin (a caliper finds the gonion by palpating the bone; as a support point it slid forward
  under the chin of full faces, so fat narrowed the measured mandible); ``eu`` the most
  lateral point of the skull above the ears; ``sa``/``sba`` the highest/lowest point of the
  auricle (what the ear slider moves rigidly, ``AURICLE``), ``pa`` its most posterior point;
  ``pra`` the helix root, the front of the auricle where it first stands ``AURICLE_RISE_MM``
  off the head (the mesh's ear has a flat base plate flush with the head in front of the
  visible ear), bound to the skin; ``t`` the front of that risen ear at mid-height, bound.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.surface import closest_points

#: Degrees the forehead profile turns back from the vertical at the trichion (see above).
TRICHION_TILT = 30.0
#: A skin vertex within this many mm of the eyeball (in front of its centre) is on the lid margin.
LID_CONTACT_MM = 1.2
#: The glabella is the most anterior midline point at most this far above the nasion.
GLABELLA_RISE_MM = 12.0
#: Lips-mask value above which a vertex is on the vermilion (red part of the lip).
VERMILION = 0.4
#: The menton is the chin's support point this many degrees forward of straight down.
MENTON_TILT = 25.0
#: The chin's underside (where ``gn`` and ``me`` are found) reaches this far behind ``pg``.
CHIN_DEPTH_MM = 30.0
#: The auricle is what the ear slider moves rigidly: at least this share of its largest move
#: (at 0.9 the ring of scalp and cheek around the ear counted, and the ear measured 69 x 51 mm).
AURICLE = 0.99
#: The ear's front, ``pra`` (the helix root), is where the auricle first stands this many mm
#: off the head; the mesh's ear has a base plate flush with the head about 12 mm in front of it.
AURICLE_RISE_MM = 3.0
#: The head's surface under the ear is fitted to the skin within this many mm of the auricle.
HEAD_RING_MM = 12.0


@dataclasses.dataclass(frozen=True)
class Rule:
    """A landmark: the vertex of ``candidates`` furthest along ``direction`` (None: fixed)."""

    candidates: np.ndarray  # (K,) vertex ids, ascending
    direction: np.ndarray | None  # (3,) unit vector, or None for a bound point

    def vertex(self, v: np.ndarray) -> int:
        if self.direction is None:
            return int(self.candidates[0])
        return int(self.candidates[np.argmax(v[self.candidates] @ self.direction)])


def _rule(candidates, direction=None) -> Rule:
    candidates = np.unique(np.asarray(candidates, np.int64))
    if direction is not None:
        direction = np.asarray(direction, np.float64)
        direction = direction / np.linalg.norm(direction)
    return Rule(candidates, direction)


def _skin(mesh) -> tuple[np.ndarray, np.ndarray]:
    faces = mesh.faces[mesh.part_faces("skin")]
    return faces, np.unique(faces)


def _walk(v: np.ndarray, faces: np.ndarray, on: np.ndarray, start_high: bool) -> np.ndarray:
    """The midline vertices ``on`` walked from one lip edge of the mouth opening: the upper
    lip's (``start_high``: up over the head) or the lower lip's (down the chin): (N,) ids."""
    member = set(on.tolist())
    neighbours = defaultdict(list)
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    for a, b in np.unique(np.sort(edges, 1), axis=0).tolist():
        if a in member and b in member:
            neighbours[a].append(b)
            neighbours[b].append(a)
    ends = [q for q in on.tolist() if len(neighbours[q]) == 1 and v[q, 2] > 50.0]
    order = [sorted(ends, key=lambda q: (-v[q, 1] if start_high else v[q, 1], q))[0]]
    previous = -1
    while True:
        following = sorted(q for q in neighbours[order[-1]] if q != previous)
        if not following or (not start_high and v[following[0], 2] < 0.0):
            return np.array(order)
        previous = order[-1]
        order.append(following[0])


def moved_by(model: FaceModel, name: str, fraction: float) -> np.ndarray:
    """(V,) bool: vertices that slider ``name`` at +1 moves (from the average head) by more
    than ``fraction`` of its largest move."""
    base = model.evaluate().vertices.astype(np.float64)
    params = model.default_params()
    params[name] = 1.0
    moved = np.linalg.norm(model.evaluate(params).vertices - base, axis=1)
    return moved > fraction * moved.max()


def _local_extreme(values: np.ndarray, start: int, stop: int, maximum: bool) -> int:
    """First local maximum (minimum) of ``values`` in [start, stop)."""
    sign = 1.0 if maximum else -1.0
    for i in range(max(start, 1), min(stop, len(values) - 1)):
        if sign * values[i] >= sign * values[i - 1] and sign * values[i] >= sign * values[i + 1]:
            return i
    raise ValueError("no local extreme on the profile")


def lip_mask(mesh) -> np.ndarray:
    """(V,) the lips (vermilion) mask of the albedo layers at each vertex's UV, 0..1."""
    from faceeditor.albedo.layers import load_layers

    layers = load_layers()
    mask, size = layers.mask("lips"), layers.resolution
    uv = np.zeros((len(mesh.vertices), 2))
    corners, uv_ids = mesh.faces.reshape(-1), mesh.face_uvs.reshape(-1)
    uv[corners[::-1]] = mesh.uvs[uv_ids[::-1]]  # each vertex's first corner wins
    texel = np.clip((uv * size).astype(np.int64), 0, size - 1)
    return mask[texel[:, 1], texel[:, 0]]


def upper_rules(v: np.ndarray, profile: np.ndarray, lips: np.ndarray) -> dict[str, Rule]:
    """Midline landmarks from the upper lip over the head (see the module docstring)."""
    y, z = v[profile, 1], v[profile, 2]
    top_i = int(np.argmax(y))
    front = np.arange(top_i)
    prn_i = int(front[np.argmax(z[front])])
    sto_i = int(np.argmin(y[:5]))
    # ls: the upper vermilion line, the last profile vertex inside the lips going up
    ls_i = next(i for i in range(sto_i, prn_i) if lips[profile[i + 1]] < VERMILION)
    chord = v[profile[prn_i], 1:3] - v[profile[ls_i], 1:3]
    behind = np.array([0.0, chord[1], -chord[0]])  # perpendicular to the chord, backward
    n_i = _local_extreme(z, prn_i + 1, top_i, maximum=False)
    sn_window = profile[ls_i + 1:prn_i]
    sn_i = ls_i + 1 + int(np.argmax(v[sn_window] @ behind))
    brow = np.flatnonzero((np.arange(len(profile)) > n_i) & (np.arange(len(profile)) < top_i)
                          & (y <= y[n_i] + GLABELLA_RISE_MM))
    g_i = int(brow[np.argmax(z[brow])])
    steps = np.diff(v[profile, 1:3], axis=0)
    tilt = np.degrees(np.arctan2(-steps[:, 1], steps[:, 0]))  # 0 = vertical, > 0 leaning back
    tr_i = next(i for i in range(g_i, top_i) if tilt[i] >= TRICHION_TILT)
    back = np.arange(top_i, len(profile))
    back = back[y[back] > y[n_i] - 40.0]
    return {
        "sto": _rule(profile[:5], (0, -1, 0)),
        "ls": _rule([profile[ls_i]]),
        "sn": _rule(sn_window, behind),
        "prn": _rule(profile[sn_i + 1:n_i], (0, 0, 1)),
        "n": _rule(profile[prn_i + 1:g_i], (0, 0, -1)),
        "g": _rule(profile[brow], (0, 0, 1)),
        "tr": _rule([profile[tr_i]]),
        "v": _rule(profile[g_i:], (0, 1, 0)),
        "op": _rule(profile[back], (0, 0, -1)),
    }


def chin_rules(v: np.ndarray, profile: np.ndarray, lips: np.ndarray) -> dict[str, Rule]:
    y, z = v[profile, 1], v[profile, 2]
    # li: the lower vermilion line, the last profile vertex inside the lips going down
    li_i = next(i for i in range(1, len(profile) - 1)
                if lips[profile[i]] >= VERMILION > lips[profile[i + 1]])
    # sl: the labiomental fold, the first local minimum of z below li (within 25 mm)
    fold = np.arange(li_i + 1, len(profile))
    fold = fold[y[fold] > y[li_i] - 25.0]
    sl_i = next((int(i) for i in fold[:-1] if z[i] <= z[i - 1] and z[i] <= z[i + 1]),
                int(fold[np.argmin(z[fold])]))
    chin = np.arange(sl_i, len(profile))
    chin = chin[y[chin] > y[sl_i] - 30.0]
    pg_i = int(chin[np.argmax(z[chin])])
    under = np.arange(pg_i, len(profile))
    # the chin's underside, not the neck behind it (a double chin sags below the chin there)
    under = under[(y[under] > y[pg_i] - 25.0) & (z[under] > z[pg_i] - CHIN_DEPTH_MM)]
    tilt = np.radians(MENTON_TILT)
    return {
        "li": _rule([profile[li_i]]),
        "sl": _rule([profile[sl_i]]),
        "pg": _rule(profile[chin], (0, 0, 1)),
        "gn": _rule(profile[under], (0, -1, 1)),
        "me": _rule(profile[under], (0, -np.cos(tilt), np.sin(tilt))),
    }


def left_rules(model: FaceModel, mesh, v: np.ndarray, mid: dict[str, int]) -> dict[str, Rule]:
    """Landmarks on the subject's left (+X)."""
    faces, skin = _skin(mesh)
    left = skin[v[skin, 0] > 1.0]
    eye_faces = mesh.faces[mesh.part_faces("eyes")]
    eye_faces = eye_faces[v[eye_faces][:, :, 0].mean(1) > 0]
    centre = v[np.unique(eye_faces)].mean(0)
    near = left[(v[left, 2] > centre[2]) & (np.abs(v[left, 1] - centre[1]) < 25.0)
                & (np.abs(v[left, 0] - centre[0]) < 30.0)]
    margin = near[closest_points(v[near], v, eye_faces)[2] < LID_CONTACT_MM]
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    keys, counts = np.unique(np.sort(edges, 1), axis=0, return_counts=True)
    border = np.unique(keys[counts == 1])
    mouth = border[(v[border, 2] > 50.0) & (v[border, 0] > 0)]
    nose = left[moved_by(model, "nose_flaring", 0.3)[left]]
    sn, prn = v[mid["sn"]], v[mid["prn"]]
    wing = nose[(v[nose, 1] > sn[1] - 2.0) & (v[nose, 1] < prn[1] + 8.0)
                & (v[nose, 2] > sn[2] - 25.0)]
    rigid = moved_by(model, "l_ear_trans_forward", AURICLE)
    ear = left[rigid[left]]
    risen = _risen(v, left, rigid)
    rules = {
        "en": _rule(margin, (-1, 0, 0)), "ex": _rule(margin, (1, 0, 0)),
        "ch": _rule(mouth, (1, 0, 0)), "al": _rule(wing, (1, 0, 0)),
        "sa": _rule(ear, (0, 1, 0)), "sba": _rule(ear, (0, -1, 0)),
        "pra": _rule([risen[np.argmax(v[risen, 2])]]), "pa": _rule(ear, (0, 0, -1)),
    }
    at = {name: v[rule.vertex(v)] for name, rule in rules.items()}
    band = risen[np.abs(v[risen, 1] - 0.5 * (at["sa"][1] + at["sba"][1])) < 6.0]
    rules["t"] = _rule([band[np.argmax(v[band, 2])]])
    not_ear = left[~moved_by(model, "l_ear_trans_forward", 0.02)[left]]
    in_front = v[not_ear, 2] > v[ear, 2].max() + 5.0
    skull = not_ear[(v[not_ear, 1] > at["sa"][1]) & (v[not_ear, 2] < v[mid["g"], 2] - 40.0)]
    cheek = not_ear[(v[not_ear, 1] < at["ex"][1]) & (v[not_ear, 1] > prn[1]) & in_front]
    jaw = left[moved_by(model, "chin_bones", 0.5)[left]]
    rules.update(eu=_rule(skull, (1, 0, 0)), zy=_rule(cheek, (1, 0, 0)),
                 go=_rule([_rule(jaw, (0, -1, -1)).vertex(v)]))
    return rules


def _risen(v: np.ndarray, left: np.ndarray, rigid: np.ndarray) -> np.ndarray:
    """(K,) ids of the auricle's vertices (``left`` ones of the ``rigid`` mask) standing more
    than ``AURICLE_RISE_MM`` off the head: the side of the head is a quadratic x = f(y, z)
    fitted to the skin around the auricle (the vertices within ``HEAD_RING_MM`` of it that the
    ear slider does not move rigidly); the ear's flat base plate, flush with that surface in
    front of the visible ear, is left out."""
    ear, around = left[rigid[left]], left[~rigid[left]]
    gap = np.sqrt(((v[around][:, None] - v[ear][None]) ** 2).sum(-1)).min(1)
    ring = around[gap < HEAD_RING_MM]

    def basis(ids):
        y, z = v[ids, 1], v[ids, 2]
        return np.stack([np.ones_like(y), y, z, y * y, y * z, z * z], 1)

    surface, *_ = np.linalg.lstsq(basis(ring), v[ring, 0], rcond=None)
    return ear[v[ear, 0] - basis(ear) @ surface > AURICLE_RISE_MM]


def mirror_ids(v: np.ndarray, candidates: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each of ``ids``, the candidate vertex nearest to its mirror image in x = 0."""
    targets = v[ids] * np.array([-1.0, 1.0, 1.0])
    d = ((v[candidates][None] - targets[:, None]) ** 2).sum(-1)
    return candidates[np.argmin(d, axis=1)]


def find_rules(model: FaceModel, params=None) -> dict[str, Rule]:
    """Every landmark's rule, derived on the head for ``params`` (default: the average head)."""
    mesh = model.evaluate(params)
    v = mesh.vertices.astype(np.float64) * 1000.0
    faces, skin = _skin(mesh)
    average = model.evaluate().vertices
    on = skin[np.abs(average[skin, 0]) < 1e-9]  # the mesh is symmetric: x = 0 exactly
    lips = lip_mask(mesh)
    rules = upper_rules(v, _walk(v, faces, on, start_high=True), lips)
    rules.update(chin_rules(v, _walk(v, faces, on, start_high=False), lips))
    mid = {name: rule.vertex(v) for name, rule in rules.items()}
    for name, rule in left_rules(model, mesh, v, mid).items():
        rules[f"{name}_l"] = rule
        mirrored = mirror_ids(v, skin, rule.candidates)
        direction = None if rule.direction is None else rule.direction * [-1.0, 1.0, 1.0]
        rules[f"{name}_r"] = _rule(mirrored, direction)
    return rules


def find_landmarks(model: FaceModel, params=None) -> dict[str, int]:
    """{name: vertex id} of every landmark on the head for ``params`` (rules derived afresh)."""
    rules = find_rules(model, params)
    v = model.evaluate(params).vertices.astype(np.float64) * 1000.0
    return {name: rule.vertex(v) for name, rule in rules.items()}
