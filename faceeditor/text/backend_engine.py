"""Text edits for research backends (FLAME, AlbedoGAN / StyleGAN2 W space): CLIP only.

There is no lexicon for FLAME components or W directions, so every prompt goes to CLIP global
directions measured over the backend's slider parameters (``clip.backend_directions``): the
StyleCLIP edit ``r = d . dt``, parameters with ``|r| >= beta * max|r|`` move by
``alpha * r / max|r| * reach * range`` (``alpha`` is the prompt strength).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np

from faceeditor.text import clip as clip_mod
from faceeditor.text import clip_edit
from faceeditor.text.engine import EPSILON, EditResult, full_vector
from faceeditor.text.parser import Request

log = logging.getLogger(__name__)


class BackendClipEngine:
    """``edit(prompt, values, strength) -> EditResult`` for a ``faceeditor.backends.Backend``,
    the interface ``PromptSession`` uses; only the directions' parameters ever change."""

    def __init__(self, backend, clip: clip_mod.ClipBackend,
                 directions: clip_edit.GlobalDirections, beta: float = 0.4, reach: float = 0.4):
        self.backend = backend
        self.spec = backend.spec
        self.clip = clip
        self.directions = directions
        self.beta = beta
        self.reach = reach

    def edit(self, prompt: str, values: Mapping[str, float] | None = None,
             strength: float = 1.0) -> EditResult:
        before = full_vector(self.spec, values)
        text = prompt.strip()
        if not text:
            return self._result(prompt, strength, before, before, [], [])
        edit = clip_edit.direction_edit(self.backend, self.clip, self.directions, text,
                                       alpha=strength, beta=self.beta, reach=self.reach)
        after = before.copy()
        for name, delta in edit.deltas.items():
            after[self.spec[name].index] += delta
        after = np.clip(after, self.spec.minimum, self.spec.maximum)
        if not np.any(np.abs(after - before) > EPSILON):
            return self._result(prompt, strength, before, after, [], [text])
        request = Request("clip", strength, "add", None, text, source="clip")
        return self._result(prompt, strength, before, after, [request], [])

    def _result(self, prompt, strength, before, after, requests, unrecognized) -> EditResult:
        change = after - before
        changed = {p.name: float(change[p.index]) for p in self.spec
                   if abs(change[p.index]) > EPSILON}
        return EditResult(prompt, float(strength), self.spec.to_dict(after), changed,
                          requests, unrecognized, [])


__all__ = ["BackendClipEngine"]
