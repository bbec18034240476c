"""Scalp hair: where it grows (the hairline), how it is combed (the flow) and how it grows.

Cards grow from roots sampled on the scalp, area-uniformly inside the hairline (a soft edge so
the hairline is not a ruled line), each given a layer between the scalp (inner, darker, dense
strands) and the outside (sparse strands), then stepped along the style's flow, bent by gravity
and kept outside the head at their layer's height. Curls and waves come last.
"""

from __future__ import annotations

import numpy as np

from faceeditor.hair.head import HeadShape
from faceeditor.hair.settings import HairSettings, strand_colours, style_table
from faceeditor.hair.strands import (ATLAS_COLUMNS, EDGE_CLEARANCE, Strands, add_curl, normalize,
                                     smoothstep, tangent_part, turn_cards)

UP = np.array([0.0, 1.0, 0.0])
#: Keep long hair this far (metres) beside the face's centre line, below the hairline.
FACE_HALF_WIDTH = 0.071
#: Cards turn about their strand by up to this (radians) each way.
CARD_TURN = 0.5
#: The forehead: in front of this azimuth (degrees) and below the hairline, combed hair turns
#: aside instead of crossing it.
FOREHEAD_AZIMUTH = 60.0
#: Around the ear (azimuths, degrees), short hair ends above the ear's top instead of draping
#: over it (a card folded over the helix lies flat along it as a band).
EAR_AZIMUTHS = (50.0, 65.0, 115.0, 135.0)


def hairline_raise(settings: HairSettings) -> float:
    style = style_table()[settings.style]
    return float(np.clip(settings["hairline_height"] + style["hairline"], 0.0, 1.0))


def scalp_score(head: HeadShape, points: np.ndarray, settings: HairSettings) -> np.ndarray:
    """Height (metres) of ``points`` ((N, 3)) above the hairline: > 0 on the scalp."""
    e, r = head.eye_y, hairline_raise(settings)
    front = e + 0.060 + 0.045 * r
    knots = np.array([0, 22, 45, 60, 66, 73, 79, 112, 124, 150, 180], np.float64)
    heights = np.array([front, front + 0.003 + 0.03 * r, e + 0.052 + 0.02 * r, e + 0.024 + 0.01 * r,
                        e - 0.008, e - 0.010, e + 0.032, e + 0.032, e - 0.035, e - 0.058, e - 0.064])
    azimuth = np.abs(head.azimuth(points))
    return points[:, 1] - np.interp(azimuth, knots, heights)


def crown_point(head: HeadShape) -> np.ndarray:
    return head.centre + head.radius * normalize(np.array([0.0, 0.75, -0.55]))


def scalp_coverage(head: HeadShape, settings: HairSettings) -> np.ndarray:
    """(V,) how much hair covers each vertex, 0..1 (0 off the skin): the painted scalp layer."""
    style = style_table()[settings.style]
    coverage = np.zeros(len(head.vertices))
    ids = head.skin_vertex_ids
    points = head.vertices[ids]
    radial = (head.normals[ids] * normalize(points - head.centre)).sum(-1)
    score = scalp_score(head, points, settings)
    thin = style["crown_thin"] * (1 - smoothstep(0.03, 0.06, np.linalg.norm(
        points - crown_point(head), axis=-1)))
    coverage[ids] = smoothstep(-0.004, 0.010, score) * smoothstep(0.2, 0.5, radial) * (1 - thin)
    return coverage * style["cap"] * (0.55 + 0.45 * settings["hair_density"])


