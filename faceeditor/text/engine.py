"""The offline text edit engine: prompt + current parameters -> new parameters.

``TextEditEngine.edit(prompt, values, strength)`` parses the prompt (``parser``), turns each
request into a change of parameters (``lexicon``) and returns an ``EditResult`` with the new
values and the per-parameter deltas.  It never changes anything in place: the caller applies
``result.values`` as one undoable step (``ParameterState.set_values``), so edits compose.

Request modes:

* add: ``value += strength * intensity * effect`` (clamped to the parameter's range);
* remove ("no smile", "without freckles"): the concept's parameters go back to their default
  (expressions to 0), by ``min(strength, 1)``;
* less ("less angry", "a less hooked nose"): expressions halve; shapes take a little of their
  opposite ("less old" = a bit younger), or halve toward the default without one;
* neutral ("neutral expression"): every expression parameter goes to 0.

Sides ("left", "right") are the face's own: a request limited to one side keeps the effect on
that side (``...Left``/``l_`` names) and moves a one-sided effect to the other side if needed
("wink with the right eye").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.spec import age_in_years, age_mapping, side_of, years_to_age
from faceeditor.text import lexicon as lx
from faceeditor.text import quantities as qty
from faceeditor.text.measure import MM_PER_UNIT, concept_axis, feature_change
from faceeditor.text.parser import ADD, LESS, NEUTRAL, REMOVE, Paraphraser, Request, parse
from faceeditor.text.suggest import suggestions

log = logging.getLogger(__name__)

#: Deltas smaller than this are not reported as changes.
EPSILON = 1e-6

#: How deep ``includes`` may nest (an archetype including a character word including ...).
MAX_DEPTH = 4

#: The largest intensity a factor ("three times as wide") may ask for.
MAX_INTENSITY = 1.4


@dataclasses.dataclass(frozen=True)
class EditResult:
    """The outcome of one prompt.

    Attributes:
        prompt: the text as typed.
        strength: the strength alpha it was applied with.
        values: every parameter after the edit, by name.
        changed: {parameter name: new - old} for the parameters that moved.
        requests: what the prompt asked for, in order.
        unrecognized: words the engine did not understand.
        unavailable: requests the model cannot show (an appearance parameter it lacks).
        effects: what each request did, in order: (request, {parameter: change}).
        suggestions: {ignored word: closest known words}.
    """

    prompt: str
    strength: float
    values: dict[str, float]
    changed: dict[str, float]
    requests: list[Request]
    unrecognized: list[str]
    unavailable: list[str]
    effects: list[tuple[Request, dict[str, float]]] = dataclasses.field(default_factory=list)
    suggestions: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def understood(self) -> bool:
        return bool(self.requests)

    def message(self) -> str:
        """A one-line summary for a status bar or the command line."""
        parts = []
        if self.changed:
            parts.append(f"changed {len(self.changed)} parameter(s)")
        elif self.requests:
            parts.append("nothing to change")
        if self.unrecognized:
            parts.append("did not understand: " + ", ".join(
                repr(w) + (f" (did you mean {' / '.join(self.suggestions[w])}?)"
                           if self.suggestions.get(w) else "")
                for w in self.unrecognized))
        if self.unavailable:
            parts.append("not available in this model: " + ", ".join(self.unavailable))
        return "; ".join(parts) if parts else "empty prompt"

    def as_json(self) -> dict:
        return {"changed": dict(self.changed), "unrecognized": list(self.unrecognized)}


class TextEditEngine:
    """Turns prompts into parameter edits for ``model``.

    Args:
        model: the face model (its ``spec`` names and limits the parameters).
        paraphraser: optional fallback for clauses the lexicon does not know (see
            ``paraphrase.ParaphraseMatcher``); None keeps to the lexicon.
    """

    def __init__(self, model: FaceModel, paraphraser: Paraphraser | None = None):
        self.model = model
        self.spec = model.spec
        self.paraphraser = paraphraser

    def edit(self, prompt: str, values: Mapping[str, float] | None = None,
             strength: float = 1.0) -> EditResult:
        """Apply ``prompt`` to ``values`` (defaults when None) with strength ``strength``."""
        if not np.isfinite(strength) or strength < 0:
            raise ValueError(f"strength must be a number >= 0, got {strength!r}")
        before = full_vector(self.spec, values)
        parsed = parse(prompt, self.paraphraser)
        after = before.copy()
        unavailable: list[str] = []
        effects: list[tuple[Request, dict[str, float]]] = []
        pinned = pinned_targets(parsed.requests)
        for request in parsed.requests:
            step = np.clip(self._request(request, after, strength, unavailable, 0, pinned),
                           self.spec.minimum, self.spec.maximum)
            moved = step - after
            effects.append((request, {p.name: float(moved[p.index]) for p in self.spec
                                      if abs(moved[p.index]) > EPSILON}))
            after = step
        delta = after - before
        changed = {p.name: float(delta[p.index]) for p in self.spec
                   if abs(delta[p.index]) > EPSILON}
        return EditResult(prompt, float(strength), self.spec.to_dict(after), changed,
                          parsed.requests, parsed.unrecognized, unavailable, effects,
                          {word: suggestions(word) for word in parsed.unrecognized})

    # -- ages in years -------------------------------------------------------------------------

    def _metadata(self) -> dict:
        return getattr(getattr(self.model, "asset", None), "metadata", {})

    def has_years(self) -> bool:
        """Whether ages can be given in years (the model has a calibrated age table)."""
        return age_mapping(self._metadata()) is not None and "age" in self.spec

    def years_of(self, vector: np.ndarray) -> float:
        return age_in_years(self._metadata(), float(vector[self.spec["age"].index]))

    def _with_years(self, vector: np.ndarray, years: float) -> np.ndarray:
        """``vector`` with ``age`` set to ``years`` (unchanged without an age table)."""
        if not self.has_years():
            return vector
        out = vector.copy()
        out[self.spec["age"].index] = years_to_age(self._metadata(), years)
        return out

    def _set_age_in_years(self, before: np.ndarray, after: np.ndarray,
                          years: float) -> np.ndarray:
        """``after`` with ``age`` set to ``years`` more than ``before``'s age."""
        if not self.has_years():
            return after
        return self._with_years(after, self.years_of(before) + years)

    # -- one request ---------------------------------------------------------------------------

    def _request(self, request: Request, vector: np.ndarray, strength: float,
                 unavailable: list[str], depth: int,
                 pinned: frozenset[str] = frozenset()) -> np.ndarray:
        """``vector`` after ``request`` (not clipped).  ``pinned``: values the prompt sets
        explicitly ("an old sailor": "old"), which an archetype's own targets leave alone."""
        if request.mode == NEUTRAL:
            return self._apply(request, {}, vector, strength)
        concept = lx.CONCEPTS[request.concept]
        quantity = request.quantity
        out = vector
        if request.mode == ADD and (concept.set or quantity is not None):
            keep = pinned if concept.kind != "target" or depth > 0 else frozenset()
            out = self._set(concept, quantity, out, strength, keep)
        if request.mode == LESS and concept.kind in ("target", "archetype") \
                and request.concept in lx.OPPOSITES:
            return self._apply(request, {}, out, strength)
        effect = self._effect(request, unavailable)
        if depth > 0:  # what the prompt or the including concept set stays set
            effect = {n: v for n, v in effect.items()
                      if n not in pinned and not (n == lx.YEARS and lx.YEARS in pinned)}
        if quantity is not None and request.mode == ADD and quantity.kind != qty.AGE:
            scaled = self._quantified(request, concept, effect, out, strength)
            if scaled is not None:
                out = scaled
                effect = {}
        if effect:
            out = self._apply(request, effect, out, strength)
        if depth < MAX_DEPTH:
            pinned = pinned | set(concept.set)
            for name, fraction in concept.includes.items():
                sub = dataclasses.replace(request, concept=name, quantity=None,
                                          intensity=request.intensity * fraction)
                if sub.intensity < 0:
                    opposite = lx.OPPOSITES.get(name)
                    if opposite is None:
                        continue
                    sub = dataclasses.replace(sub, concept=opposite, intensity=-sub.intensity)
                out = self._request(sub, out, strength, unavailable, depth + 1, pinned)
        return out

    def _set(self, concept: lx.Concept, quantity, vector: np.ndarray, strength: float,
             keep: frozenset[str]) -> np.ndarray:
        """Absolute targets: a number is set, a range moves a value outside it to its middle;
        names in ``keep`` are left alone."""
        out = vector.copy()
        weight = min(strength, 1.0)
        targets = concept_targets(concept, quantity)
        for name, target in targets.items():
            if name in keep:
                continue
            if name == lx.YEARS:
                if not self.has_years():
                    continue
                current = self.years_of(out)
                goal = target_value(current, target)
                out = self._with_years(out, current + weight * (goal - current))
                continue
            if name not in self.spec:
                continue
            index = self.spec[name].index
            goal = target_value(out[index], target)
            if getattr(self.spec[name], "choices", None):  # a style is chosen, never blended
                out[index] = goal if weight >= 0.5 else out[index]
                continue
            out[index] += weight * (goal - out[index])
        return out

    def _quantified(self, request: Request, concept: lx.Concept, effect: dict[str, float],
                    vector: np.ndarray, strength: float) -> np.ndarray | None:
        """``vector`` after a request with a number ("20 years older", "5 mm wider", "twice as
        wide a smile", "20% bigger"); None when the number does not apply to this concept."""
        quantity = request.quantity
        if quantity.kind == qty.YEARS:
            if lx.YEARS not in effect:
                return None
            sign = 1.0 if effect[lx.YEARS] > 0 else -1.0
            rest = {n: v for n, v in effect.items() if n != lx.YEARS}
            out = self._apply(request, rest, vector, strength)
            return self._set_age_in_years(vector, out, strength * sign * quantity.value)
        if concept.kind == "shape":
            local = {n: v for n, v in effect.items() if n != lx.YEARS}
            change = feature_change(self.model, vector, local, concept_axis(concept.name))
            if change is None:
                return None
            if quantity.kind == qty.MM:
                millimetres = quantity.value
            else:
                millimetres = (quantity.factor - 1.0) * change.size_mm
            # "5 mm wider" asks for growth in the concept's own direction
            intensity = millimetres / abs(change.growth_mm)
            scaled = dataclasses.replace(request, intensity=intensity)
            return self._apply(scaled, local, vector, strength)
        if quantity.kind in (qty.PERCENT, qty.FACTOR):
            return self._scaled(request, effect, vector, strength, quantity.factor)
        return None

    def _scaled(self, request: Request, effect: dict[str, float], vector: np.ndarray,
                strength: float, factor: float) -> np.ndarray:
        """The concept's current amount times ``factor`` ("twice as wide a smile"); a concept
        not yet there is added at ``factor`` times the plain intensity."""
        out = vector.copy()
        present = False
        for name, value in effect.items():
            if name == lx.YEARS or name not in self.spec:
                continue
            p = self.spec[name]
            offset = out[p.index] - p.default
            if offset * value > EPSILON:
                present = True
                out[p.index] = p.default + offset * (1.0 + min(strength, 1.0) * (factor - 1.0))
        if present or factor <= 1.0:
            return out
        added = dataclasses.replace(
            request, intensity=min(MAX_INTENSITY, lx.DEFAULT_INTENSITY * factor))
        return self._apply(added, effect, vector, strength)

    # -- requests -> parameter changes -------------------------------------------------------

    def _effect(self, request: Request, unavailable: list[str]) -> dict[str, float]:
        """{parameter name: full-intensity change} of a request, limited to the model."""
        if request.mode == NEUTRAL:
            return {}
        concept = lx.CONCEPTS[request.concept]
        if not concept.effect:
            return {}
        if concept.kind == "appearance":
            name = next((n for n in concept.effect if n in self.spec), None)
            if name is None:
                unavailable.append(request.words)
                return {}
            p = self.spec[name]
            return {name: concept.effect[name] * (p.maximum - p.minimum)}
        effect = {n: v for n, v in concept.effect.items()
                  if n in self.spec or (n == lx.YEARS and "age" in self.spec)}
        missing = set(concept.effect) - set(effect)
        if missing:
            log.debug("concept %s: model lacks %s", concept.name, sorted(missing))
        return with_side(effect, request.side, self.spec)

    def _apply(self, request: Request, effect: dict[str, float], vector: np.ndarray,
               strength: float) -> np.ndarray:
        spec = self.spec
        out = vector.copy()
        if request.mode == NEUTRAL:
            for p in spec.of_kind("expression"):
                out[p.index] += min(strength, 1.0) * (p.default - out[p.index])
            return out
        kind = lx.CONCEPTS[request.concept].kind
        if request.mode == ADD:
            for name, value in effect.items():
                if name == lx.YEARS:
                    out = self._set_age_in_years(out, out, strength * request.intensity * value)
                    continue
                out[spec[name].index] += strength * request.intensity * value
        elif request.mode == REMOVE:
            for name, value in effect.items():
                if name == lx.YEARS:
                    continue
                p = spec[name]
                offset = out[p.index] - p.default
                if offset * value > 0:  # only undo what points the concept's way
                    out[p.index] -= min(strength, 1.0) * offset
        elif request.mode == LESS:
            opposite = lx.OPPOSITES.get(request.concept)
            if kind != "expression" and opposite is not None:
                flipped = dataclasses.replace(request, concept=opposite, mode=ADD,
                                              intensity=min(request.intensity, 0.35))
                return self._apply(flipped, self._effect(flipped, []), out, strength)
            for name, value in effect.items():
                if name == lx.YEARS:
                    continue
                p = spec[name]
                offset = out[p.index] - p.default
                if offset * value > 0:
                    out[p.index] -= 0.5 * min(strength, 1.0) * offset
        return out


