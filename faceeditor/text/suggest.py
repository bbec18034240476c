"""Closest known words for a word the lexicon does not know: "freckels" -> "freckles"."""

from __future__ import annotations

import difflib

from faceeditor.text import lexicon as lx

#: How many suggestions, and how similar (difflib ratio) a suggestion must be.
LIMIT = 3
CUTOFF = 0.72

_VOCABULARY: list[str] = []
_GENERATION = -1


def vocabulary() -> list[str]:
    """Every word and phrase of the lexicon in use that asks for something, sorted."""
    global _GENERATION
    if _GENERATION != lx.GENERATION:
        words = set(lx.PHRASES) | set(lx.FEATURES) | set(lx.ATTRIBUTES) | set(lx.INTENSITY)
        words |= lx.NEUTRAL | lx.REMOVE | lx.LESS
        _VOCABULARY[:] = sorted(w for w in words if len(w) > 2)
        _GENERATION = lx.GENERATION
    return _VOCABULARY


def suggestions(word: str, limit: int = LIMIT) -> list[str]:
    """Up to ``limit`` known words closest to ``word`` (most similar first; ties by name)."""
    word = word.lower().strip()
    if len(word) < 3:
        return []
    scored = []
    for known in vocabulary():
        if abs(len(known) - len(word)) > max(3, len(word) // 2):
            continue
        matcher = difflib.SequenceMatcher(None, word, known)
        if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
            ratio = matcher.ratio()
            if ratio >= CUTOFF:
                scored.append((-ratio, known))
    return [known for _, known in sorted(scored)[:limit]]
