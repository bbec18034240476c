"""Hair settings read from the parameter dict, the style table, and hair colour.

Colour: ``hair_melanin`` (eumelanin) runs through natural shades from platinum blonde to black,
``hair_redness`` (pheomelanin) mixes in the red shade of the same darkness (strawberry, copper,
auburn), ``hair_grey`` turns that share of strands white (``colours.json``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

import numpy as np

from faceeditor.model.spec import HAIR_PARAMS


_CHOICES = {entry["name"]: tuple(entry["choices"]) for entry in HAIR_PARAMS if "choices" in entry}
_DEFAULTS = {entry["name"]: float(entry["default"]) for entry in HAIR_PARAMS}
#: Albedo parameters the hair also reads (with their spec defaults).
_SHARED = {"hair_melanin": 0.6, "hair_redness": 0.1, "eyebrow_density": 0.7, "beard_shadow": 0.0,
           "gender": 0.5}

HAIR_STYLES = _CHOICES["hair_style"]
BEARD_STYLES = _CHOICES["beard_style"]


@lru_cache(maxsize=1)
def style_table() -> dict[str, dict]:
    """The style table (``styles.json``): style name -> its numbers."""
    text = resources.files(__package__).joinpath("styles.json").read_text("utf-8")
    return {name: entry for name, entry in json.loads(text).items() if not name.startswith("_")}


def choice(name: str, value: float) -> str:
    options = _CHOICES[name]
    return options[int(np.clip(np.floor(float(value) + 0.5), 0, len(options) - 1))]


@dataclasses.dataclass(frozen=True)
class HairSettings:
    """Every hair parameter (spec names) plus the albedo ones hair shares, as plain floats;
    ``style`` and ``beard`` are the chosen style names."""

    values: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, params: Mapping[str, float]) -> HairSettings:
        names = list(_DEFAULTS) + list(_SHARED)
        defaults = {**_DEFAULTS, **_SHARED}
        return cls(tuple((name, round(float(params.get(name, defaults[name])), 6)) for name in names))

    def __getitem__(self, name: str) -> float:
        return dict(self.values)[name]

    @property
    def style(self) -> str:
        return choice("hair_style", self["hair_style"])

    @property
    def beard(self) -> str:
        return choice("beard_style", self["beard_style"])

    def key(self, names: tuple[str, ...]) -> tuple:
        """The values of ``names`` (a cache key for geometry that depends only on them)."""
        values = dict(self.values)
        return tuple(values[name] for name in names)


@lru_cache(maxsize=1)
def colour_table() -> dict:
    text = resources.files(__package__).joinpath("colours.json").read_text("utf-8")
    table = json.loads(text)
    return {key: np.asarray(value, np.float64) for key, value in table.items()
            if not key.startswith("_")}


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def hair_colour(melanin: float, redness: float) -> np.ndarray:
    """(3,) linear RGB diffuse colour of hair with these melanin amounts (0..1 each)."""
    return hair_colours(np.array([melanin], np.float64), np.array([redness], np.float64))[0]


def hair_colours(melanin: np.ndarray, redness: np.ndarray) -> np.ndarray:
    """(n, 3) ``hair_colour`` of each of ``melanin`` and ``redness`` ((n,) each)."""
    table = colour_table()
    base, red = (np.stack([np.interp(melanin, table["melanin"], table[name][:, i])
                           for i in range(3)], -1) for name in ("base", "red"))
    return _linear(base + (red - base) * np.clip(redness, 0, 1)[:, None])


def grey_colour() -> np.ndarray:
    """Linear RGB of an unpigmented (white/grey) hair."""
    return _linear(colour_table()["grey"])


def strand_colours(settings: HairSettings, count: int, rng: np.random.Generator,
                   darker: float = 0.0, grey_scale: float = 1.0) -> np.ndarray:
    """(count, 3) linear RGB colour per card: the hair colour with a little per-card
    variation, greyed by about ``hair_grey``; ``darker`` (-1..1) shifts the melanin."""
    melanin = np.clip(settings["hair_melanin"] + 0.25 * darker + rng.normal(0, 0.025, count), 0, 1)
    redness = np.clip(settings["hair_redness"] + rng.normal(0, 0.03, count), 0, 1)
    colours = hair_colours(melanin, redness)
    # cards carry many hairs: greying mixes white into each card by a varying share
    share = np.clip(settings["hair_grey"] * grey_scale * rng.uniform(0.4, 1.6, count), 0, 1)
    colours = colours + (grey_colour() * rng.uniform(0.85, 1.05, (count, 1)) - colours) \
        * share[:, None] ** 1.5
    return colours