def concept_targets(concept: lx.Concept, quantity=None) -> dict:
    """{parameter or ``years``: number or (low, high)} a concept sets, with a number's age."""
    targets = dict(concept.set)
    if quantity is not None and quantity.kind == qty.AGE:
        targets[lx.YEARS] = (quantity.value if quantity.high is None
                             else (quantity.value, quantity.high))
    return targets


def pinned_targets(requests: list[Request]) -> frozenset[str]:
    """The values a prompt's explicit targets set ("old", "a woman", "in her 30s")."""
    names: set[str] = set()
    for request in requests:
        concept = lx.CONCEPTS.get(request.concept)
        if request.mode == ADD and concept is not None and concept.kind == "target":
            names |= set(concept_targets(concept, request.quantity))
    return frozenset(names)


def target_value(current: float, target: float | tuple[float, float]) -> float:
    """The value an absolute target asks for: a number, or for a ``(low, high)`` range the
    current value when it is inside, else the middle of the range."""
    if isinstance(target, tuple):
        low, high = target
        return current if low <= current <= high else 0.5 * (low + high)
    return float(target)


def full_vector(spec, values: Mapping[str, float] | None) -> np.ndarray:
    """(P,) float64 values in spec order: defaults overridden by ``values`` (clamped), kept in
    double precision so that parameters an edit does not touch come back exactly."""
    vector = spec.defaults.astype(np.float64)
    for name, value in (values or {}).items():
        vector[spec[name].index] = spec.clamp(name, float(value))
    return vector


def with_side(effect: Mapping[str, float], side: str | None, spec) -> dict[str, float]:
    """``effect`` limited to one side of the face (None: unchanged).

    Names of the other side move to their mirror partner unless the partner is already in the
    effect (a bilateral effect simply loses its other half)."""
    if side is None:
        return dict(effect)
    result: dict[str, float] = {}
    for name, value in effect.items():
        own = side_of(name)
        if own is None or own == side:
            result[name] = max(result.get(name, 0.0), value) if value > 0 else value
            continue
        mirror = spec[name].mirror if name in spec else None
        if mirror is not None and mirror not in effect:
            result[mirror] = value
    return result
