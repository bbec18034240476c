"""Seeded procedural fields for skin detail, evaluated on the head's surface (seamless in UV).

Fields that vary over the skin (blotches, freckles, age spots, moles) are 3D value noise of the
surface point behind each texel (``Layers.position``), so both sides of a UV seam get the same
value. Hair grain and iris fibres are cheap UV-space or eye-polar functions. Every function is
deterministic for its ``rng`` state; ``seeded_fields`` draws them all from one seed.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from faceeditor.albedo.layers import Layers

FIELD_NAMES = ("blotch", "freckle", "age_spot", "mole", "hair", "iris")
PORE_TILE = 256   # texels of the pore tile
PORE_REPEAT = 8   # tiles across [0, 1]: one pore texel per texel of a 2048 texture


def value_noise_3d(points: np.ndarray, cell: float, rng: np.random.Generator,
                   lattice: int = 32) -> np.ndarray:
    """(N,) smooth noise in [0, 1] at (N, 3) ``points`` (metres) with feature size ``cell``.

    Random values on a periodic ``lattice``^3 grid, interpolated with smoothstep weights.
    """
    grid = rng.random((lattice, lattice, lattice)).astype(np.float32)
    q = points / cell + rng.random(3) * lattice
    base = np.floor(q).astype(np.int64)
    f = (q - base).astype(np.float32)
    w = f * f * (3 - 2 * f)
    i0, i1 = base % lattice, (base + 1) % lattice
    total = np.zeros(len(points), np.float32)
    for dx, ix, wx in ((0, i0[:, 0], 1 - w[:, 0]), (1, i1[:, 0], w[:, 0])):
        for dy, iy, wy in ((0, i0[:, 1], 1 - w[:, 1]), (1, i1[:, 1], w[:, 1])):
            for dz, iz, wz in ((0, i0[:, 2], 1 - w[:, 2]), (1, i1[:, 2], w[:, 2])):
                total += grid[ix, iy, iz] * wx * wy * wz
    return total


def fractal_noise(points: np.ndarray, cell: float, octaves: int,
                  rng: np.random.Generator) -> np.ndarray:
    """(N,) sum of ``octaves`` value-noise octaves (halving cell and amplitude), rescaled to
    mean 0.5 and about +-0.5."""
    total = np.zeros(len(points), np.float32)
    amplitude, norm = 1.0, 0.0
    for _ in range(octaves):
        total += amplitude * (value_noise_3d(points, cell, rng) - 0.5)
        norm += amplitude
        cell, amplitude = cell / 2, amplitude / 2
    return np.clip(0.5 + total / norm * 1.6, 0.0, 1.0)


def mole_field(points: np.ndarray, rng: np.random.Generator, count: int = 14) -> np.ndarray:
    """(N,) sum of ``count`` small round spots of random strength at random surface points."""
    centres = points[rng.integers(0, len(points), count)]
    strength = rng.uniform(0.25, 1.0, count).astype(np.float32)
    radius = rng.uniform(0.0008, 0.0018, count)
    return spot_field(points, centres, strength, radius)


def spot_field(points: np.ndarray, centres: np.ndarray, strength: np.ndarray,
               radius: np.ndarray) -> np.ndarray:
    """(N,) the strongest of Gaussian spots (``centres`` (K, 3), ``strength`` (K,), standard
    deviation ``radius`` (K,) metres) at each of (N, 3) ``points``."""
    field = np.zeros(len(points), np.float32)
    order = np.argsort(points[:, 0], kind="stable")  # a slab in x first, then the exact box
    xs = points[order, 0]
    for c, s, r in zip(centres, strength.astype(np.float32), radius):
        slab = order[np.searchsorted(xs, c[0] - 4 * r):np.searchsorted(xs, c[0] + 4 * r)]
        near = slab[np.abs(points[slab] - c).max(1) < 4 * r]
        d2 = np.sum((points[near] - c) ** 2, 1)
        field[near] = np.maximum(field[near], s * np.exp(-d2 / (2 * r * r)))
    return field


#: Freckles (ephelides): 1-4 mm across with soft edges, clustered where the sun reaches.
FRECKLE_COUNT = 1100
FRECKLE_DIAMETER_M = (0.001, 0.004)
#: Age spots (solar lentigines): fewer, 4-12 mm across, irregular edges.
AGE_SPOT_COUNT = 24
AGE_SPOT_DIAMETER_M = (0.004, 0.012)
_FWHM_TO_SIGMA = 1.0 / 2.3548
_MIN_TEXEL_M = 0.0008  # the smallest texel of the layers on the skin (the face is about 1.2 mm)


def scattered_spots(grid: np.ndarray, weight: np.ndarray, count: int,
                    diameter: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """(R, R) field in [0, 1] of ``count`` soft round spots on the surface behind the texels.

    ``grid`` (R, R, 3) holds the surface point of each texel (``Layers.position``); spot
    centres fall on texels with probability proportional to ``weight`` (R, R); each spot's full
    width at half maximum is drawn log-uniformly from ``diameter`` (metres).  A spot is drawn
    over a window of texels around its centre with distances measured on the surface, so its
    size is real whatever the UV scale (a spot is cut where its window crosses a UV seam).
    """
    res = grid.shape[0]
    field = np.zeros((res, res), np.float32)
    flat = weight.reshape(-1).astype(np.float64)
    total = flat.sum()
    if total <= 0 or count <= 0:
        return field
    index = rng.choice(res * res, size=count, p=flat / total)
    width = np.exp(rng.uniform(np.log(diameter[0]), np.log(diameter[1]), count))
    strength = rng.uniform(0.45, 1.0, count).astype(np.float32)
    sigma = width * _FWHM_TO_SIGMA
    reach = int(np.ceil(3.0 * sigma.max() / _MIN_TEXEL_M))
    offsets = np.arange(-reach, reach + 1)
    rows = np.clip(index[:, None, None] // res + offsets[None, :, None], 0, res - 1)
    cols = np.clip(index[:, None, None] % res + offsets[None, None, :], 0, res - 1)
    rows, cols = np.broadcast_arrays(rows, cols)
    centre = grid.reshape(-1, 3)[index][:, None, None, :]
    d2 = np.sum((grid[rows, cols] - centre) ** 2, axis=-1)
    spots = strength[:, None, None] * np.exp(-d2 / (2 * sigma[:, None, None] ** 2))
    np.maximum.at(field, (rows.ravel(), cols.ravel()), spots.ravel().astype(np.float32))
    return field


def iris_fibres(theta: np.ndarray, phi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N,) radial iris texture in [0, 1] from the eye-polar coordinates of eyeball texels."""
    k = rng.integers(18, 40, 4)
    phase = rng.random(4) * 2 * np.pi
    angle = 2 * np.pi * phi
    fibres = sum(np.sin(kk * angle + p + 3 * theta) for kk, p in zip(k, phase)) / 4
    crypts = np.sin(7 * angle + 20 * theta + phase[0]) * np.sin(5 * angle - 12 * theta)
    collarette = np.exp(-((theta - 0.55) / 0.08) ** 2)
    return np.clip(0.5 + 0.3 * fibres + 0.15 * crypts + 0.25 * collarette, 0, 1)


