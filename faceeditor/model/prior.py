"""The generative prior over heads, and the latent space that edits move in.

``sample(model, seed)`` draws one plausible person, deterministically for a seed:

* sex: male or female with equal odds; ``gender`` uniform in [0, 0.3] or [0.7, 1];
* age: uniform between 16 and 85 years (``years=`` fixes it or gives a range), mapped to the
  model's ``age`` by anny's calibrated morphological-age table;
* ``weight`` and ``muscle``: the mean of anny's WHO-calibrated Beta distribution for that sex
  and age, with its concentration raised to at least ``MIN_CONCENTRATION`` (anny's adult fits
  are U-shaped, fitted to whole-body data); ``proportions``: uniform;
* ancestry: ``african``/``asian``/``caucasian`` from a Dirichlet(0.6, 0.6, 0.6): mostly one
  dominant ancestry, sometimes a mix;
* local shape changes: the fitted anthropometric prior (``faceeditor.model.shape_prior``, fitted
  by ``packaging/fit_prior.py``): correlated Gaussians per sex and ancestry whose heads measure
  like published adult norms (``faceeditor.anthropometry``); left and right partners share one
  draw plus a little independent asymmetry (``SIDE_JITTER``);
* asymmetry targets: normal, small spread; expressions: neutral (all 0);
* appearance (``albedo`` kind), coherent with the shape: ``skin_melanin`` around the
  ancestry-weighted mean of ``MELANIN_BY_ANCESTRY``; hair and iris darker with darker skin,
  freckles mostly on light skin; redness and age spots grow with age; beard shadow only for
  male-leaning ``gender``; makeup now and then on female-leaning heads;
* hair (``hair`` kind), from its own stream ``default_rng([seed, 2])``: ``faceeditor.hair.prior``.

Heads whose shape changes break the geometry (teeth through the lips, an eyeball through a lid,
beyond what the same phenotypes show without shape changes: ``faceeditor.model.breakage``) are
drawn again from the same stream. ``fixed={name: value}``
holds values fixed: phenotypes steer the rest of the draw (``gender`` picks the sex), shape
sliders are conditioned on (the others move as real faces co-vary), anything else is set.

Random streams: shape ``default_rng(seed)`` (which seeds one generator for the phenotypes and one
for the shape draws, so fixing a phenotype keeps the face's own variation), appearance
``default_rng([seed, 1])``, hair ``default_rng([seed, 2])``.

The latent vector ``z`` has one entry per parameter (spec order) and standardises it by the
prior: ``value = clip(mean + spread * z, min, max)``, so ``z = 0`` is the average head and
``z ~ N(0, I)`` is about as varied as ``sample``. Text edits and research backends move in z.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.shape_prior import ANCESTRIES, ShapePrior, load_shape_prior
from faceeditor.model.spec import PHENOTYPES, ParamSpec

log = logging.getLogger(__name__)

ADULT_YEARS = (16.0, 85.0)
DIRICHLET_CONCENTRATION = 0.6
MIN_CONCENTRATION = 4.0
PHENOTYPE_SPREAD = 0.25
ASYM_SPREAD = 0.08
EXPRESSION_SPREAD = 0.5
SIDE_JITTER = 0.06
ALBEDO_SPREAD = 0.2
HAIR_SPREAD = 0.2

#: Mean and spread of ``skin_melanin`` for each ancestry weight (mixed linearly).
MELANIN_BY_ANCESTRY = {"african": (0.74, 0.1), "asian": (0.33, 0.07), "caucasian": (0.12, 0.07)}
MAKEUP_PROBABILITY = 0.35
PHENOTYPE_NAMES = tuple(PHENOTYPES)
#: How many times a head with broken geometry is drawn again before giving up.
MAX_REDRAWS = 20

#: Spread (standard deviation) of the local shape changes by region.
LOCAL_SPREAD = {
    "head": 0.25, "forehead": 0.3, "brows": 0.3, "eyes": 0.25, "nose": 0.25, "mouth": 0.2,
    "cheeks": 0.25, "chin_jaw": 0.25, "ears": 0.3, "neck": 0.2,
}

#: Local changes that move a whole feature or the whole head rather than shape it: kept small
#: (large moves of the mouth or nose push the inner mouth surface through the skin).
WHOLE_HEAD = ("head_trans", "neck_trans", "measure_neck_height", "neck_scale_vert", "head_angle",
              "mouth_trans", "nose_trans", "nose_scale_vert")
WHOLE_HEAD_SPREAD = 0.08


def _interp(x: float, xs: list[float], ys: list[float]) -> float:
    return float(np.interp(x, xs, ys))


def prior_spread(param: ParamSpec) -> float:
    """The standard deviation of one parameter under the prior (its latent unit)."""
    if param.kind == "phenotype":
        return PHENOTYPE_SPREAD
    if param.kind == "asym":
        return ASYM_SPREAD
    if param.kind == "expression":
        return EXPRESSION_SPREAD
    if param.kind == "albedo":
        return ALBEDO_SPREAD
    if param.kind == "hair":
        return 1.0 if param.choices else HAIR_SPREAD
    if param.name.startswith(WHOLE_HEAD) or param.name[2:].startswith(WHOLE_HEAD):
        return WHOLE_HEAD_SPREAD
    return LOCAL_SPREAD[param.group]


def latent_scales(model: FaceModel) -> tuple[np.ndarray, np.ndarray]:
    """(P,) mean and (P,) spread of every parameter: ``value = mean + spread * z``."""
    mean = model.spec.defaults.astype(np.float64)
    spread = np.array([prior_spread(p) for p in model.spec], np.float64)
    return mean, spread


def params_to_latent(model: FaceModel, params: Mapping[str, float]) -> np.ndarray:
    """{name: value} -> (P,) latent z (missing names at their default, z = 0)."""
    mean, spread = latent_scales(model)
    return (model.spec.vector(params).astype(np.float64) - mean) / spread


def latent_to_params(model: FaceModel, z) -> dict[str, float]:
    """(P,) latent z -> {name: value}, clipped to each parameter's range."""
    z = np.asarray(z, np.float64).reshape(-1)
    if len(z) != len(model.spec):
        raise ValueError(f"latent must have {len(model.spec)} values, got {len(z)}")
    mean, spread = latent_scales(model)
    values = np.clip(mean + spread * z, model.spec.minimum, model.spec.maximum)
    return model.spec.to_dict(values)


