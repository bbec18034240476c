"""Choosing the text engine: offline (lexicon + paraphrases), plus CLIP when weights are here.

``create_engine`` always returns a working engine.  Without a CLIP checkpoint the offline engine
serves: a normal, supported state, so it is not a warning on every command; ``clip_status()``
holds the one line the app's prompt panel shows (``engine_note``) and ``faceeditor info``
prints (``text_engine_summary``). A checkpoint that exists but cannot be read is a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.text import clip as clip_mod
from faceeditor.text import clip_edit
from faceeditor.text.backend_engine import BackendClipEngine
from faceeditor.text.engine import EPSILON, EditResult, TextEditEngine, full_vector
from faceeditor.text.parser import Request

log = logging.getLogger(__name__)

_status: str | None = None


def clip_status() -> str | None:
    """Why CLIP is off (one line), once ``create_engine`` looked for it; None while it is on
    or before anything was looked up."""
    return _status


def _set_status(message: str | None) -> None:
    global _status
    _status = message


def _say_once(message: str, level: int = logging.INFO) -> None:
    if _status != message:
        log.log(level, "%s; using the offline text engine", message)
    _set_status(message)


def create_engine(model: FaceModel, clip_checkpoint: str | os.PathLike[str] | None = None,
                  clip_model: str | None = None, paraphrases: bool = True,
                  progress: clip_mod.Progress | None = None,
                  clip_settings: clip_edit.DirectionSettings | None = None) -> TextEditEngine:
    """The best engine this machine supports.

    Args:
        clip_checkpoint: an open_clip checkpoint file (the CLI's ``--clip-checkpoint`` or the
            GUI setting); None looks in ``$FACEEDITOR_CLIP_CHECKPOINT`` and open_clip's caches.
        clip_model: its open_clip architecture (default ``ViT-B-32``).
        paraphrases: use the sentence-embedding paraphrase matcher when it is installed.
        progress: progress(done, total) while CLIP directions are computed the first time.
        clip_settings: how CLIP directions are measured (default ``DirectionSettings()``).
    """
    paraphraser = None
    if paraphrases:
        from faceeditor.text import paraphrase  # noqa: PLC0415

        if paraphrase.available():
            paraphraser = paraphrase.ParaphraseMatcher()
        else:
            log.info("paraphrase matching off: %s is not installed", paraphrase.DISTRIBUTION)
    try:
        ref = clip_mod.find_checkpoint(clip_checkpoint, clip_model)
    except clip_mod.CheckpointNotFoundError as error:
        if clip_checkpoint is not None:
            raise  # asked for explicitly: an error, not a quiet fallback
        _say_once(str(error))
        return TextEditEngine(model, paraphraser)
    except ImportError as error:
        _say_once(f"CLIP is not installed ({error.name})")
        return TextEditEngine(model, paraphraser)
    try:
        backend = clip_mod.ClipBackend.load(ref)
    except clip_mod.ClipError as error:
        if clip_checkpoint is not None:
            raise
        _say_once(str(error), logging.WARNING)  # a broken cached file must not stop editing
        return TextEditEngine(model, paraphraser)
    directions = clip_edit.global_directions(
        model, backend, clip_settings or clip_edit.DirectionSettings(), progress=progress)
    _set_status(None)
    return ClipTextEditEngine(model, backend, directions, paraphraser)


def engine_note(engine: TextEditEngine) -> str:
    """One line for the prompt panel: which engine serves and, without CLIP, why and how to
    turn it on."""
    if isinstance(engine, ClipTextEditEngine):
        return "Text engine: word list, paraphrases and CLIP."
    words = ("word list and paraphrases" if engine.paraphraser is not None else "word list")
    reason = clip_status() or "not loaded"
    return f"Text engine: {words}, offline. CLIP is off: {reason}."


def text_engine_summary() -> str:
    """What ``faceeditor info`` says of text edits; looks for a CLIP checkpoint without
    loading it."""
    from faceeditor.text import paraphrase  # noqa: PLC0415

    words = "word list + paraphrases" if paraphrase.available() else "word list"
    try:
        ref = clip_mod.find_checkpoint()
    except clip_mod.CheckpointNotFoundError as error:
        clip = f"off: {error}"
    except ImportError as error:
        clip = f"off: not installed ({error.name})"
    else:
        clip = f"{ref.model_name} from {ref.path}"
    from faceeditor.text import lexicon  # noqa: PLC0415

    loaded = lexicon.LEXICON
    user = lexicon.user_lexicon_path()
    files = ", ".join(path.name for path in loaded.files)
    mine = (f"; your words: {user}" if user is not None and user in loaded.files
            else f"; add your own words in {user}" if user is not None else "")
    problems = "".join(f"\nlexicon problem: {problem}" for problem in loaded.problems)
    return (f"text edits: {words} (offline)\nlexicon: {len(loaded.concepts)} concepts, "
            f"{len(loaded.phrases)} phrases from {files}{mine}{problems}\nCLIP: {clip}")


#: what the GUI and CLI say when a research backend has no CLIP checkpoint
NO_CHECKPOINT_HINT = ("text edits for this model need a CLIP checkpoint: set one in "
                      "$FACEEDITOR_CLIP_CHECKPOINT or the setting text/clip_checkpoint")


def create_backend_engine(backend, clip_checkpoint: str | os.PathLike[str] | None = None,
                          clip_model: str | None = None,
                          progress: clip_mod.Progress | None = None,
                          clip_settings: clip_edit.DirectionSettings | None = None,
                          cache=None) -> tuple[BackendClipEngine | None, str | None]:
    """``(engine, None)``: a CLIP-only engine for a research backend (there is no lexicon for
    FLAME components or W directions), its directions computed (or read from the cache) over
    the backend's slider parameters; or ``(None, one-line reason)`` when CLIP cannot be used.
    """
    try:
        ref = clip_mod.find_checkpoint(clip_checkpoint, clip_model)
        clip = clip_mod.ClipBackend.load(ref)
    except clip_mod.CheckpointNotFoundError as error:
        if clip_checkpoint is None:
            return None, NO_CHECKPOINT_HINT
        return None, f"text edits for this model: {error}"
    except clip_mod.ClipError as error:
        return None, str(error)
    except ImportError as error:
        return None, f"text edits for this model need CLIP, which is not installed ({error.name})"
    directions = clip_edit.backend_directions(
        backend, clip, clip_settings or clip_edit.DirectionSettings(), progress=progress,
        cache=cache)
    log.info("CLIP text edits for %s over %d parameters", backend.model_id,
             len(directions.names))
    return BackendClipEngine(backend, clip, directions), None


class ClipTextEditEngine(TextEditEngine):
    """The offline engine first; what it does not understand goes to CLIP global directions.

    Requests the lexicon understands keep their precise FACS/shape effects; the unknown words
    (or the whole prompt when nothing was understood) become a CLIP direction edit.  Words stay
    "unrecognized" only when no parameter reaches the relevance threshold ``beta``.
    """

    def __init__(self, model: FaceModel, clip: clip_mod.ClipBackend,
                 directions: clip_edit.GlobalDirections, paraphraser=None, beta: float = 0.4,
                 reach: float = 0.4):
        super().__init__(model, paraphraser)
        self.clip = clip
        self.directions = directions
        self.beta = beta
        self.reach = reach

    def edit(self, prompt: str, values: Mapping[str, float] | None = None,
             strength: float = 1.0) -> EditResult:
        offline = super().edit(prompt, values, strength)
        if not offline.unrecognized:
            return offline
        text = prompt if not offline.requests else " ".join(offline.unrecognized)
        edit = clip_edit.direction_edit(self.model, self.clip, self.directions, text,
                                       alpha=strength, beta=self.beta, reach=self.reach)
        if not edit.deltas:
            return offline
        before = full_vector(self.spec, values)
        after = full_vector(self.spec, offline.values)
        for name, delta in edit.deltas.items():
            after[self.spec[name].index] += delta
        after = np.clip(after, self.spec.minimum, self.spec.maximum)
        change = after - before
        changed = {p.name: float(change[p.index]) for p in self.spec
                   if abs(change[p.index]) > EPSILON}
        request = Request("clip", strength, "add", None, text, source="clip")
        return EditResult(prompt, float(strength), self.spec.to_dict(after), changed,
                          [*offline.requests, request], [], offline.unavailable,
                          [*offline.effects, (request, dict(edit.deltas))])


    def optimise(self, prompt: str, values: Mapping[str, float] | None = None,
                 strength: float = 1.0, steps: int = 30) -> EditResult:
        """The optimisation mode, for edits the directions cannot express: ``steps`` Adam steps
        on a CLIP loss over differentiable renders (see ``clip.optimise``), then scaled by
        ``strength``.  Slow (about a second per step for ViT-B-32 on a laptop CPU): run it in
        a worker thread."""
        before = full_vector(self.spec, values)
        optimised = clip_edit.optimise(self.model, self.clip, prompt, self.spec.to_dict(before),
                                      steps=steps)
        after = before + strength * (full_vector(self.spec, optimised.values) - before)
        after = np.clip(after, self.spec.minimum, self.spec.maximum)
        change = after - before
        changed = {p.name: float(change[p.index]) for p in self.spec
                   if abs(change[p.index]) > EPSILON}
        request = Request("clip", strength, "add", None, prompt, source="clip-optimise",
                          similarity=optimised.similarities[-1])
        return EditResult(prompt, float(strength), self.spec.to_dict(after), changed,
                          [request], [], [])


__all__ = ["ClipTextEditEngine", "clip_status", "create_backend_engine", "create_engine",
           "engine_note", "text_engine_summary"]
