"""What each word of a prompt did, in words a user reads (no Qt): for the prompt panel and
the command line."""

from __future__ import annotations

import dataclasses

from faceeditor.text import lexicon as lx
from faceeditor.text.engine import EditResult

#: How many moved parameters a word's line names.
TOP = 3


@dataclasses.dataclass(frozen=True)
class WordEffect:
    """One request of a prompt.

    Attributes:
        words: the prompt's words that asked for it ("tired", "5 mm wider").
        meaning: what the lexicon understood ("a tired face", "an old person").
        moved: the parameters it moved most, largest first: [(name, change)].
        count: how many parameters it moved.
    """

    words: str
    meaning: str
    moved: list[tuple[str, float]]
    count: int


def word_effects(result: EditResult) -> list[WordEffect]:
    """One ``WordEffect`` per request of ``result``, in prompt order."""
    effects = []
    for request, changed in result.effects:
        concept = lx.CONCEPTS.get(request.concept)
        meaning = "neutral expression" if request.mode == "neutral" else (
            concept.description if concept is not None else request.concept)
        if request.mode in ("remove", "less"):
            meaning = f"{request.mode}: {meaning}"
        if request.quantity is not None:
            meaning += f" ({request.quantity.text.strip()})"
        moved = sorted(changed.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        effects.append(WordEffect(request.words, meaning, moved[:TOP], len(moved)))
    return effects


def ignored_words(result: EditResult) -> list[tuple[str, list[str]]]:
    """[(ignored word, closest known words)] in prompt order."""
    return [(word, result.suggestions.get(word, [])) for word in result.unrecognized]
