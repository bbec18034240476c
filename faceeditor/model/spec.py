"""The parameter spec: every slider of the head model, with its name, region, label and range.

Names are stable (saved in project files, typed on the command line):

* phenotype macros: ``gender``, ``age``, ``muscle``, ``weight``, ``proportions``,
  ``african``, ``asian``, ``caucasian`` (0..1);
* local shape changes: MakeHuman's target name with ``_`` for ``-`` and without a trailing
  ``_incr``, e.g. ``nose_hump``, ``l_eye_bag``, ``mouth_angles_up`` (-1..1, bipolar: the negative
  side uses the opposite target, e.g. ``mouth-angles-down``);
* asymmetries: ``asym_eye_1`` ... (-1..1; positive moves the face's left side);
* expressions: the 52 ARKit blendshape names, exactly (``jawOpen``, ``mouthSmileLeft``; 0..1);
* appearance (kind ``albedo``, groups Skin, Makeup, Eyes colour; 0..1): ``ALBEDO_PARAMS``, e.g.
  ``skin_melanin``, ``freckles``, ``lipstick_opacity``, ``iris_melanin``;
* hair (kind ``hair``, groups Hair, Eyebrows & lashes, Beard): ``HAIR_PARAMS`` from
  ``hair_params.json``, e.g. ``hair_style`` (a choice: the value indexes ``choices``),
  ``hair_length``, ``eyelash_length``, ``beard_style``. They drive ``faceeditor.hair``.

Left and right are the face's own: ``l_`` / ``...Left`` is the subject's left, which is +X.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Iterable, Mapping
from importlib import resources

import numpy as np

log = logging.getLogger(__name__)

#: Region groups, in panel order.
GROUPS = (
    "macros", "head", "forehead", "brows", "eyes", "nose", "mouth", "cheeks", "chin_jaw",
    "ears", "neck", "expression", "skin", "makeup", "eye_colour",
)

GROUP_LABELS = {
    "macros": "Macros", "head": "Head", "forehead": "Forehead", "brows": "Brows",
    "eyes": "Eyes", "nose": "Nose", "mouth": "Mouth", "cheeks": "Cheeks",
    "chin_jaw": "Chin & Jaw", "ears": "Ears", "neck": "Neck", "expression": "Expression",
    "skin": "Skin", "makeup": "Makeup", "eye_colour": "Eyes colour",
}

#: Kinds of parameter, i.e. which block of the model they drive.
KINDS = ("phenotype", "local", "asym", "expression", "albedo", "hair")


def _load_hair_params() -> tuple[dict[str, str], list[dict]]:
    """(group -> label, parameter entries) of ``hair_params.json`` (beside this module)."""
    data = json.loads(resources.files(__package__).joinpath("hair_params.json").read_text("utf-8"))
    return data["groups"], data["params"]


#: Hair parameters (kind ``hair``): entries with name, group, label, default, description and
#: optional minimum/maximum (default 0..1) and choices (then the range is 0..len-1).
HAIR_GROUP_LABELS, HAIR_PARAMS = _load_hair_params()
GROUPS = GROUPS + tuple(HAIR_GROUP_LABELS)
GROUP_LABELS.update(HAIR_GROUP_LABELS)

#: Appearance (albedo) parameters, all 0..1: name -> (group, label, default, description).
#: They drive ``faceeditor.albedo`` and are ignored by the geometry.
ALBEDO_PARAMS = {
    "skin_melanin": ("skin", "Melanin", 0.25, "epidermal melanin: 0 = very light, 1 = very dark"),
    "skin_hemoglobin": ("skin", "Hemoglobin", 0.35, "dermal blood: 0 = pale, 1 = flushed"),
    "skin_redness": ("skin", "Redness", 0.3, "extra blood in cheeks, nose and ears"),
    "skin_blotchiness": ("skin", "Blotchiness", 0.4, "uneven melanin and blood"),
    "freckles": ("skin", "Freckles", 0.0, "amount of freckles (cheeks, nose, forehead)"),
    "moles": ("skin", "Moles", 0.2, "number and darkness of moles"),
    "age_spots": ("skin", "Age spots", 0.0, "sun/age spots on forehead and cheeks"),
    "pores": ("skin", "Pores", 0.5, "visible pores (albedo and normal map)"),
    "fine_wrinkles": ("skin", "Fine wrinkles", 0.2, "forehead lines and crow's feet (normal map)"),
    "skin_pattern": ("skin", "Skin pattern", 0.0, "which random pattern of the details (seed)"),
    "eyebrow_density": ("skin", "Eyebrow density", 0.7, "how full the eyebrows are"),
    "hair_melanin": ("skin", "Hair darkness", 0.6, "eyebrow and stubble colour: blonde to black"),
    "hair_redness": ("skin", "Hair redness", 0.1, "pheomelanin of eyebrows and stubble"),
    "beard_shadow": ("skin", "Beard shadow", 0.0, "stubble darkening the beard area"),
    "lip_redness": ("skin", "Lip redness", 0.5, "blood colour of the lips"),
    "teeth_yellowness": ("skin", "Teeth yellowness", 0.3, "teeth shade: white to yellow"),
    "lipstick_opacity": ("makeup", "Lipstick opacity", 0.0, "0 = none"),
    "lipstick_hue": ("makeup", "Lipstick hue", 0.97, "0 = red, 0.08 = orange, 0.9 = pink"),
    "lipstick_lightness": ("makeup", "Lipstick lightness", 0.5, "dark to light"),
    "blush_opacity": ("makeup", "Blush opacity", 0.0, "0 = none"),
    "blush_hue": ("makeup", "Blush hue", 0.98, "0 = red, 0.08 = peach"),
    "eyeshadow_opacity": ("makeup", "Eyeshadow opacity", 0.0, "0 = none"),
    "eyeshadow_hue": ("makeup", "Eyeshadow hue", 0.75, "hue of the eyeshadow"),
    "eyeshadow_lightness": ("makeup", "Eyeshadow lightness", 0.4, "dark to light"),
    "eyeliner_opacity": ("makeup", "Eyeliner opacity", 0.0, "0 = none"),
    "iris_melanin": ("eye_colour", "Iris melanin", 0.6, "0 = blue, 0.4 = green/hazel, 1 = dark brown"),
    "iris_pattern": ("eye_colour", "Iris pattern", 0.5, "contrast of the iris fibres"),
    "pupil_size": ("eye_colour", "Pupil size", 0.4, "pupil diameter"),
    "sclera_redness": ("eye_colour", "Sclera redness", 0.15, "visible vessels in the eye white"),
}

PHENOTYPES = {
    # name: (label, description)
    "gender": ("Gender", "0 = male, 1 = female"),
    "age": ("Age", "morphological age: 0 = 1 year, 0.42 = 11, 0.67 = 16, 0.77 = 18, 0.83 = 64, 1 = 110"),
    "muscle": ("Muscle", "0 = slight, 0.5 = average, 1 = muscular"),
    "weight": ("Weight", "0 = thin, 0.5 = average, 1 = heavy"),
    "proportions": ("Proportions", "0 = idealised, 1 = uncommon proportions"),
    "african": ("African", "weight of the African ethnic traits (normalised with the others)"),
    "asian": ("Asian", "weight of the Asian ethnic traits (normalised with the others)"),
    "caucasian": ("Caucasian", "weight of the Caucasian ethnic traits (normalised)"),
}

_LOCAL_GROUP_BY_PREFIX = (
    ("measure-neck-", "neck"), ("neck-", "neck"), ("head-", "head"), ("forehead-", "forehead"),
    ("eyebrows-", "brows"), ("l-eye-", "eyes"), ("r-eye-", "eyes"), ("nose-", "nose"),
    ("mouth-", "mouth"), ("l-cheek-", "cheeks"), ("r-cheek-", "cheeks"), ("chin-", "chin_jaw"),
    ("l-ear-", "ears"), ("r-ear-", "ears"),
)

_ASYM_GROUP = {
    "brown": "brows", "cheek": "cheeks", "ear": "ears", "eye": "eyes", "jaw": "chin_jaw",
    "mouth": "mouth", "nose": "nose", "temple": "forehead", "top": "head",
}

_EXPRESSION_SUBGROUP_BY_PREFIX = (
    ("brow", "brows"), ("eye", "eyes"), ("cheek", "cheeks"), ("nose", "nose"),
    ("mouth", "mouth"), ("jaw", "jaw"), ("tongue", "tongue"),
)

#: Direction words of MakeHuman target names: positive word -> (negative word, meaning).
_DIRECTIONS = {
    "incr": ("decr", "less / more"), "up": ("down", "down / up"), "out": ("in", "in / out"),
    "forward": ("backward", "back / forward"), "convex": ("concave", "concave / convex"),
    "round": ("square", "square / round"), "triangle": ("square", "square / triangle"),
    "uncompress": ("compress", "compressed / uncompressed"),
}

_WORDS = {
    "l": "", "r": "", "trans": "position", "scale": "size", "horiz": "width",
    "vert": "height", "depth": "depth", "incr": "", "measure": "", "circ": "girth",
    "eyebrows": "brows", "rot": "rotation", "push1": "upper lid push", "push2": "lower lid push",
    "height1": "upper lid height", "height2": "lid height", "height3": "lower lid height",
    "corner1": "outer corner", "corner2": "inner corner", "cupidsbow": "cupid's bow",
    "septumangle": "septum angle", "greek": "Greek (straight) profile", "nubian": "Nubian profile",
    "prognathism": "jaw protrusion", "epicanthus": "epicanthic fold", "eyefold": "eye fold",
    "lowerlip": "lower lip", "upperlip": "upper lip", "ext": "corners", "width1": "bridge width",
    "width2": "mid width", "width3": "base width",
}


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """One parameter of the model.

    ``index`` is its position in the model's parameter vector; ``mirror`` names the parameter
    of the other side (``None`` for central parameters).
    """

    name: str
    kind: str
    group: str
    label: str
    minimum: float
    maximum: float
    default: float
    index: int
    mirror: str | None = None
    subgroup: str | None = None
    description: str = ""
    choices: tuple[str, ...] | None = None  # a choice parameter: value = index (rounded)

    def as_json(self) -> dict:
        entry = {
            "name": self.name, "group": self.group, "subgroup": self.subgroup,
            "group_label": GROUP_LABELS[self.group], "label": self.label, "kind": self.kind,
            "min": self.minimum, "max": self.maximum, "default": self.default,
            "mirror": self.mirror, "description": self.description,
        }
        if self.choices is not None:
            entry["choices"] = list(self.choices)
        return entry

    def choice(self, value: float) -> str:
        """The choice named by ``value`` (rounded index, clamped) of a choice parameter."""
        if self.choices is None:
            raise ValueError(f"parameter {self.name!r} is not a choice")
        index = int(np.clip(np.floor(float(value) + 0.5), 0, len(self.choices) - 1))
        return self.choices[index]

    def choice_value(self, choice: str) -> float:
        """The value of the named choice (e.g. ``"bob"``); ValueError lists the valid ones."""
        if self.choices is None or choice not in self.choices:
            valid = ", ".join(self.choices or ())
            raise ValueError(f"{self.name} has no choice {choice!r}; choose one of: {valid}")
        return float(self.choices.index(choice))


class UnknownParameterError(KeyError):
    """A parameter name that the model does not have."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()):
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(name)
        self.name = name
        self.message = f"unknown parameter {name!r}{hint}; 'faceeditor params' lists them all"

    def __str__(self) -> str:
        return self.message


