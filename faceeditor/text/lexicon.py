"""The words the offline text engine understands, and what each one does to the parameters.

The tables are data, not code: every ``faceeditor/text/data/*.toml`` file (in name order), then
the user's own file (``user_lexicon_path()``), merged into one lexicon.  The format is described
at the top of ``data/lexicon.toml``.  A *concept* is one requested change ("smile", "nose_wide",
"older", "freckles", "woman", "sailor") with its effect at full intensity:

* expressions: ARKit activations (0..1) from the FACS prototypes in ``prototypes`` (a data file
  may give its own ``effect``);
* shape: {parameter: value change} in the parameter's own units (local changes -1..1,
  phenotypes 0..1); the pseudo-parameter ``years`` changes the age in years;
* appearance (albedo): candidate parameter names, looked up in the model's spec at run time, with
  the change as a fraction of that parameter's range;
* target and archetype: absolute values (``set``: a number, or a ``[low, high]`` range that a
  value outside it is moved into; ``years`` is the age in years), relative ``effect``, and other
  concepts they bring along (``includes``: {concept: fraction of its full effect}).

Phrases are written in lower case with single spaces; ``parser`` matches the longest phrase
first.  Shape words also combine freely: a feature noun ("nose", "lips", "jaw") plus an attribute
("wider", "fuller", "strong") in the same clause names ``FEATURE_ATTRIBUTES[(feature, attribute)]``.

The module-level tables (``CONCEPTS``, ``PHRASES``, ...) are those of ``load()`` with the user's
file; ``reload()`` reads the files again (after the user edits theirs).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from faceeditor.text.prototypes import EXPRESSIONS

log = logging.getLogger(__name__)

#: The folder of the lexicon's data files.
DATA_DIR = Path(__file__).with_name("data")

#: The pseudo-parameter of an age in years (relative in ``effect``, absolute in ``set``).
YEARS = "years"

#: Kinds of concept, in the order their tables are read (a later kind wins a shared name).
KINDS = ("expression", "shape", "appearance", "target", "archetype")


class LexiconError(ValueError):
    """A lexicon file that cannot be read (one line for the user)."""


@dataclasses.dataclass(frozen=True)
class Concept:
    """One requested change.

    Attributes:
        name: identifier, e.g. ``"smile"``, ``"nose_wide"``, ``"sailor"``.
        kind: one of ``KINDS``.
        effect: {parameter name: change at full intensity}; for appearance concepts the keys are
            alternatives (the first one the model has is used) and values are fractions of range.
        description: a short human phrase, used for paraphrase matching and reports.
        set: absolute values {parameter: value or (low, high)}; ``years`` is the age in years.
        includes: other concepts this one brings along, {concept: fraction of its effect}.
    """

    name: str
    kind: str
    effect: Mapping[str, float]
    description: str
    set: Mapping[str, float | tuple[float, float]] = dataclasses.field(default_factory=dict)
    includes: Mapping[str, float] = dataclasses.field(default_factory=dict)

    @property
    def absolute(self) -> bool:
        """Whether the concept sets values (a target) rather than only changing them."""
        return bool(self.set)


@dataclasses.dataclass
class Lexicon:
    """Every table of the lexicon (see the module docs)."""

    concepts: dict[str, Concept]
    phrases: dict[str, str]
    features: dict[str, str]
    attributes: dict[str, str]
    feature_attributes: dict[tuple[str, str], str]
    opposites: dict[str, str]
    intensity: dict[str, float]
    default_intensity: float
    remove: frozenset[str]
    less: frozenset[str]
    neutral: frozenset[str]
    sides: dict[str, str]
    flip_side: frozenset[str]
    stopwords: frozenset[str]
    files: list[Path]
    problems: list[str]


def user_lexicon_path() -> Path | None:
    """``$FACEEDITOR_LEXICON``, else ``$XDG_CONFIG_HOME/faceeditor/lexicon.toml`` (default
    ``~/.config``).  ``FACEEDITOR_LEXICON=""`` turns the user's file off."""
    explicit = os.environ.get("FACEEDITOR_LEXICON")
    if explicit is not None:
        return Path(explicit).expanduser() if explicit.strip() else None
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "faceeditor" / "lexicon.toml"


def data_files() -> list[Path]:
    """The packaged data files, in name order."""
    return sorted(DATA_DIR.glob("*.toml"))


