"""A prompt session for a GUI: history, strength, debounced preview, apply and undo (no Qt).

The GUI forwards what happens and asks what to show; time is passed in (seconds, e.g.
``time.monotonic()``), so the debounce logic is plain and testable::

    session = PromptSession(engine, state)        # state: faceeditor.state.ParameterState
    session.text_changed("a faint smi", now)       # on every keystroke
    preview = session.poll(now)                    # from a timer: an EditResult once typing
                                                   #   stopped for ``debounce_s``, else None
    session.apply()                                # Enter / Apply: one undo step in ``state``
    session.undo()                                 # the state's undo

Previews leave the state alone unless ``live=True``: then ``poll`` also shows the preview on the
face through the state (inside one ``begin_interaction``, so it is no undo step), ``apply``
replaces it by the real edit (one undo step named after the prompt) and ``cancel`` (Escape,
clearing the box) restores the face as it was.  A GUI should ``cancel`` a live preview before
any other edit (a slider drag) so that edit is not lost when the preview is withdrawn.
"""

from __future__ import annotations

from faceeditor.state import ParameterState
from faceeditor.text.engine import EditResult, TextEditEngine

#: Quiet time after the last keystroke before a preview is computed.
DEFAULT_DEBOUNCE_S = 0.35

MIN_STRENGTH, MAX_STRENGTH = 0.0, 2.0


class PromptSession:
    """Text prompts applied to one ``ParameterState``.

    Args:
        engine: the edit engine (offline, or one that consults CLIP).
        state: the GUI's parameter state; ``apply`` adds one undo step to it.
        debounce_s: seconds of quiet after typing before ``poll`` returns a preview.
        history_limit: most prompts remembered (newest last, no duplicates).
    """

    def __init__(self, engine: TextEditEngine, state: ParameterState,
                 debounce_s: float = DEFAULT_DEBOUNCE_S, history_limit: int = 50,
                 live: bool = False):
        self.engine = engine
        self.state = state
        self.live = live
        self._base: dict[str, float] | None = None  # the face under a live preview
        self.debounce_s = debounce_s
        self.history_limit = history_limit
        self.history: list[str] = []
        self.text = ""
        self._strength = 1.0
        self._typed_at: float | None = None
        self._preview: EditResult | None = None
        self._history_index: int | None = None

    # -- strength ------------------------------------------------------------------------------
    @property
    def strength(self) -> float:
        return self._strength

    @strength.setter
    def strength(self, value: float) -> None:
        value = float(value)
        if not MIN_STRENGTH <= value <= MAX_STRENGTH:
            raise ValueError(f"strength must be in [{MIN_STRENGTH}, {MAX_STRENGTH}], got {value}")
        if value != self._strength:
            self._strength = value
            self._preview = None
            if self.text.strip():
                self._typed_at = float("-inf")  # recompute the preview at the next poll

    # -- typing and preview --------------------------------------------------------------------
    def text_changed(self, text: str, now: float) -> None:
        """Record a keystroke at time ``now``; the preview waits for ``debounce_s`` of quiet."""
        if text != self.text:
            self.text = text
            self._typed_at = now
            self._preview = None
            self._history_index = None

    def preview_due(self, now: float) -> bool:
        return self._typed_at is not None and now - self._typed_at >= self.debounce_s

    def poll(self, now: float) -> EditResult | None:
        """A fresh preview when typing has stopped long enough, else None."""
        if not self.preview_due(now):
            return None
        self._typed_at = None
        if not self.text.strip():
            self._preview = None
            self.cancel()
            return None
        self._preview = self.preview()
        if self.live:
            self._show(self._preview)
        return self._preview

    def preview(self) -> EditResult:
        """The edit the current text would make to the face (the state is not changed)."""
        return self.engine.edit(self.text, self.base_values(), self._strength)

    def base_values(self) -> dict[str, float]:
        """The face a prompt edits: the state, or what it was before a live preview."""
        return dict(self._base) if self._base is not None else self.state.values()

    @property
    def previewing(self) -> bool:
        """Whether a live preview is on the face."""
        return self._base is not None

    def _show(self, result: EditResult) -> None:
        if self._base is None:
            self._base = self.state.values()
            self.state.begin_interaction("Text prompt preview")
        self.state.set_values(result.values)

    def cancel(self) -> None:
        """Withdraw a live preview: the face goes back to how it was (no undo step)."""
        if self._base is None:
            return
        base, self._base = self._base, None
        self.state.set_values(base)
        self.state.end_interaction()

    @property
    def last_preview(self) -> EditResult | None:
        return self._preview

    # -- apply and undo ------------------------------------------------------------------------
    def apply(self) -> EditResult | None:
        """Apply the current text as one undo step; None for empty text.  An edit that changes
        nothing adds no undo step (its result still says which words were not understood)."""
        if not self.text.strip():
            return None
        result = self.preview()
        self.cancel()
        if result.changed:
            self.state.set_values({n: result.values[n] for n in result.changed},
                                  label=f"Prompt \u201c{_short(self.text)}\u201d")
        self._remember(self.text)
        self._preview = None
        self._typed_at = None
        return result

    def undo(self) -> bool:
        """Withdraw a live preview, or else undo the last step of the state."""
        self._preview = None
        if self._base is not None:
            self.cancel()
            return True
        return self.state.undo()

    # -- history -------------------------------------------------------------------------------
    def _remember(self, text: str) -> None:
        text = text.strip()
        if text in self.history:
            self.history.remove(text)
        self.history.append(text)
        del self.history[:-self.history_limit]
        self._history_index = None

    def history_previous(self) -> str | None:
        """The older prompt (Up key); None at the oldest.  Sets ``text``."""
        return self._step_history(-1)

    def history_next(self) -> str | None:
        """The newer prompt (Down key); None past the newest.  Sets ``text``."""
        return self._step_history(+1)

    def _step_history(self, step: int) -> str | None:
        if not self.history:
            return None
        index = len(self.history) if self._history_index is None else self._history_index
        index += step
        if index < 0 or index >= len(self.history):
            return None
        self._history_index = index
        self.text = self.history[index]
        self._preview = None
        return self.text


def _short(text: str, limit: int = 32) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
