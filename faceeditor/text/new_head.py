"""A whole new head from a description: "an east asian woman in her thirties, friendly".

``new_heads(model, prompt, count, seed)`` draws ``count`` candidates from the prior with the
description's absolute targets fixed (sex, age, ancestry, skin, build: ``describe.toml``), then
applies the description's relative words and archetypes to each (``TextEditEngine.edit``).  A
target given as a range ("in her thirties": 30-39 years, "a woman": gender 0.8-1) is drawn inside
the range per candidate, so the candidates differ where the description leaves room.

Candidate ``i`` of run seed ``S`` uses the head seed ``item_seed(S, i)`` (as ``faceeditor batch``
does) and the same targets for the same (S, i), so a candidate can be made again alone.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping

import numpy as np

from faceeditor.batch.scene import item_seed
from faceeditor.model import prior
from faceeditor.model.spec import age_in_years, years_to_age
from faceeditor.text import lexicon as lx
from faceeditor.text.engine import EditResult, TextEditEngine, concept_targets
from faceeditor.text.parser import ADD, parse

#: Phenotypes the prior draws first and steers the rest of the head by.
PHENOTYPES = ("gender", "age", "muscle", "weight", "proportions", "african", "asian", "caucasian")

#: The extra random stream of the targets' own draws (ranges), after shape 0, appearance 1,
#: hair 2.
TARGET_STREAM = 3


class DescriptionError(ValueError):
    """A description that cannot make a head (one line for the user)."""


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One new head.

    Attributes:
        seed: the head seed (``item_seed(run seed, index)``).
        values: every parameter of the head.
        targets: the absolute values the description fixed for it ({name: value}; ``years``
            is the age in years).
        edit: the relative part of the description applied to the drawn head.
    """

    seed: int
    values: dict[str, float]
    targets: dict[str, float]
    edit: EditResult


def description_targets(prompt: str) -> dict[str, float | tuple[float, float]]:
    """{parameter or ``years``: number or (low, high)} the description sets, in prompt order
    (a later target wins; an archetype's own targets give way to explicit ones)."""
    explicit: dict[str, float | tuple[float, float]] = {}
    implied: dict[str, float | tuple[float, float]] = {}
    for request in parse(prompt).requests:
        concept = lx.CONCEPTS.get(request.concept)
        if request.mode != ADD or concept is None:
            continue
        found = _collect(concept, request.quantity, 0)
        (explicit if concept.kind == "target" else implied).update(found)
    return {**implied, **explicit}


def _collect(concept: lx.Concept, quantity, depth: int) -> dict:
    targets: dict = {}
    if depth < 4:
        for name, fraction in concept.includes.items():
            sub = lx.CONCEPTS.get(name)
            if sub is not None and fraction > 0:
                targets.update(_collect(sub, None, depth + 1))
    targets.update(concept_targets(concept, quantity))  # the concept's own win its includes'
    return targets


def draw_targets(targets: Mapping[str, float | tuple[float, float]],
                 rng: np.random.Generator) -> dict[str, float]:
    """One value per target: numbers as they are, ranges drawn uniformly (in name order)."""
    drawn = {}
    for name in sorted(targets):
        target = targets[name]
        drawn[name] = float(rng.uniform(*target)) if isinstance(target, tuple) else float(target)
    return drawn


def _supports_fixed() -> bool:
    return "fixed" in inspect.signature(prior.sample).parameters


def sample_with(model, seed: int, fixed: Mapping[str, float]) -> dict[str, float]:
    """``prior.sample(model, seed)`` with ``fixed`` values held ({name: value}; ``years``: the
    age in years)."""
    fixed = dict(fixed)
    years = fixed.pop(lx.YEARS, None)
    metadata = model.asset.metadata
    if years is not None:
        fixed["age"] = years_to_age(metadata, years)
    fixed = {name: value for name, value in fixed.items() if name in model.spec}
    if _supports_fixed():
        return prior.sample(model, seed, fixed=fixed)
    # a prior without conditioning: draw, hold the fixed values, and draw the appearance again
    # from its own stream so that it fits the held sex, age and ancestry
    params = prior.sample(model, seed)
    params.update({n: v for n, v in fixed.items() if n in PHENOTYPES})
    params.update(prior._sample_appearance(
        params, age_in_years(metadata, params["age"]), np.random.default_rng([seed, 1])))
    params.update(fixed)
    return params


def new_heads(model, prompt: str, count: int = 4, seed: int = 0,
              engine: TextEditEngine | None = None) -> list[Candidate]:
    """``count`` heads that fit ``prompt`` (see the module docs); deterministic for a seed."""
    if not prompt.strip():
        raise DescriptionError("the description is empty; say who, e.g. 'an old sailor'")
    if count < 1:
        raise DescriptionError(f"count must be at least 1, got {count}")
    engine = engine or TextEditEngine(model)
    targets = description_targets(prompt)
    candidates = []
    for index in range(count):
        head_seed = item_seed(seed, index)
        fixed = draw_targets(targets, np.random.default_rng([head_seed, TARGET_STREAM]))
        drawn = sample_with(model, head_seed, fixed)
        edit = engine.edit(prompt, drawn)
        candidates.append(Candidate(head_seed, edit.values, fixed, edit))
    if not candidates[0].edit.understood:
        words = ", ".join(repr(w) for w in candidates[0].edit.unrecognized) or "nothing"
        raise DescriptionError(f"did not understand the description ({words}); try words like "
                               "'a woman in her thirties', 'an old sailor', 'East Asian'")
    return candidates
