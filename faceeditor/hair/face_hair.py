"""Facial hair: eyebrows and eyelashes bound rigidly to their root's triangle (brows ride on
``browInnerUp``, lashes swing shut with ``eyeBlink*``); beard points bound to the skin under
each of them, so the beard follows ``jawOpen`` without sinking into the neck.

Shapes are described in front-view coordinates relative to the eyes and mouth of the rest head
and projected onto the skin.
"""

from __future__ import annotations

import numpy as np

from faceeditor.hair.head import HeadShape
from faceeditor.hair.settings import HairSettings, strand_colours
from faceeditor.hair.strands import (ATLAS_COLUMNS, EDGE_CLEARANCE, Strands, normalize, smoothstep,
                                     tangent_part)

UP = np.array([0.0, 1.0, 0.0])
FORWARD = np.array([0.0, 0.0, 1.0])
#: Eyelashes per lid: share of the cards, base length and card width (metres), up (1) or down,
#: span along the margin (0 inner corner), melanin shift, initial rise and forward lean, curl.
#: Lower lashes are short, sparse and lighter, stop short of the corners (where the closing
#: upper lid meets them) and leave the lid forward: pointing down they would lie on the lid
#: skin, hidden near their roots and seen as patches below the margin.
LASH_LIDS = {
    "upper": (1.0, 0.0085, 0.0014, 1.0, (0.02, 1.0), 0.6, None, 0.0, 1.0),
    "lower": (0.22, 0.0026, 0.001, -1.0, (0.1, 0.85), 0.3, 0.8, 0.6, 0.3),
}
#: Mouth and chin heights relative to the eyes (metres), measured on the rest head.
MOUTH_BELOW_EYES = 0.072
SUBNASALE_BELOW_EYES = 0.052
CHIN_BELOW_EYES = 0.118
#: Moustache tips stop this far (metres) above the line where the lips meet.
MOUSTACHE_LIP_GAP = 0.0015
#: Beard regions and their (length cm at beard_length 0, at 1), cards at density 1.
BEARD_STYLES = {
    "none": None, "stubble": None,
    "short beard": (("full",), (0.4, 1.6), 2000),
    "full beard": (("full",), (2.0, 9.0), 1800),
    "goatee": (("goatee", "moustache"), (0.8, 4.0), 1100),
    "moustache": (("moustache",), (0.6, 1.8), 700),
}


def _join(parts: list[Strands]) -> Strands | None:
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return None
    fields = ("points", "widths", "ref", "colours", "shade", "column", "root_triangles",
              "root_weights")
    return Strands(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields},
                   rigid=parts[0].rigid)


def _lay(head: HeadShape, tris, weights, directions, lengths, k, clearance, lift):
    """Strands of ``k`` points from surface roots along ``directions`` lying on the skin,
    rising ``lift`` (metres) at the tip above ``clearance``."""
    roots = np.einsum("nk,nkd->nd", weights, head.vertices[head.faces[tris]])
    normal = head.normals_at(tris, weights)
    direction = normalize(tangent_part(directions, normal))
    s = np.linspace(0, 1, k)
    points = roots[:, None] + direction[:, None] * (lengths[:, None] * s)[..., None]
    height = clearance + lift[:, None] * s[None] ** 1.5
    points = head.push_out(points, height)
    return points, normal