def grow_scalp_hair(head: HeadShape, settings: HairSettings, rng: np.random.Generator
                    ) -> Strands | None:
    """The scalp hair cards of ``settings``' style, or None for a bald head."""
    style = style_table()[settings.style]
    count = int(round(style["cards"] * (0.3 + 0.7 * settings["hair_density"])))
    if count == 0:
        return None
    tris, weights, roots = _sample_roots(head, settings, style, count, rng)
    count = len(roots)
    normal = head.normals_at(tris, weights)
    k = int(style["points"])
    volume = settings["hair_volume"]
    length = np.interp(settings["hair_length"], [0, 1], style["length_cm"]) / 100.0
    edge = smoothstep(-0.002, 0.02, scalp_score(head, roots, settings))
    length = length * rng.uniform(0.85, 1.1, count) * (0.35 + 0.65 * edge)
    long_hair = length.mean() > 0.12
    if not long_hair and style["flow"] != "out":
        length = _above_ear(head, roots, length)
    layer = rng.random(count) ** 0.8  # 0 = against the scalp, 1 = outermost
    clearance = 0.0012 + layer * (0.0008 + style["layers"] * 0.001 * (0.3 + 0.9 * volume))
    flow = _flow(head, settings, style["flow"], roots, normal)
    lift = min(style["lift"] * (0.5 + volume), 0.95)
    direction = normalize(flow * (1 - lift) + normal * lift)

    if style["flow"] == "back":
        points = _ponytail(head, settings, style, roots, clearance, rng)
    else:
        points = _grow(head, settings, roots, direction, length / (k - 1), k, style, clearance,
                       long_hair)
    ref = normalize(points - head.centre)
    curl = float(np.clip(settings["hair_curl"] + style["curl"], 0, 1))
    if curl > 0.02:
        seg = length / (k - 1)
        wavelength = np.maximum((0.09 - 0.07 * curl) * rng.uniform(0.8, 1.2, count), 5.5 * seg)
        amplitude = (0.002 + 0.016 * curl) * np.minimum(length / 0.08, 1.0) * (0.5 + volume)
        amplitude = np.minimum(amplitude, 0.2 * wavelength)
        curled, ref = add_curl(points, ref, amplitude * rng.uniform(0.6, 1.2, count),
                               wavelength, smoothstep(0.35, 0.8, curl), rng)
        if style["flow"] == "part":  # no curls swinging down over the forehead
            calm = 1 - _forehead(head, settings, points.reshape(-1, 3), 0.02).reshape(
                points.shape[:2])
            curled = points + (curled - points) * calm[..., None]
        points = curled
        points = head.push_out(points, clearance[:, None])
    for _ in range(2):  # pushing out of one triangle can land under its neighbour in creases
        points = head.push_out(points, clearance[:, None])
    ref = turn_cards(points, ref, rng.uniform(-CARD_TURN, CARD_TURN, count))
    # finer cards along the hairline, where single cards are seen against the skin
    width = style["width_mm"] / 1000.0 * rng.uniform(0.8, 1.2, count) * (0.55 + 0.45 * edge)
    widths = width[:, None] * (1.0 - 0.45 * np.linspace(0, 1, points.shape[1]))[None]
    points = head.lift_card_edges(points, ref, widths, EDGE_CLEARANCE)
    # wisps along the hairline: a dense card's straight outer strand reads as a drawn line there
    column = np.where((layer < 0.45) & (edge > 0.6), ATLAS_COLUMNS.index("dense"),
                      ATLAS_COLUMNS.index("sparse"))
    return Strands(points=points, widths=widths, ref=ref,
                   colours=strand_colours(settings, count, rng), shade=0.45 + 0.55 * layer,
                   column=column, root_triangles=tris, root_weights=weights, rigid=False)


def _sample_roots(head, settings, style, count, rng):
    tris, weights, points = head.sample_skin(count * 4, rng, keep=lambda c: (
        scalp_score(head, c, settings) > -0.012))
    normal = head.normals_at(tris, weights)
    radial = (normal * normalize(points - head.centre)).sum(-1)
    chance = smoothstep(-0.002, 0.010, scalp_score(head, points, settings))
    chance *= smoothstep(0.25, 0.55, radial)  # not inside the ears
    near_crown = np.linalg.norm(points - crown_point(head), axis=-1)
    chance *= 1 - style["crown_thin"] * (1 - smoothstep(0.02, 0.07, near_crown))
    keep = np.flatnonzero(rng.random(len(points)) < chance)[:count]
    return tris[keep], weights[keep], points[keep]


def _flow(head, settings, kind, roots, normal):
    """(N, 3) unit combing direction in the scalp's tangent plane at each root."""
    if kind == "crown":
        flow = roots - crown_point(head)
    elif kind == "out":
        flow = 0.3 * normalize(roots - crown_point(head))
        return normalize(normal + flow)
    elif kind == "back":
        flow = _gather_point(head) - roots
    else:  # away from the parting, then down at the back
        part_x = settings["hair_parting"] * 0.045
        side = np.sign(roots[:, 0] - part_x + 1e-9)[:, None] * np.array([1.0, 0.0, 0.0])
        back = np.abs(head.azimuth(roots))
        behind = smoothstep(95, 150, back)[:, None]
        flow = (1 - behind) * (side + np.array([0.0, -0.2, -0.35])) + behind * -UP
    return normalize(tangent_part(flow, normal))


def _grow(head, settings, roots, direction, step, k, style, clearance, long_hair):
    n = len(roots)
    points = np.zeros((n, k, 3))
    points[:, 0] = roots
    gravity = np.full((n, 1), style["gravity"] * (0.4 if not long_hair else 1.0))
    for i in range(1, k):
        direction = normalize(direction - gravity * i * UP[None])
        if style["flow"] != "out":  # lie on the head: drop most of the outward part
            radial = normalize(points[:, i - 1] - head.centre)
            outward = np.maximum((direction * radial).sum(-1, keepdims=True), 0.0)
            on_head = points[:, i - 1, 1:2] > head.centre[1] - 0.04
            direction = normalize(direction - 0.6 * outward * radial * on_head)
        new = points[:, i - 1] + direction * step[:, None]
        new = head.push_out(new, clearance)
        if style["flow"] == "part":
            new, turned = _off_forehead(head, settings, points[:, i - 1], new, direction, step,
                                        clearance)
            gravity[turned] *= 0.3  # a strand turned aside stays swept aside
        if long_hair:
            new = _beside_face(head, new)
        direction = normalize(new - points[:, i - 1])
        points[:, i] = new
    return points


