"""Strands: the centre lines of hair cards, grown on the rest head.

A ``Strands`` is N cards of K points each; cards are ribbons along those points, ``widths`` wide,
lying across ``ref`` (the card's face looks along ``ref``: the scalp normal for hair that lies
on the head, forward for eyelashes).
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Columns of the strand alpha atlas (``texture.strand_atlas``).
ATLAS_COLUMNS = ("dense", "sparse", "fine", "lashes")
#: Card edges of scalp hair and beards are kept this far (metres) above the rest head's skin.
EDGE_CLEARANCE = 0.0005


@dataclasses.dataclass
class Strands:
    """N cards of K points.

    Attributes:
        points: (N, K, 3) rest positions, root first.
        widths: (N, K) card width in metres.
        ref: (N, K, 3) unit vectors the card faces (card normal direction).
        colours: (N, 3) linear RGB.
        shade: (N,) ambient occlusion of the card (inner layers darker), 0..1.
        column: (N,) int index into ``ATLAS_COLUMNS``.
        root_triangles, root_weights: (N,) and (N, 3): where each card grows.
        rigid: True to bind every point to its root's triangle (eyelashes, brows, beards
            follow their lid, brow or jaw); False to bind each point to its nearest skin.
    """

    points: np.ndarray
    widths: np.ndarray
    ref: np.ndarray
    colours: np.ndarray
    shade: np.ndarray
    column: np.ndarray
    root_triangles: np.ndarray
    root_weights: np.ndarray
    rigid: bool

    def __len__(self) -> int:
        return len(self.points)

    @property
    def points_per_strand(self) -> int:
        return self.points.shape[1]


def card_sides(points: np.ndarray, ref: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(N, K, 3) half-width vectors of cards along ``points`` ((N, K, 3)) facing ``ref``,
    ``widths`` ((N, K)) wide: a card's edges are its centre line -+ these."""
    tangent = normalize(np.gradient(points, axis=1))
    return normalize(np.cross(tangent, ref)) * (widths[..., None] / 2)


def turn_cards(points: np.ndarray, ref: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """``ref`` ((N, K, 3)) turned about each strand's direction by ``angle`` ((N,) radians),
    growing from none at the root (cards leave the scalp lying on it) to all of it a third of
    the way along: cards facing one way form one flat shell."""
    tangent = normalize(np.gradient(points, axis=1))
    turn = angle[:, None, None] * smoothstep(0.0, 0.33, np.linspace(0, 1, points.shape[1]))[
        None, :, None]
    along = (tangent * ref).sum(-1, keepdims=True) * tangent
    return normalize(ref * np.cos(turn) + np.cross(tangent, ref) * np.sin(turn)
                     + along * (1 - np.cos(turn)))


def smoothstep(edge0: float, edge1: float, x):
    t = np.clip((np.asarray(x, np.float64) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def normalize(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def tangent_part(v: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``v`` with its component along the unit ``n`` removed."""
    return v - (v * n).sum(-1, keepdims=True) * n


def add_curl(points: np.ndarray, ref: np.ndarray, amplitude: np.ndarray, wavelength: np.ndarray,
             helix: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Waves (``helix`` 0) or corkscrew curls (``helix`` 1) along each strand ((N, K, 3)), with
    ``amplitude`` and ``wavelength`` (N,) in metres, growing from the root. Returns the points
    and the cards' new facing (``ref``).

    A wave swings each card mostly across its face (toward and away from the head) and partly
    within it, at an angle of its own: a card waving only within its plane reads as a flat
    zig-zag ribbon. A curl winds the card around the curl's axis, facing out of it, like a
    ribbon on a cylinder (a card facing a fixed way while its centre spirals twists into
    shards)."""
    if not np.any(amplitude > 0):
        return points, ref
    n, k = points.shape[:2]
    direction = normalize(np.gradient(points, axis=1))
    a = normalize(np.cross(direction, ref))
    b = np.cross(direction, a)
    arc = np.concatenate([np.zeros((n, 1)), np.cumsum(
        np.linalg.norm(np.diff(points, axis=1), axis=-1), axis=1)], 1)
    phase = 2 * np.pi * arc / wavelength[:, None] + rng.uniform(0, 2 * np.pi, (n, 1))
    tilt = rng.uniform(0.45, 1.35, (n, 1, 1))  # the wave's angle out of the card's plane
    grow = smoothstep(0.0, 0.25, np.linspace(0, 1, k))[None, :, None]  # flat at the root
    ramp = grow[..., 0] * amplitude[:, None]
    wave = np.cos(tilt) * a + np.sin(tilt) * b
    across = np.sin(phase)[..., None]
    around = helix * np.cos(phase)[..., None]
    offset = (across * ((1 - helix) * wave + helix * a) + around * b) * ramp[..., None]
    outward = normalize(across * a + np.cos(phase)[..., None] * b)  # off the curl's axis
    facing = normalize((1 - helix * grow) * ref + helix * grow * outward)
    return points + offset, facing
