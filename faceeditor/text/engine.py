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
import re
from collections.abc import Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.spec import age_in_years, age_mapping, side_of, years_to_age
from faceeditor.text import lexicon as lx
from faceeditor.text.parser import ADD, LESS, NEUTRAL, REMOVE, Paraphraser, Request, parse

log = logging.getLogger(__name__)

#: Deltas smaller than this are not reported as changes.
EPSILON = 1e-6

#: "20 years older", "5 yrs younger": an age change in years (kept exact through the model's
#: calibrated years <-> age table).
YEARS = re.compile(r"\b(\d{1,3})\s*(?:years?|yrs?)\s*(older|younger)\b", re.IGNORECASE)


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
    """

    prompt: str
    strength: float
    values: dict[str, float]
    changed: dict[str, float]
    requests: list[Request]
    unrecognized: list[str]
    unavailable: list[str]

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
            parts.append("did not understand: " + ", ".join(repr(w) for w in self.unrecognized))
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
        years = [(int(m.group(1)) * (1 if m.group(2).lower() == "older" else -1))
                 for m in YEARS.finditer(prompt)]
        # the words "older"/"younger" still bring their other signs of age
        parsed = parse(YEARS.sub(lambda m: m.group(2), prompt), self.paraphraser)
        after = before.copy()
        unavailable: list[str] = []
        for request in parsed.requests:
            effect = self._effect(request, unavailable)
            after = self._apply(request, effect, after, strength)
        if years:
            after = self._set_age_in_years(before, after, strength * sum(years))
        after = np.clip(after, self.spec.minimum, self.spec.maximum)
        delta = after - before
        changed = {p.name: float(delta[p.index]) for p in self.spec
                   if abs(delta[p.index]) > EPSILON}
        return EditResult(prompt, float(strength), self.spec.to_dict(after), changed,
                          parsed.requests, parsed.unrecognized, unavailable)

    def _set_age_in_years(self, before: np.ndarray, after: np.ndarray,
                          years: float) -> np.ndarray:
        """``after`` with ``age`` set to ``years`` more than ``before``'s age, by the model's
        calibrated years <-> age table (unchanged when the model has none)."""
        metadata = getattr(getattr(self.model, "asset", None), "metadata", {})
        if age_mapping(metadata) is None or "age" not in self.spec:
            return after
        index = self.spec["age"].index
        out = after.copy()
        out[index] = years_to_age(metadata, age_in_years(metadata, before[index]) + years)
        return out

    # -- requests -> parameter changes -------------------------------------------------------

    def _effect(self, request: Request, unavailable: list[str]) -> dict[str, float]:
        """{parameter name: full-intensity change} of a request, limited to the model."""
        if request.mode == NEUTRAL:
            return {}
        concept = lx.CONCEPTS[request.concept]
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