def read_file(path: Path) -> dict:
    """One TOML file -> dict (``LexiconError`` with the file and line when it is not TOML)."""
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except tomllib.TOMLDecodeError as error:
        raise LexiconError(f"{path}: not a valid lexicon file: {error}") from error
    except OSError as error:
        raise LexiconError(f"{path}: cannot read: {error.strerror or error}") from error


def merge(base: dict, layer: Mapping) -> dict:
    """``layer`` merged into ``base`` (in place): tables key by key, lists extended (without
    repeats), anything else replaced."""
    for key, value in layer.items():
        old = base.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            old.extend(v for v in value if v not in old)
        elif isinstance(value, Mapping):
            base[key] = merge({}, value)
        elif isinstance(value, list):
            base[key] = list(value)
        else:
            base[key] = value
    return base


def load(files: Iterable[Path] | None = None, user: Path | None | bool = True) -> Lexicon:
    """The lexicon of ``files`` (default: ``data_files()``) plus the user's file.

    Args:
        files: data files merged in order.
        user: the user's file; True: ``user_lexicon_path()`` when it exists; None/False: none.
            A user file that cannot be read is skipped and reported in ``Lexicon.problems``
            (and logged); a packaged file that cannot be read raises ``LexiconError``.
    """
    paths = list(data_files() if files is None else files)
    layers = [(path, read_file(path)) for path in paths]
    problems: list[str] = []
    if user is True:
        user = user_lexicon_path()
        user = user if user is not None and user.is_file() else None
    if user:
        try:
            layers.append((Path(user), read_file(Path(user))))
        except LexiconError as error:
            problems.append(str(error))
            log.warning("%s", error)
    merged: dict = {}
    phrases: dict[str, str] = {}
    for path, layer in layers:
        merge(merged, layer)
        for kind in KINDS:  # a phrase listed by a later file moves to that file's concept
            for name, entry in layer.get(kind, {}).items():
                for phrase in _words(entry.get("phrases", []), path, f"{kind}.{name}.phrases"):
                    phrases[phrase] = name
    lexicon = _build(merged, phrases, [p for p, _ in layers], problems)
    for problem in lexicon.problems[len(problems):]:
        log.warning("lexicon: %s", problem)
    return lexicon


def _words(value, path: Path, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{path}: {where} must be a list of words")
    return [" ".join(v.lower().split()) for v in value]


def _numbers(table: Mapping, where: str) -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in table.items()}
    except (TypeError, ValueError) as error:
        raise LexiconError(f"{where}: values must be numbers") from error


def _targets(table: Mapping, where: str) -> dict[str, float | tuple[float, float]]:
    result: dict[str, float | tuple[float, float]] = {}
    for name, value in table.items():
        if isinstance(value, list) and len(value) == 2:
            low, high = sorted(float(v) for v in value)
            result[name] = (low, high)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            result[name] = float(value)
        else:
            raise LexiconError(f"{where}.set.{name}: a number or a [low, high] range")
    return result


def _concept(kind: str, name: str, entry: Mapping) -> Concept:
    where = f"{kind}.{name}"
    if kind == "expression":
        effect = _numbers(entry["effect"], where) if "effect" in entry else EXPRESSIONS.get(name)
        if effect is None:
            raise LexiconError(f"{where}: an expression needs an effect (ARKit units)")
    elif kind == "appearance":
        candidates = entry.get("parameters", [])
        fraction = float(entry.get("fraction", 0.0))
        effect = {str(c): fraction for c in candidates}
    else:
        effect = _numbers(entry.get("effect", {}), where)
    return Concept(name, kind, effect, str(entry.get("description", name.replace("_", " "))),
                   _targets(entry.get("set", {}), where),
                   _numbers(entry.get("includes", {}), where + ".includes"))


