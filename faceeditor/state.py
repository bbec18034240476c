"""The one parameter state of an editing session (no Qt).

Every edit of the face goes through a ``ParameterState``: it holds the (P,) parameter vector,
tells listeners what changed (plain callbacks), keeps the undo/redo history and implements the
whole-face operations (randomize, reset, symmetry lock).

History: each edit pushes one ``Edit`` (the vector before and after).  Between
``begin_interaction()`` and ``end_interaction()`` (a slider drag) every change is merged into one
edit, so one Ctrl+Z undoes the whole drag.  Changes that do nothing push nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.prior import sample
from faceeditor.model.spec import ParamSpec

log = logging.getLogger(__name__)

#: Kinds of parameter that shape the head (randomize "shape" draws them from the prior).
SHAPE_KINDS = frozenset({"phenotype", "local", "asym"})
#: Kinds the model drives geometry with; any other kind (skin, makeup, eye colour) is appearance.
GEOMETRY_KINDS = SHAPE_KINDS | {"expression"}

RANDOMIZE_SCOPES = ("face", "shape", "skin", "group")

Listener = Callable[[frozenset[str]], None]
#: ``sampler(seed) -> {name: value}``: a random head, the same for the same seed
Sampler = Callable[[int], Mapping[str, float]]


class UnknownScopeError(ValueError):
    """A randomize scope or group that does not exist."""


@dataclasses.dataclass(frozen=True)
class Edit:
    """One undo step: (P,) float64 vectors before and after, and a label for the Edit menu."""

    before: np.ndarray
    after: np.ndarray
    label: str


class ParameterState:
    """Parameter values of one face, with change notifications and undo/redo.

    Args:
        model: the face model (or research backend) whose ``spec`` names the parameters.
        values: initial values by name (others take their defaults).
        history_limit: the most undo steps kept.
        sampler: ``sampler(seed) -> {name: value}`` for randomize (default: the embedded
            model's prior, ``prior.sample(model, seed)``).
        geometry_kinds: parameter kinds that move the mesh (default ``GEOMETRY_KINDS``);
            randomize "skin" draws every other kind.
        shape_kinds: kinds randomize "shape" draws (default ``SHAPE_KINDS``).
    """

    def __init__(self, model: FaceModel, values: Mapping[str, float] | None = None,
                 history_limit: int = 500, *, sampler: Sampler | None = None,
                 geometry_kinds: Iterable[str] = GEOMETRY_KINDS,
                 shape_kinds: Iterable[str] = SHAPE_KINDS):
        self.model = model
        self.spec = model.spec
        self.sampler: Sampler = sampler if sampler is not None else self._prior_sample
        self.geometry_kinds = frozenset(geometry_kinds)
        self.shape_kinds = frozenset(shape_kinds)
        self._vector = self._full_vector(values or {})
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self._listeners: list[Listener] = []
        self._history_listeners: list[Callable[[], None]] = []
        self._interaction: tuple[np.ndarray, str] | None = None
        self._history_limit = history_limit
        self.symmetry_lock = False
        self.seed = 0
        self.revision = 0  # increases with every change; compare to know if a save is stale

    # ----------------------------------------------------------------- reading
    @property
    def vector(self) -> np.ndarray:
        """(P,) float64 copy of the current values, in ``spec`` order."""
        return self._vector.copy()

    def value(self, name: str) -> float:
        return float(self._vector[self.spec[name].index])

    def values(self) -> dict[str, float]:
        """Every parameter by name."""
        return self.spec.to_dict(self._vector)

    def non_default_values(self) -> dict[str, float]:
        """The parameters that differ from their defaults, by name."""
        changed = np.flatnonzero(self._vector != self.spec.defaults.astype(np.float64))
        return {self.spec.params[i].name: float(self._vector[i]) for i in changed}

    # ----------------------------------------------------------------- listening
    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(changed_names)`` after every change of values."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        self._listeners.remove(callback)

    def add_history_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever undo/redo availability may have changed."""
        self._history_listeners.append(callback)

    # ----------------------------------------------------------------- editing
    def set_value(self, name: str, value: float) -> None:
        """Set one parameter (clamped to its range); with the symmetry lock on, its mirror
        partner follows."""
        spec = self.spec[name]
        values = {name: value}
        if self.symmetry_lock and spec.mirror:
            values[spec.mirror] = value
        self.set_values(values, label=f"Change {spec.label}")

    def set_values(self, values: Mapping[str, float], label: str = "Change") -> None:
        """Set several parameters at once as one undo step (missing names keep their values)."""
        after = self._vector.copy()
        for name, value in values.items():
            after[self.spec[name].index] = self.spec.clamp(name, float(value))
        self._apply(after, label)

    def replace_all(self, values: Mapping[str, float], label: str) -> None:
        """Set every parameter: the given ones, the rest to defaults (one undo step)."""
        self._apply(self._full_vector(values), label)

    def reset(self, names: Iterable[str] | None = None) -> None:
        """Back to defaults: every parameter, or only ``names``."""
        if names is None:
            self._apply(self.spec.defaults.astype(np.float64), "Reset")
            return
        names = list(names)
        self.set_values({n: self.spec[n].default for n in names},
                        label=f"Reset {self.spec[names[0]].label}" if len(names) == 1 else "Reset")

    def begin_interaction(self, label: str = "Drag") -> None:
        """Start merging changes into one undo step (a slider drag); nested calls are ignored."""
        if self._interaction is None:
            self._interaction = (self._vector.copy(), label)

    def end_interaction(self) -> None:
        """Close the merged step started by ``begin_interaction``."""
        if self._interaction is None:
            return
        before, label = self._interaction
        self._interaction = None
        if not np.array_equal(before, self._vector):
            self._push(Edit(before, self._vector.copy(), label))

    @property
    def interacting(self) -> bool:
        return self._interaction is not None

    # ----------------------------------------------------------------- whole-face operations
    def randomize(self, scope: str = "face", seed: int | None = None,
                  group: str | None = None) -> int:
        """Draw new values for ``scope`` and return the seed used.

        Scopes: ``face`` (shape from the prior, a neutral expression, appearance), ``shape``
        (phenotype, local and asymmetry parameters from the prior), ``skin`` (appearance
        parameters: every kind the geometry does not use), ``group`` (one panel group, e.g.
        ``"nose"``). The same seed gives the same values. Without a seed the next one is used.
        """
        if scope not in RANDOMIZE_SCOPES:
            raise UnknownScopeError(f"unknown randomize scope {scope!r}; "
                                    f"choose one of {', '.join(RANDOMIZE_SCOPES)}")
        if scope == "group" and not self.spec.in_group(group or ""):
            groups = sorted({p.group for p in self.spec})
            raise UnknownScopeError(f"unknown group {group!r}; groups: {', '.join(groups)}")
        seed = self.seed + 1 if seed is None else int(seed)
        members = self._scope_members(scope, group)
        drawn = self._draw(seed)
        self.seed = seed
        label = f"Randomize {group if scope == 'group' else scope} (seed {seed})"
        self.set_values({p.name: drawn[p.name] for p in members}, label=label)
        return seed

    def _scope_members(self, scope: str, group: str | None) -> list[ParamSpec]:
        if scope == "face":
            return list(self.spec)
        if scope == "shape":
            return [p for p in self.spec if p.kind in self.shape_kinds]
        if scope == "skin":
            return [p for p in self.spec if p.kind not in self.geometry_kinds]
        return self.spec.in_group(group or "")

    def _draw(self, seed: int) -> dict[str, float]:
        """Values for every parameter from ``seed``: the sampler (by default the model's prior;
        one seed, one person: appearance drawn coherently with shape), with a neutral
        expression."""
        drawn = self.sampler(seed)
        return {p.name: p.default if p.kind == "expression" else drawn.get(p.name, p.default)
                for p in self.spec}

    def _prior_sample(self, seed: int) -> dict[str, float]:
        return sample(self.model, seed)

    def is_geometry(self, name: str) -> bool:
        """Whether parameter ``name`` moves the mesh (else it changes only the appearance)."""
        return self.spec[name].kind in self.geometry_kinds

    def mirror_side(self, source: str = "left") -> None:
        """Copy every ``source`` side value onto its partner (one undo step)."""
        values = self.spec.mirrored(self.values(), source=source)
        target = "right" if source == "left" else "left"
        self.set_values(values, label=f"Mirror {source} to {target}")

    # ----------------------------------------------------------------- undo / redo
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def undo(self) -> bool:
        """Go back one step; False when there is nothing to undo."""
        self.end_interaction()
        if not self._undo:
            return False
        edit = self._undo.pop()
        self._redo.append(edit)
        self._assign(edit.before)
        self._notify_history()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone step; False when there is nothing to redo."""
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._undo.append(edit)
        self._assign(edit.after)
        self._notify_history()
        return True

    def clear_history(self) -> None:
        """Forget every undo/redo step (after opening a project or starting a new face)."""
        self._undo.clear()
        self._redo.clear()
        self._interaction = None
        self._notify_history()

    # ----------------------------------------------------------------- internals
    def _full_vector(self, values: Mapping[str, float]) -> np.ndarray:
        """(P,) float64: defaults overridden by ``values`` (clamped), kept in double precision
        so values read from a project come back exactly."""
        vector = self.spec.defaults.astype(np.float64)
        for name, value in values.items():
            vector[self.spec[name].index] = self.spec.clamp(name, float(value))
        return vector

    def _apply(self, after: np.ndarray, label: str) -> None:
        before = self._vector.copy()
        if np.array_equal(before, after):
            return
        if self._interaction is None:
            self._push(Edit(before, after.copy(), label))
        self._assign(after)

    def _push(self, edit: Edit) -> None:
        self._undo.append(edit)
        del self._undo[:-self._history_limit]
        self._redo.clear()
        self._notify_history()

    def _assign(self, vector: np.ndarray) -> None:
        changed_index = np.flatnonzero(vector != self._vector)
        if not len(changed_index):
            return
        self._vector = vector.copy()
        self.revision += 1
        changed = frozenset(self.spec.params[i].name for i in changed_index)
        for callback in list(self._listeners):
            callback(changed)

    def _notify_history(self) -> None:
        for callback in list(self._history_listeners):
            callback()


__all__ = ["Edit", "ParameterState", "RANDOMIZE_SCOPES", "Sampler", "UnknownScopeError"]