def sample(model: FaceModel, seed: int, fixed: Mapping[str, float] | None = None,
           years: float | tuple[float, float] | None = None, sex: str | None = None,
           shape_prior: ShapePrior | None = None) -> dict[str, float]:
    """One plausible head with a neutral expression; the same seed gives the same head.

    Args:
        fixed: {parameter name: value} held fixed (see the module docstring).
        years: the age in years, or a (low, high) range to draw it from (default 16-85).
        sex: "male" or "female" (default: either, equal odds; a fixed ``gender`` decides too).
        shape_prior: a fitted shape prior (default: the embedded one).
    """
    if sex not in (None, "male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    fixed = dict(fixed or {})
    for name in fixed:
        model.spec[name]  # raises UnknownParameterError with suggestions
    streams = np.random.default_rng(seed).integers(0, 2**63, size=2)
    rng = np.random.default_rng(streams[0])
    params = model.default_params()
    params.update(_sample_phenotypes(model, rng, fixed, years, sex))
    params.update(_sample_shape(model, np.random.default_rng(streams[1]), params, fixed,
                                shape_prior or load_shape_prior()))
    years_drawn = _interp(params["age"], calibration_ages(model), calibration_years(model))
    params.update(_sample_appearance(params, years_drawn, np.random.default_rng([seed, 1])))
    from faceeditor.hair.prior import sample_hair

    params.update(sample_hair(params, years_drawn, np.random.default_rng([seed, 2])))
    params.update(fixed)
    return params


def calibration_years(model: FaceModel) -> list[float]:
    return model.asset.metadata["shape_calibration"]["age_mapping"]["years"]


def calibration_ages(model: FaceModel) -> list[float]:
    return model.asset.metadata["shape_calibration"]["age_mapping"]["anny"]


def _sample_appearance(shape: Mapping[str, float], years: float,
                       rng: np.random.Generator) -> dict[str, float]:
    """Albedo parameters that fit the sampled shape (ancestry, age, gender)."""
    weights = np.array([shape[name] for name in MELANIN_BY_ANCESTRY])
    weights = weights / max(weights.sum(), 1e-9)
    means, spreads = np.array(list(MELANIN_BY_ANCESTRY.values())).T
    melanin = float(np.clip(rng.normal(weights @ means, weights @ spreads), 0.0, 1.0))
    old = float(np.clip((years - 35.0) / 45.0, 0.0, 1.0))
    male = shape["gender"] < 0.5
    light = 1.0 - min(melanin / 0.45, 1.0)
    values = {
        "skin_melanin": melanin,
        "skin_hemoglobin": rng.uniform(0.25, 0.5),
        "skin_redness": rng.uniform(0.1, 0.4) + 0.3 * old,
        "skin_blotchiness": rng.uniform(0.2, 0.6) + 0.2 * old,
        "freckles": light * rng.uniform(0.0, 1.0) ** 2.5,
        "moles": rng.uniform(0.0, 0.6),
        "age_spots": old * rng.uniform(0.3, 1.0),
        "pores": rng.uniform(0.3, 0.7) + 0.2 * old,
        "fine_wrinkles": 0.1 + 0.8 * old * rng.uniform(0.6, 1.0),
        "skin_pattern": rng.uniform(0.0, 1.0),
        "eyebrow_density": rng.uniform(0.65, 1.0) if male else rng.uniform(0.45, 0.8),
        "hair_melanin": np.clip(0.35 + 0.7 * (1 - light) + rng.normal(0, 0.2), 0.1, 1.0)
        * (1.0 - 0.4 * old),
        "hair_redness": light * rng.uniform(0.0, 1.0) ** 3,
        "beard_shadow": rng.uniform(0.2, 0.9) if male else 0.0,
        "lip_redness": rng.uniform(0.3, 0.7),
        "teeth_yellowness": rng.uniform(0.1, 0.4) + 0.4 * old,
        "iris_melanin": float(np.clip(1.0 - light * rng.uniform(0.0, 1.3), 0.0, 1.0)),
        "iris_pattern": rng.uniform(0.3, 0.8),
        "pupil_size": rng.uniform(0.3, 0.5),
        "sclera_redness": rng.uniform(0.05, 0.3) + 0.2 * old,
    }
    if not male and rng.random() < MAKEUP_PROBABILITY:
        values.update(lipstick_opacity=rng.uniform(0.3, 0.8), lipstick_hue=rng.uniform(0.9, 1.0),
                      lipstick_lightness=rng.uniform(0.25, 0.55),
                      blush_opacity=rng.uniform(0.0, 0.4), eyeliner_opacity=rng.uniform(0.0, 0.7),
                      eyeshadow_opacity=rng.uniform(0.0, 0.5),
                      eyeshadow_hue=rng.choice([rng.uniform(0.02, 0.1), rng.uniform(0.72, 0.95)]),
                      eyeshadow_lightness=rng.uniform(0.15, 0.45))
    return {name: float(np.clip(value, 0.0, 1.0)) for name, value in values.items()}


def _sample_phenotypes(model: FaceModel, rng: np.random.Generator, fixed: Mapping[str, float],
                       years: float | tuple[float, float] | None,
                       sex: str | None = None) -> dict[str, float]:
    """Sex, age, build and ancestry. Every draw is made whatever is fixed (stream layout)."""
    calibration = model.asset.metadata["shape_calibration"]
    drawn_sex = "male" if rng.random() < 0.5 else "female"
    sex = sex or drawn_sex
    gender = rng.uniform(0.0, 0.3)
    unit_age = rng.random()
    if "gender" in fixed:
        sex = "male" if fixed["gender"] < 0.5 else "female"
    values = {"gender": fixed.get("gender", gender if sex == "male" else 1.0 - gender)}
    low, high = (years, years) if isinstance(years, (int, float)) else (years or ADULT_YEARS)
    age_years = low + (high - low) * unit_age
    age = _interp(age_years, calibration["age_mapping"]["years"], calibration["age_mapping"]["anny"])
    values["age"] = fixed.get("age", age)
    for key in ("weight", "muscle"):
        table = calibration[sex][key]
        alpha = _interp(values["age"], table["age"], table["alpha"])
        beta = _interp(values["age"], table["age"], table["beta"])
        mean, concentration = alpha / (alpha + beta), max(alpha + beta, MIN_CONCENTRATION)
        values[key] = float(rng.beta(mean * concentration, (1 - mean) * concentration))
    values["proportions"] = float(rng.uniform(0.0, 1.0))
    ancestry = rng.dirichlet([DIRICHLET_CONCENTRATION] * 3)
    values.update(zip(ANCESTRIES, map(float, ancestry)))
    values.update({k: float(v) for k, v in fixed.items() if k in PHENOTYPE_NAMES})
    return values


def sex_of(params: Mapping[str, float]) -> str:
    return "male" if params["gender"] < 0.5 else "female"


def _sample_shape(model: FaceModel, rng: np.random.Generator, phenotypes: Mapping[str, float],
                  fixed: Mapping[str, float], prior: ShapePrior) -> dict[str, float]:
    """Local shape changes from the fitted prior, and asymmetries; redrawn (same stream) while
    the geometry is broken, up to ``MAX_REDRAWS`` times.

    Where the phenotypes alone already push an eye or the teeth through the skin (an old, heavy
    head), a draw no worse than that is acceptable, but a draw with nothing through the skin is
    preferred: the redraws go on for one, and the first acceptable draw is kept if none is."""
    from faceeditor.model.breakage import penetration, pierced

    base = dict(model.default_params())
    base.update(phenotypes)
    baseline = penetration(model.evaluate(base), model)
    baseline_broken = pierced(baseline)
    values: dict[str, float] = {}
    acceptable: dict[str, float] | None = None
    for _ in range(MAX_REDRAWS + 1):
        values = _draw_shape(model, rng, phenotypes, fixed, prior)
        trial = dict(base)
        trial.update(values)
        trial.update(fixed)
        depths = penetration(model.evaluate(trial), model)
        if not pierced(depths, baseline):
            if not baseline_broken or not pierced(depths):
                return values
            if acceptable is None:
                acceptable = values
    if acceptable is not None:
        return acceptable
    log.warning("prior: still broken after %d redraws; keeping the last", MAX_REDRAWS)
    return values


def _draw_shape(model: FaceModel, rng: np.random.Generator, phenotypes: Mapping[str, float],
                fixed: Mapping[str, float], prior: ShapePrior) -> dict[str, float]:
    sex = sex_of(phenotypes)
    ancestry = {a: phenotypes[a] for a in ANCESTRIES}
    z = rng.standard_normal((len(ANCESTRIES), prior.size))
    units = prior.draw(sex, ancestry, z)
    unit_of = prior.unit_of()
    held = {unit_of[name]: value for name, value in fixed.items() if name in unit_of}
    units = prior.condition(units, sex, ancestry, held)
    values: dict[str, float] = {}
    for p in model.spec.of_kind("local"):
        if p.name in values:
            continue
        draw = units[unit_of[p.name]] if p.name in unit_of else rng.normal(0.0, prior_spread(p))
        values[p.name] = draw + rng.normal(0.0, SIDE_JITTER) * (p.mirror is not None)
        if p.mirror:
            values[p.mirror] = draw + rng.normal(0.0, SIDE_JITTER)
    for p in model.spec.of_kind("asym"):
        values[p.name] = rng.normal(0.0, ASYM_SPREAD)
    return {name: float(np.clip(v, -1.0, 1.0)) for name, v in values.items()}