def local_param_name(target: str) -> str:
    """``nose-hump-incr`` -> ``nose_hump``; ``mouth-angles-up`` -> ``mouth_angles_up``."""
    stem = target[: -len("-incr")] if target.endswith("-incr") else target
    return stem.replace("-", "_")


def _humanise(tokens: list[str]) -> str:
    words = [_WORDS.get(token, token) for token in tokens]
    text = " ".join(word for word in words if word)
    return text[:1].upper() + text[1:]


def local_label(target: str) -> tuple[str, str]:
    """(label, description) for a MakeHuman local-change target name."""
    tokens = target.split("-")
    side = {"l": " (left)", "r": " (right)"}.get(tokens[0], "")
    direction = tokens[-1]
    negative, meaning = _DIRECTIONS.get(direction, ("", ""))
    body = tokens[:-1] if direction in _DIRECTIONS and direction != "incr" else tokens
    if direction in ("round", "triangle"):
        body = tokens  # "ear shape round" reads better with the shape word kept
    label = _humanise(body) + side
    description = f"{meaning}: negative uses the '{negative}' target" if negative else ""
    return label, description


def _mirror_local(name: str, names: set[str]) -> str | None:
    for a, b in (("l_", "r_"), ("r_", "l_")):
        if name.startswith(a) and b + name[len(a):] in names:
            return b + name[len(a):]
    return None