def grow_eyebrows(head: HeadShape, settings: HairSettings, rng: np.random.Generator
                  ) -> Strands | None:
    density = settings["eyebrow_density"]
    thickness = settings["eyebrow_thickness"]
    count = int(round((34 + 130 * density) * (0.6 + 0.6 * thickness)))
    if count < 4:
        return None
    sides = []
    for centre in head.eye_centres:
        sx = np.sign(centre[0])
        t = rng.random(count) ** 0.9
        v = rng.uniform(-0.5, 0.5, count)
        # sparser toward the top edge and the inner start: skin shows between the hairs there
        keep = rng.random(count) < ((1 - 0.6 * smoothstep(0.0, 0.5, v))
                                    * (1 - 0.3 * (1 - smoothstep(0.0, 0.15, t))))
        t, v = t[keep], v[keep]
        n = len(t)
        inner = 0.001 + 0.02 * settings["eyebrow_gap"]
        outer = abs(centre[0]) + 0.014 + 0.012 * settings["eyebrow_length"]
        x = sx * (inner + (outer - inner) * t)
        arch = 0.0015 + 0.007 * settings["eyebrow_arch"]
        peak = 0.62
        rise = np.where(t < peak, 1 - ((t - peak) / peak) ** 2, 1 - ((t - peak) / 0.55) ** 2)
        height = (0.005 + 0.009 * thickness) * (1.0 - 0.55 * smoothstep(0.3, 1.0, t))
        y = head.eye_y + 0.0205 + arch * rise + v * height
        roots = head.project_front(np.stack([x, y], -1))
        angle = np.radians(np.interp(t, [0, 0.15, 0.35, 1], [80, 55, 12, -15]) - 40 * v)
        direction = np.stack([sx * np.cos(angle), np.sin(angle), np.zeros(n)], -1)
        lengths = (0.005 + 0.005 * thickness) * rng.uniform(0.7, 1.2, n)
        points, normal = _lay(head, roots.triangles, roots.weights, direction, lengths, 3,
                              0.0002, 0.0006 + 0.0012 * thickness * rng.random(n))
        sides.append(Strands(
            points=points, widths=np.full((n, 3), 0.0016) * [1, 0.8, 0.45],
            ref=np.repeat(normal[:, None], 3, 1),
            colours=strand_colours(settings, n, rng, darker=-settings["eyebrow_tint"],
                                   grey_scale=0.6),
            shade=np.ones(n), column=np.full(n, ATLAS_COLUMNS.index("fine")),
            root_triangles=roots.triangles, root_weights=roots.weights, rigid=True))
    return _join(sides)


def grow_eyelashes(head: HeadShape, settings: HairSettings, rng: np.random.Generator
                   ) -> Strands | None:
    density = settings["eyelash_density"]
    curl = settings["eyelash_curl"]
    length_scale = 0.6 + 0.9 * settings["eyelash_length"]
    parts = []
    for lid, (share, base_length, card_width, sign, span, darker, drop, lean, bent) in \
            LASH_LIDS.items():
        count = int(round((18 + 42 * density) * share))
        for side, centre in zip(("left", "right"), head.eye_centres):
            if count < 2:
                continue
            tris, weights = head.lid_margins[f"{lid}_{side}"]
            margin = np.einsum("nk,nkd->nd", weights, head.vertices[head.faces[tris]])
            t = np.sort(rng.uniform(*span, count))
            s = np.linspace(0, 1, len(margin))
            roots = np.stack([np.interp(t, s, margin[:, i]) for i in range(3)], -1)
            root_t, root_w = head.nearest_surface(roots)
            roots = np.einsum("nk,nkd->nd", root_w, head.vertices[head.faces[root_t]])
            eyeball = centre.copy()
            eyeball[2] = margin[:, 2].max() - 0.011
            out = normalize(roots - eyeball)
            sx = np.sign(centre[0])
            flare = np.array([sx, 0.0, 0.0]) * (0.5 * t - 0.1)[:, None]
            rise = sign * (0.25 + 0.3 * curl if drop is None else drop)
            direction = normalize(out + rise * UP + lean * FORWARD + flare)
            profile = 0.55 + 0.45 * np.sin(np.pi * np.clip(t * 0.85 + 0.1, 0, 1))
            length = base_length * length_scale * profile * rng.uniform(0.85, 1.1, count)
            k = 4
            points = np.zeros((count, k, 3))
            points[:, 0] = roots
            bend = sign * UP * (0.1 + 0.55 * curl) * bent
            d = direction
            for i in range(1, k):
                points[:, i] = points[:, i - 1] + d * (length / (k - 1))[:, None]
                d = normalize(d + bend)
            ref = normalize(np.cross(points[:, -1] - points[:, 0], np.array([1.0, 0, 0])))
            ref = np.where((ref[:, 2:3] < 0), -ref, ref)
            parts.append(Strands(
                points=points, widths=np.full((count, k), card_width) * [1, 1, 0.9, 0.7],
                ref=np.repeat(ref[:, None], k, 1),
                colours=strand_colours(settings, count, rng, darker=darker, grey_scale=0.2),
                shade=np.full(count, 0.8), column=np.full(count, ATLAS_COLUMNS.index("lashes")),
                root_triangles=root_t, root_weights=root_w, rigid=True))
    return _join(parts)