@dataclasses.dataclass(frozen=True)
class SeededFields:
    """Per-person detail fields at the layer resolution.

    Attributes:
        values: (R, R, 6) uint8, channels ``FIELD_NAMES`` (0..255 = 0..1), row 0 = v 0.
    """

    values: np.ndarray


@functools.lru_cache(maxsize=4)
def seeded_fields(layers: Layers, seed: int) -> SeededFields:
    """The detail fields of one person (cached: the same seed gives the same fields)."""
    rng = np.random.default_rng([seed, 0xA1BED0])
    res = layers.resolution
    points = layers.position.reshape(-1, 3).astype(np.float32)
    hair_rng = np.random.default_rng([seed, 7])
    skin = layers.mask("covered").reshape(-1) > 0.5
    near = layers.mask("active").reshape(-1) > 0.5  # the texels the generator colours
    fields = {name: np.full(len(points), 0.5, np.float32) for name in FIELD_NAMES}
    fields["blotch"][near] = fractal_noise(points[near], 0.03, 3, rng)
    # freckles cluster on the cheeks and nose (sun), in patches of a low-frequency field
    grid = layers.position.astype(np.float32)
    sun = np.clip(1.5 * layers.mask("cheeks") + 1.5 * layers.mask("nose_tip")
                  + 0.6 * layers.mask("forehead") + 0.08, 0, 1).reshape(-1)
    patches = np.zeros(len(points), np.float32)
    patches[near] = fractal_noise(points[near], 0.02, 2, rng)
    density = (sun * near * np.clip(patches - 0.3, 0, 1) ** 2).reshape(res, res)
    fields["freckle"] = scattered_spots(grid, density, FRECKLE_COUNT, FRECKLE_DIAMETER_M,
                                        rng).reshape(-1)
    exposed = np.clip(layers.mask("forehead") + layers.mask("cheeks") + 0.15, 0, 1)
    ragged = np.zeros(len(points), np.float32)
    ragged[near] = fractal_noise(points[near], 0.002, 2, rng)  # irregular lentigo edges
    spots = scattered_spots(grid, exposed * near.reshape(res, res), AGE_SPOT_COUNT,
                            AGE_SPOT_DIAMETER_M, rng).reshape(-1)
    fields["age_spot"] = spots * np.clip(0.4 + ragged, 0, 1)
    fields["mole"][:] = 0.0
    fields["hair"] = hair_rng.random(res * res).astype(np.float32)
    spots = mole_field(points[skin], rng)
    fields["mole"][skin] = spots
    eye = layers.mask("eyeball").reshape(-1) > 0.5
    fields["iris"][eye] = iris_fibres(layers.mask("eye_theta").reshape(-1)[eye] * 4,
                                      layers.mask("eye_phi").reshape(-1)[eye], rng)
    stacked = np.stack([fields[name].reshape(res, res) for name in FIELD_NAMES], -1)
    values = np.round(np.clip(stacked, 0, 1) * 255).astype(np.uint8)
    values.setflags(write=False)
    return SeededFields(values)


