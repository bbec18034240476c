"""Hair drawn coherently with the sampled person (sex, age, ancestry), from its own stream.

``sample_hair(shape, years, rng)`` is called by ``model.prior.sample`` with
``np.random.default_rng([seed, 2])``, so adding hair did not change any seed's shape or skin.
Style odds by sex are in ``prior.json``; curl follows African ancestry, straight hair Asian;
greying and a receding hairline come with age (hairline mostly for men); beards only for men.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

import numpy as np

from faceeditor.hair.settings import BEARD_STYLES, HAIR_STYLES
from faceeditor.hair.strands import smoothstep


@lru_cache(maxsize=1)
def prior_table() -> dict:
    return json.loads(resources.files(__package__).joinpath("prior.json").read_text("utf-8"))


def _pick(rng: np.random.Generator, odds: Mapping[str, float], names: tuple[str, ...]) -> float:
    weights = np.array([max(float(odds.get(name, 0.0)), 0.0) for name in names])
    return float(rng.choice(len(names), p=weights / weights.sum()))


def sample_hair(shape: Mapping[str, float], years: float, rng: np.random.Generator
                ) -> dict[str, float]:
    """Hair parameters for a head with these phenotype values, ``years`` old."""
    table = prior_table()
    male = shape.get("gender", 0.5) < 0.5
    ancestry = np.array([shape.get(name, 1 / 3) for name in ("african", "asian", "caucasian")])
    african, asian, _ = ancestry / max(ancestry.sum(), 1e-9)
    old = float(smoothstep(30.0, 75.0, years))
    greying = float(smoothstep(35.0, 85.0, years))
    odds = dict(table["male_styles" if male else "female_styles"])
    odds["curly"] = odds.get("curly", 0.0) + table["curly_by_african"] * african
    if male:
        odds["receding"] = odds.get("receding", 0.0) + table["receding_by_age"] * old
        odds["bald"] = odds.get("bald", 0.0) + table["bald_by_age"] * old
    curl = np.clip(rng.uniform(0.0, 0.45) * (1 - asian) + 0.75 * african
                   + rng.normal(0, 0.08), 0.0, 1.0)
    values = {
        "hair_style": _pick(rng, odds, HAIR_STYLES),
        "hair_length": rng.uniform(0.1, 0.9),
        "hair_volume": np.clip(rng.uniform(0.2, 0.6) + 0.3 * african, 0, 1),
        "hair_curl": curl,
        "hair_parting": rng.choice([-1.0, 1.0]) * rng.uniform(0.15, 0.6),
        "hairline_height": (rng.uniform(0.0, 0.25) + (0.6 if male else 0.15) * old
                            * rng.uniform(0.3, 1.2)),
        "hair_density": rng.uniform(0.65, 1.0) - (0.3 if male else 0.15) * old,
        "hair_grey": greying ** 1.5 * rng.uniform(0.3, 1.2),
        "eyebrow_thickness": rng.uniform(0.45, 0.9) if male else rng.uniform(0.2, 0.6),
        "eyebrow_arch": rng.uniform(0.1, 0.5) if male else rng.uniform(0.35, 0.85),
        "eyebrow_length": rng.uniform(0.3, 0.8),
        "eyebrow_gap": rng.uniform(0.3, 0.7),
        "eyebrow_tint": rng.normal(-0.1, 0.15),
        "eyelash_length": rng.uniform(0.3, 0.6) if male else rng.uniform(0.45, 0.9),
        "eyelash_curl": rng.uniform(0.3, 0.7),
        "eyelash_density": rng.uniform(0.4, 0.7) if male else rng.uniform(0.55, 0.9),
        "beard_style": _pick(rng, table["beards"], BEARD_STYLES) if male else 0.0,
        "beard_length": rng.uniform(0.1, 0.8),
        "beard_density": rng.uniform(0.4, 1.0),
    }
    if curl > 0.6 and HAIR_STYLES[int(values["hair_style"])] in ("bob", "long straight"):
        values["hair_style"] = float(HAIR_STYLES.index("long wavy" if curl < 0.8 else "curly"))
    low = {"hair_parting": -1.0, "eyebrow_tint": -1.0}
    top = {"hair_style": len(HAIR_STYLES) - 1, "beard_style": len(BEARD_STYLES) - 1}
    return {name: float(np.clip(value, low.get(name, 0.0), top.get(name, 1.0)))
            for name, value in values.items()}