def beard_mask(head: HeadShape, points: np.ndarray, regions: tuple[str, ...]) -> np.ndarray:
    """(N,) 0..1 how much each point ((N, 3)) lies in the beard ``regions`` (full, goatee,
    moustache), soft at the edges."""
    e = head.eye_y
    x, y = np.abs(points[:, 0]), points[:, 1]
    mouth = e - MOUTH_BELOW_EYES
    front = points[:, 2] > head.centre[2] - 0.005
    lips = ((x / 0.03) ** 2 + ((y - mouth) / 0.0125) ** 2) < 1
    neck = smoothstep(e - CHIN_BELOW_EYES - 0.018, e - CHIN_BELOW_EYES - 0.008, y)
    mask = np.zeros(len(points))
    if "full" in regions:
        cheek = np.interp(x, [0.0, 0.03, 0.045, 0.062, 0.075, 0.09],
                          [e - 0.05, mouth + 0.012, e - 0.036, e - 0.03, e - 0.012, e - 0.012])
        mask = np.maximum(mask, smoothstep(0.0, 0.006, cheek - y) * neck * front)
    if "goatee" in regions:
        chin = smoothstep(0.024, 0.018, x) * smoothstep(0, 0.004, mouth - 0.011 - y) * neck
        mask = np.maximum(mask, chin * front)
    if "moustache" in regions:
        lip = (smoothstep(0.032, 0.026, x) * smoothstep(0.0, 0.003, y - mouth - 0.006)
               * smoothstep(0.0, 0.003, e - SUBNASALE_BELOW_EYES - 0.002 - y))
        mask = np.maximum(mask, lip * front)
    return mask * ~lips


def beard_coverage(head: HeadShape, settings: HairSettings) -> np.ndarray:
    """(V,) painted beard layer under the beard cards (and the whole of 'stubble')."""
    coverage = np.zeros(len(head.vertices))
    style = settings.beard
    if style == "none":
        return coverage
    regions = ("full",) if style == "stubble" else BEARD_STYLES[style][0]
    ids = head.skin_vertex_ids
    strength = (0.35 if style == "stubble" else 0.75) * (0.4 + 0.6 * settings["beard_density"])
    coverage[ids] = beard_mask(head, head.vertices[ids], regions) * strength
    return coverage


def grow_beard(head: HeadShape, settings: HairSettings, rng: np.random.Generator
               ) -> Strands | None:
    entry = BEARD_STYLES[settings.beard]
    if entry is None:
        return None
    regions, length_cm, cards = entry
    count = int(round(cards * (0.25 + 0.75 * settings["beard_density"])))
    tris, weights, points = head.sample_skin(count * 3, rng, keep=lambda c: (
        beard_mask(head, c, regions) > 0))
    keep = np.flatnonzero(rng.random(len(points)) < beard_mask(head, points, regions))[:count]
    tris, weights, points = tris[keep], weights[keep], points[keep]
    count = len(points)
    if count < 2:
        return None
    length = np.interp(settings["beard_length"], [0, 1], length_cm) / 100.0
    length = length * rng.uniform(0.7, 1.15, count)
    moustache = points[:, 1] > head.eye_y - MOUTH_BELOW_EYES
    sx = np.sign(points[:, 0] + 1e-9)
    direction = -UP[None] + np.where(moustache, 0.6, 0.15)[:, None] * sx[:, None] * [1.0, 0, 0]
    direction = direction + 0.25 * np.array([0.0, 0.0, 1.0])
    # a moustache ends on the upper lip: tips hanging over the lower lip would sink into it
    # as the upper lip rolls in (mouthRollUpper) and the lower lip rises
    above_lip = (points[:, 1] - (head.eye_y - MOUTH_BELOW_EYES + MOUSTACHE_LIP_GAP)) / 0.85
    length = np.where(moustache, np.clip(above_lip, 0.003, 0.012), length)
    k = 4 if length.mean() < 0.03 else 6
    lift = length * 0.35
    strands, normal = _lay(head, tris, weights, direction, length, k, 0.0006, lift)
    hang = length.mean() > 0.03
    if hang:  # long beards fall down under gravity, in front of the neck
        s = np.linspace(0, 1, k)[None, :, None] ** 2
        strands = strands + s * (np.where(moustache, 0.0, length * 0.5)[:, None, None]) * -UP
        strands = head.push_out(strands, 0.0008 + lift[:, None] * np.linspace(0, 1, k))
    widths = 0.004 * rng.uniform(0.8, 1.2, count)[:, None] * np.linspace(1, 0.6, k)[None]
    ref = np.repeat(normal[:, None], k, 1)
    strands = head.lift_card_edges(strands, ref, widths, EDGE_CLEARANCE)
    return Strands(
        points=strands, widths=widths, ref=ref,
        colours=strand_colours(settings, count, rng, darker=0.1, grey_scale=1.3),
        shade=rng.uniform(0.6, 1.0, count), column=np.full(count, ATLAS_COLUMNS.index("fine")),
        root_triangles=tris, root_weights=weights, rigid=False)