def _forehead(head: HeadShape, settings: HairSettings, points: np.ndarray, margin: float
              ) -> np.ndarray:
    """(N,) 0..1: how far ``points`` are on the forehead, below the hairline (``margin`` metres
    of scalp above it count in part), in front of ``FOREHEAD_AZIMUTH`` and above the brows."""
    below = smoothstep(margin, margin - 0.006, scalp_score(head, points, settings))
    front = smoothstep(FOREHEAD_AZIMUTH + 8, FOREHEAD_AZIMUTH - 4, np.abs(head.azimuth(points)))
    return below * front * smoothstep(head.eye_y - 0.02, head.eye_y, points[:, 1])


def _off_forehead(head, settings, previous, new, direction, step, clearance):
    """``new`` points of strands stepping from ``previous`` ((N, 3) each), where a step crossed
    onto the forehead, taken again aside (away from the face's middle) and a little back along
    the hairline: the strands at the hairline and the parting sweep to the side instead of
    hanging over the face as flat cards. Returns the points and the ids of the turned ones."""
    on_face = np.flatnonzero(_forehead(head, settings, new, -0.002) > 0.5)
    if len(on_face) == 0:
        return new, on_face
    prev = previous[on_face]
    heading = direction[on_face, 0]
    side = np.where(np.abs(heading) > 0.05, np.sign(heading), np.sign(prev[:, 0] + 1e-9))
    aside = side[:, None] * np.array([1.0, 0.0, 0.0]) + np.array([0.0, -0.1, -0.5])
    aside = normalize(tangent_part(aside, normalize(prev - head.centre)))
    moved = prev + aside * step[on_face, None]
    hairline = moved[:, 1] - scalp_score(head, moved, settings)
    moved[:, 1] = np.maximum(moved[:, 1], hairline - 0.002)
    new = new.copy()
    new[on_face] = head.push_out(moved, clearance[on_face])
    return new, on_face


def _above_ear(head: HeadShape, roots: np.ndarray, length: np.ndarray) -> np.ndarray:
    """``length`` ((N,)) of short hair growing above the ear, cut to end above its top."""
    a0, a1, a2, a3 = EAR_AZIMUTHS
    azimuth = np.abs(head.azimuth(roots))
    near = smoothstep(a0, a1, azimuth) * (1 - smoothstep(a2, a3, azimuth))
    room = 0.012 + 1.5 * np.maximum(roots[:, 1] - (head.eye_y + 0.008), 0.0)
    return length + (np.minimum(length, room) - length) * near


def _beside_face(head: HeadShape, points: np.ndarray) -> np.ndarray:
    """Long hair falls beside the face, not over it."""
    in_front = points[:, 2] > head.centre[2] + 0.015
    below = points[:, 1] < head.eye_y + 0.055
    inside = in_front & below & (np.abs(points[:, 0]) < FACE_HALF_WIDTH)
    points[inside, 0] = np.sign(points[inside, 0] + 1e-9) * FACE_HALF_WIDTH
    return points


def _gather_point(head: HeadShape) -> np.ndarray:
    return head.centre + head.radius * normalize(np.array([0.0, 0.1, -1.0]))


def _ponytail(head, settings, style, roots, clearance, rng):
    """Hair pulled back along the scalp to a band, then hanging as a tail."""
    k = int(style["points"])
    tail_k = 8
    gather = _gather_point(head)
    s = np.linspace(0, 1, k)[None, :, None]
    path = roots[:, None] * (1 - s) + (gather + 0.004 * rng.normal(size=(len(roots), 3)))[:, None] * s
    path = head.push_out(path, (0.0012 + 0.5 * clearance)[:, None])
    for _ in range(2):  # a straight chord cuts the skull; pushing twice follows it
        path = head.push_out(path, (0.0012 + 0.5 * clearance)[:, None])
    tail_length = np.interp(settings["hair_length"], [0, 1], style["tail"]) / 100.0
    t = np.linspace(0, 1, tail_k + 1)[1:]
    axis = normalize(np.array([0.0, -1.0, -0.35]))
    angle = rng.uniform(0, 2 * np.pi, len(roots))
    radius = 0.012 * np.sqrt(rng.random(len(roots))) * (0.6 + settings["hair_volume"])
    spread = (np.cos(angle)[:, None] * np.array([1.0, 0, 0]) + np.sin(angle)[:, None] *
              np.array([0, 0.3, -1.0]))
    tail = (path[:, -1:] + (axis * tail_length)[None, None] * t[None, :, None]
            + spread[:, None] * radius[:, None, None] * (0.5 + 0.7 * t)[None, :, None])
    tail = head.push_out(tail, 0.004)
    return np.concatenate([path, tail], 1)