@functools.lru_cache(maxsize=1)
def pore_tile() -> np.ndarray:
    """(PORE_TILE, PORE_TILE) float32 tileable pore pattern in [0, 1] (1 = pore centre); fixed."""
    rng = np.random.default_rng(20100)
    n = PORE_TILE
    field = np.zeros((n, n), np.float32)
    offsets = np.arange(-4, 5)
    cx, cy, r = rng.random(900) * n, rng.random(900) * n, rng.uniform(0.6, 1.4, 900)
    # every pore's 9 x 9 texels at once; the maximum does not depend on the order
    xs = np.floor(cx).astype(int)[:, None] + offsets  # (900, 9)
    ys = np.floor(cy).astype(int)[:, None] + offsets
    d2 = (xs[:, None, :] - cx[:, None, None]) ** 2 + (ys[:, :, None] - cy[:, None, None]) ** 2
    values = np.exp(-d2 / (2 * r * r)[:, None, None]).astype(np.float32)
    rows = np.broadcast_to((ys % n)[:, :, None], d2.shape)
    cols = np.broadcast_to((xs % n)[:, None, :], d2.shape)
    np.maximum.at(field, (rows.ravel(), cols.ravel()), values.ravel())
    tile = np.clip(field, 0, 1)
    tile.setflags(write=False)
    return tile


@functools.lru_cache(maxsize=1)
def strand_tile() -> np.ndarray:
    """(PORE_TILE, PORE_TILE) float32 tileable hair strands in [0, 1]: short thin strokes along
    the image's vertical (UV v), which the head's layout maps to across the face, so eyebrow
    hairs lie roughly horizontal; fixed."""
    rng = np.random.default_rng(19)
    n = PORE_TILE
    field = np.zeros((n, n), np.float32)
    columns, rows, values = [], [], []
    for _ in range(1000):
        x, y = rng.random(2) * n
        angle = np.pi / 2 + rng.normal(0.0, 0.2)
        length = rng.uniform(10.0, 20.0)
        steps = np.linspace(0.0, 1.0, int(length * 2) + 1)
        xs, ys = x + np.cos(angle) * length * steps, y + np.sin(angle) * length * steps
        columns.append(xs.astype(int) % n)  # int() of each point: toward zero, then wrapped
        rows.append(ys.astype(int) % n)
        values.append(rng.uniform(0.6, 1.0) * (1 - 0.5 * steps))  # tapering hair
    # the strongest stroke wins a texel, whatever the order
    np.maximum.at(field, (np.concatenate(rows), np.concatenate(columns)),
                  np.concatenate(values).astype(np.float32))
    blurred = (field + np.roll(field, 1, 1) * 0.35 + np.roll(field, -1, 1) * 0.35) / 1.2
    tile = np.clip(blurred, 0, 1).astype(np.float32)
    tile.setflags(write=False)
    return tile