def _mirror_expression(name: str, names: set[str]) -> str | None:
    for a, b in (("Left", "Right"), ("Right", "Left")):
        if name.endswith(a) and name[: -len(a)] + b in names:
            return name[: -len(a)] + b
    return None


def _split_camel(name: str) -> str:
    out = "".join(" " + c.lower() if c.isupper() else c for c in name)
    return out[:1].upper() + out[1:]


class ParameterSpec:
    """The ordered list of parameters, with lookups, validation and vector conversion."""

    def __init__(self, params: list[ParamSpec]):
        self.params = params
        self.by_name = {p.name: p for p in params}
        if len(self.by_name) != len(params):
            raise ValueError("duplicate parameter names in the spec")
        self.minimum = np.array([p.minimum for p in params], np.float32)
        self.maximum = np.array([p.maximum for p in params], np.float32)
        self.defaults = np.array([p.default for p in params], np.float32)

    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self):
        return iter(self.params)

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __getitem__(self, name: str) -> ParamSpec:
        try:
            return self.by_name[name]
        except KeyError:
            raise UnknownParameterError(name, self.suggest(name)) from None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def of_kind(self, kind: str) -> list[ParamSpec]:
        return [p for p in self.params if p.kind == kind]

    def in_group(self, group: str) -> list[ParamSpec]:
        return [p for p in self.params if p.group == group]

    def indices(self, kind: str) -> np.ndarray:
        return np.array([p.index for p in self.params if p.kind == kind], np.int64)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        import difflib

        return difflib.get_close_matches(name, self.names, n=limit, cutoff=0.6)

    def clamp(self, name: str, value: float) -> float:
        """``value`` limited to the parameter's range, with a warning when it was outside."""
        spec = self[name]
        if not math.isfinite(value):
            raise ValueError(f"parameter {name!r} must be a finite number, got {value!r}")
        if value < spec.minimum or value > spec.maximum:
            clamped = min(max(value, spec.minimum), spec.maximum)
            log.warning(
                "%s=%g is outside [%g, %g]; clamped to %g",
                name, value, spec.minimum, spec.maximum, clamped,
            )
            return clamped
        return value

    def vector(self, values: Mapping[str, float] | None = None) -> np.ndarray:
        """(P,) float32 parameter vector: defaults, overridden by ``values`` (clamped)."""
        vector = self.defaults.copy()
        for name, value in (values or {}).items():
            vector[self[name].index] = self.clamp(name, float(value))
        return vector

    def to_dict(self, vector) -> dict[str, float]:
        """Parameter vector -> {name: value} (every parameter)."""
        values = np.asarray(vector, np.float64).reshape(-1)
        if len(values) != len(self.params):
            raise ValueError(f"expected {len(self.params)} values, got {len(values)}")
        return {p.name: float(values[p.index]) for p in self.params}

    def mirrored(self, values: Mapping[str, float], source: str = "left") -> dict[str, float]:
        """Symmetric edit: copy every ``source`` side value onto its mirror partner.

        ``source`` is ``"left"`` (left -> right) or ``"right"`` (right -> left). Central
        parameters and asymmetries are kept. Returns a new {name: value} dict.
        """
        if source not in ("left", "right"):
            raise ValueError(f"source must be 'left' or 'right', got {source!r}")
        result = dict(values)
        full = self.to_dict(self.vector(values))
        for p in self.params:
            if p.mirror and side_of(p.name) == source:
                result[p.mirror] = full[p.name]
        return result