def _build(data: Mapping, phrases: dict[str, str], files: list[Path],
           problems: list[str]) -> Lexicon:
    concepts: dict[str, Concept] = {
        name: Concept(name, "expression", units, name.replace("_", " "))
        for name, units in EXPRESSIONS.items()}
    opposites: dict[str, str] = {}
    for kind in KINDS:
        for name, entry in data.get(kind, {}).items():
            concepts[name] = _concept(kind, name, entry)
            if "opposite" in entry:
                opposites[name] = str(entry["opposite"])
    for name, other in list(opposites.items()):
        opposites.setdefault(other, name)

    def known(concept: str, where: str) -> bool:
        if concept in concepts:
            return True
        problems.append(f"{where}: unknown concept {concept!r}")
        return False

    phrases = {p: c for p, c in phrases.items() if known(c, f"phrase {p!r}")}
    opposites = {a: b for a, b in opposites.items() if known(b, f"opposite of {a}")}
    for concept in list(concepts.values()):
        bad = [c for c in concept.includes if not known(c, f"{concept.name}.includes")]
        if bad:
            concepts[concept.name] = dataclasses.replace(
                concept, includes={c: v for c, v in concept.includes.items() if c not in bad})
    feature_attributes = {
        (feature, attribute): str(concept)
        for feature, table in data.get("feature_attributes", {}).items()
        for attribute, concept in table.items()
        if known(str(concept), f"feature_attributes.{feature}.{attribute}")}
    intensity: dict[str, float] = {}
    for group in data.get("intensity", []):
        for word in group.get("words", []):
            intensity[word] = float(group["level"])
    words = data.get("words", {})
    return Lexicon(
        concepts=concepts, phrases=phrases,
        features=_inverted(data.get("features", {})),
        attributes=_inverted(data.get("attributes", {})),
        feature_attributes=feature_attributes, opposites=opposites, intensity=intensity,
        default_intensity=float(data.get("settings", {}).get("default_intensity", 0.7)),
        remove=frozenset(words.get("remove", [])), less=frozenset(words.get("less", [])),
        neutral=frozenset(words.get("neutral", [])),
        sides=_inverted(data.get("sides", {})), flip_side=frozenset(words.get("flip_side", [])),
        stopwords=frozenset(words.get("stop", [])), files=files, problems=problems)


def _inverted(table: Mapping[str, list[str]]) -> dict[str, str]:
    """{canonical: [words]} -> {word: canonical}."""
    return {word: canonical for canonical, words in table.items() for word in words}


# -- the lexicon in use -----------------------------------------------------------------------

# The module tables below are set by ``use()``: LEXICON (the ``Lexicon``) and its fields as
# CONCEPTS, PHRASES, FEATURES, ATTRIBUTES, FEATURE_ATTRIBUTES, OPPOSITES, INTENSITY,
# DEFAULT_INTENSITY, REMOVE, LESS, NEUTRAL, SIDES, FLIP_SIDE, STOPWORDS.
#: Views by kind: {name: effect}, {name: (alternatives, fraction)}, {name: description}.
SHAPES: dict[str, dict[str, float]]
APPEARANCE: dict[str, tuple[tuple[str, ...], float]]
DESCRIPTIONS: dict[str, str]
#: Changes on every ``reload()`` (the parser rebuilds its tables then).
GENERATION = 0


def use(lexicon: Lexicon) -> None:
    """Make ``lexicon`` the one the engine reads (module tables replaced)."""
    global LEXICON, CONCEPTS, PHRASES, FEATURES, ATTRIBUTES, FEATURE_ATTRIBUTES, OPPOSITES
    global INTENSITY, DEFAULT_INTENSITY, REMOVE, LESS, NEUTRAL, SIDES, FLIP_SIDE, STOPWORDS
    global SHAPES, APPEARANCE, DESCRIPTIONS, GENERATION
    LEXICON = lexicon
    CONCEPTS, PHRASES = lexicon.concepts, lexicon.phrases
    FEATURES, ATTRIBUTES = lexicon.features, lexicon.attributes
    FEATURE_ATTRIBUTES, OPPOSITES = lexicon.feature_attributes, lexicon.opposites
    INTENSITY, DEFAULT_INTENSITY = lexicon.intensity, lexicon.default_intensity
    REMOVE, LESS, NEUTRAL = lexicon.remove, lexicon.less, lexicon.neutral
    SIDES, FLIP_SIDE, STOPWORDS = lexicon.sides, lexicon.flip_side, lexicon.stopwords
    SHAPES = {n: dict(c.effect) for n, c in CONCEPTS.items() if c.kind == "shape"}
    APPEARANCE = {n: (tuple(c.effect), next(iter(c.effect.values()), 0.0))
                  for n, c in CONCEPTS.items() if c.kind == "appearance"}
    DESCRIPTIONS = {n: c.description for n, c in CONCEPTS.items()}
    GENERATION += 1


def reload() -> Lexicon:
    """Read the data files and the user's file again and use the result."""
    lexicon = load()
    use(lexicon)
    return lexicon


reload()