def side_of(name: str) -> str | None:
    """"left", "right" or None (central) for a parameter name."""
    if name.startswith("l_") or name.endswith("Left"):
        return "left"
    if name.startswith("r_") or name.endswith("Right"):
        return "right"
    return None


#: The default head is an adult of this age (MakeHuman's default is 25), whatever the sex and
#: ancestry sliders say; the age slider's value comes from the asset's calibrated age table.
DEFAULT_AGE_YEARS = 25.0


def age_mapping(metadata: Mapping) -> Mapping | None:
    """The asset's calibrated table ``{"years": [...], "anny": [...]}`` (None without one)."""
    return metadata.get("shape_calibration", {}).get("age_mapping")


def years_to_age(metadata: Mapping, years: float) -> float:
    """The ``age`` slider value of a head ``years`` old (by the asset's age table)."""
    mapping = age_mapping(metadata)
    if mapping is None:
        raise ValueError("this head model has no calibrated age table")
    return float(np.interp(years, mapping["years"], mapping["anny"]))


def age_in_years(metadata: Mapping, value: float) -> float:
    """The age in years of the ``age`` slider value ``value`` (by the asset's age table)."""
    mapping = age_mapping(metadata)
    if mapping is None:
        raise ValueError("this head model has no calibrated age table")
    return float(np.interp(value, mapping["anny"], mapping["years"]))


def default_age(metadata: Mapping) -> float:
    """The ``age`` slider value of a ``DEFAULT_AGE_YEARS`` adult (0.5 without a calibration)."""
    if age_mapping(metadata) is None:
        return 0.5
    return round(years_to_age(metadata, DEFAULT_AGE_YEARS), 4)


def build_spec(metadata: Mapping) -> ParameterSpec:
    """The parameter spec of an asset, from its metadata (names of every block)."""
    params: list[ParamSpec] = []

    def add(**fields) -> None:
        params.append(ParamSpec(index=len(params), **fields))

    for name, (label, description) in PHENOTYPES.items():
        add(name=name, kind="phenotype", group="macros", label=label, minimum=0.0,
            maximum=1.0, default=default_age(metadata) if name == "age" else 0.5,
            description=description)

    local_names = [local_param_name(t) for t in metadata["local_change_names"]]
    local_set = set(local_names)
    for target, name in zip(metadata["local_change_names"], local_names):
        group = next(g for prefix, g in _LOCAL_GROUP_BY_PREFIX if target.startswith(prefix))
        label, description = local_label(target)
        add(name=name, kind="local", group=group, label=label, minimum=-1.0, maximum=1.0,
            default=0.0, mirror=_mirror_local(name, local_set), description=description)

    for stem in metadata["asym_names"]:
        _, region, number = stem.split("-")
        add(name=f"asym_{region.replace('brown', 'brow')}_{number}", kind="asym",
            group=_ASYM_GROUP[region],
            label=f"Asymmetry: {region.replace('brown', 'brow')} {number}",
            minimum=-1.0, maximum=1.0, default=0.0,
            description="positive moves the face's left side, negative its right side")

    expression_names = list(metadata["expression_names"])
    expression_set = set(expression_names)
    for name in expression_names:
        subgroup = next(s for prefix, s in _EXPRESSION_SUBGROUP_BY_PREFIX if name.startswith(prefix))
        add(name=name, kind="expression", group="expression", subgroup=subgroup,
            label=_split_camel(name), minimum=0.0, maximum=1.0, default=0.0,
            mirror=_mirror_expression(name, expression_set),
            description=f"ARKit blendshape {name}")

    for name, (group, label, default, description) in ALBEDO_PARAMS.items():
        add(name=name, kind="albedo", group=group, label=label, minimum=0.0, maximum=1.0,
            default=default, description=description)

    for entry in HAIR_PARAMS:
        choices = tuple(entry["choices"]) if "choices" in entry else None
        add(name=entry["name"], kind="hair", group=entry["group"], label=entry["label"],
            minimum=float(entry.get("minimum", 0.0)),
            maximum=float(len(choices) - 1 if choices else entry.get("maximum", 1.0)),
            default=float(entry["default"]), description=entry["description"], choices=choices)
    return ParameterSpec(params)
