"""Prompt text -> a list of ``Request`` (concept, intensity, mode, side), plus the words left over.

The prompt is split into clauses at punctuation and at joining words ("and", "with", "but");
each clause is read by greedy longest-phrase matching against the lexicon.  A phrase may have
several readings (``"big"`` is an intensity and a size attribute); a clause that names a feature
noun ("nose") turns attribute words into shape requests ("wider nose", "nose a bit longer"),
and a clause with an attribute but no feature borrows the previous clause's feature ("a broader
nose and longer").  A clause with only modifiers ("..., only on the left", "..., but subtle")
modifies the previous clause's requests.

Clauses that name nothing the lexicon knows are handed to a ``paraphrase`` matcher (if given)
as a whole; what it cannot place is reported in ``ParsedPrompt.unrecognized``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from faceeditor.text import lexicon as lx
from faceeditor.text.quantities import AGE, Quantity, extract

#: Modes of a request.
ADD, REMOVE, LESS, NEUTRAL = "add", "remove", "less", "neutral"

_CLAUSE_SPLIT = re.compile(
    r"[,;.!?\n]+|\s+(?:and|but|with|plus|while|yet|also|then|as well as|&)\s+", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|&|w/o")

_MAX_PHRASE = 6

#: The concept of an age in years given as a number ("a 70-year-old", "in her 30s").
AGE_CONCEPT = "age_in_years"


@dataclasses.dataclass(frozen=True)
class Request:
    """One change asked for by the prompt.

    Attributes:
        concept: a ``lexicon.CONCEPTS`` name, or ``"neutral"`` for the neutral expression.
        intensity: multiplier of the concept's full effect (about 0.2 .. 1.4).
        mode: ``"add"``, ``"remove"`` ("no smile"), ``"less"`` ("less angry") or ``"neutral"``.
        side: ``"left"``/``"right"`` (the face's own side) or None.
        words: the prompt words that asked for it.
        source: ``"lexicon"`` or ``"paraphrase"``.
        similarity: cosine similarity of a paraphrase match (1.0 for the lexicon).
        quantity: a number the clause gave ("20 years", "5 mm", "twice as"), or None.
    """

    concept: str
    intensity: float
    mode: str
    side: str | None
    words: str
    source: str = "lexicon"
    similarity: float = 1.0
    quantity: Quantity | None = None


@dataclasses.dataclass(frozen=True)
class ParsedPrompt:
    """What the parser made of a prompt: requests in prompt order and unknown words."""

    requests: list[Request]
    unrecognized: list[str]


#: paraphrase(text) -> (concept name, similarity) or None
Paraphraser = Callable[[str], "tuple[str, float] | None"]


@dataclasses.dataclass
class _Span:
    text: str
    readings: dict[str, object]


def tokenize(text: str) -> list[str]:
    """Lower-case words; hyphens and underscores split words (``"wide-set"`` -> wide, set)."""
    cleaned = text.lower().replace("\u2019", "'").replace("-", " ").replace("_", " ")
    return _TOKEN.findall(cleaned)


def split_clauses(text: str) -> list[str]:
    return [part.strip() for part in _CLAUSE_SPLIT.split(text) if part and part.strip()]


def _normalise_table(table) -> dict[str, object]:
    return {" ".join(tokenize(key)): value for key, value in table.items()}


def _normalise_set(words) -> dict[str, bool]:
    return {" ".join(tokenize(word)): True for word in words}


_TABLES: dict[str, dict[str, object]] = {}
_TABLES_GENERATION = -1


def tables() -> dict[str, dict[str, object]]:
    """{reading kind: {normalised phrase: value}} of the lexicon in use (rebuilt after
    ``lexicon.reload()``)."""
    global _TABLES_GENERATION
    if _TABLES_GENERATION != lx.GENERATION:
        _TABLES.clear()
        _TABLES.update({
            "neutral": _normalise_set(lx.NEUTRAL),
            "concept": _normalise_table(lx.PHRASES),
            "feature": _normalise_table(lx.FEATURES),
            "attribute": _normalise_table(lx.ATTRIBUTES),
            "remove": _normalise_set(lx.REMOVE),
            "less": _normalise_set(lx.LESS),
            "intensity": _normalise_table(lx.INTENSITY),
            "side": _normalise_table(lx.SIDES),
            "flip": _normalise_set(lx.FLIP_SIDE),
            "stop": _normalise_set(lx.STOPWORDS),
        })
        _TABLES_GENERATION = lx.GENERATION
    return _TABLES


def _spans(tokens: list[str]) -> list[_Span]:
    """Greedy longest match: each span gets every reading its phrase has."""
    spans: list[_Span] = []
    table = tables()
    i = 0
    while i < len(tokens):
        for length in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + length])
            readings = {kind: words[phrase] for kind, words in table.items() if phrase in words}
            # a longer phrase that is only filler must not swallow a shorter meaningful one
            if readings and (length == 1 or set(readings) != {"stop"}):
                spans.append(_Span(phrase, readings))
                i += length
                break
        else:
            spans.append(_Span(tokens[i], {}))
            i += 1
    return spans


@dataclasses.dataclass
class _Clause:
    requests: list[Request]
    unknown: list[str]
    feature: str | None
    intensity: float | None
    mode: str
    side: str | None
    quantity: Quantity | None = None


def _read_clause(text: str, previous_feature: str | None,
                 quantities: dict[str, Quantity]) -> _Clause:
    """One clause -> requests.  Intensity and side words apply to the whole clause; a negation
    ("no", "less") applies to the requests after it, or to those before it when it ends the
    clause ("angry no more")."""
    spans = _spans(tokenize(text))
    features = [i for i, s in enumerate(spans) if "feature" in s.readings]
    # a clause borrows the previous clause's feature only when it names nothing else
    # ("a wider nose and longer"), not in "a wider nose, big smile"
    names_concept = any("concept" in s.readings and "attribute" not in s.readings
                        for s in spans)
    borrowed = None if names_concept else previous_feature
    intensity: float | None = None
    mode = ADD  # the negation in force for the next request
    trailing_mode: str | None = None  # a negation after the last request
    side: str | None = None
    flip = False
    found: list[tuple[str, str, str]] = []  # (concept, words, mode)
    unknown: list[str] = []
    neutral = False
    quantity: Quantity | None = None
    for index, span in enumerate(spans):
        r = span.readings
        if span.text in quantities:
            quantity = quantities[span.text]
            continue
        if "neutral" in r and "concept" not in r:
            neutral = True
            continue
        feature = _nearest(features, index, spans) if features else borrowed
        if "attribute" in r and feature is not None:
            concept = lx.FEATURE_ATTRIBUTES.get((feature, r["attribute"]))
            if concept is not None:
                found.append((concept, span.text, mode))
                trailing_mode = None
                continue
        if "concept" in r:
            found.append((str(r["concept"]), span.text, mode))
            trailing_mode = None
            continue
        if "remove" in r or "less" in r:
            mode = REMOVE if "remove" in r else (LESS if mode == ADD else mode)
            trailing_mode = mode
            continue
        if "intensity" in r:
            value = float(r["intensity"])
            intensity = value if intensity is None else max(intensity, value)
            continue
        if "side" in r:
            side = str(r["side"])
            continue
        if "flip" in r:
            flip = True
            continue
        if "feature" in r:
            trailing_mode = None  # "smile without teeth": the negation was about the teeth
            continue
        if "stop" in r or "attribute" in r:
            continue
        unknown.append(span.text)
        trailing_mode = None  # "smile without dimples": the negation was about that word
    if trailing_mode is not None:
        found = [(c, w, trailing_mode if m == ADD else m) for c, w, m in found]
    if flip and side is not None:
        side = "left" if side == "right" else "right"
    level = intensity if intensity is not None else lx.DEFAULT_INTENSITY
    attached = quantity if quantity is not None and quantity.kind != AGE else None
    requests = [Request(concept, level, m, side, words, quantity=attached)
                for concept, words, m in found]
    if quantity is not None and quantity.kind == AGE:
        requests.append(Request(AGE_CONCEPT, 1.0, ADD, None, quantity.text, quantity=quantity))
    if neutral:
        requests.insert(0, Request("neutral", 1.0, NEUTRAL, None, "neutral"))
    last_feature = spans[features[-1]].readings["feature"] if features else previous_feature
    return _Clause(requests, unknown, last_feature, intensity,
                   trailing_mode or mode, side, attached)


def _nearest(features: list[int], index: int, spans: list[_Span]) -> str:
    """The feature noun closest to span ``index`` (ties: the one after it, "big nose")."""
    best = min(features, key=lambda f: (abs(f - index), f < index))
    return str(spans[best].readings["feature"])


def parse(prompt: str, paraphrase: Paraphraser | None = None) -> ParsedPrompt:
    """Read ``prompt`` into requests; see the module docs for the grammar."""
    requests: list[Request] = []
    unrecognized: list[str] = []
    feature: str | None = None
    prompt, quantities = extract(prompt)
    for text in split_clauses(prompt):
        clause = _read_clause(text, feature, quantities)
        feature = clause.feature
        if not clause.requests and clause.unknown and paraphrase is not None:
            match = _best_paraphrase(paraphrase, " ".join(clause.unknown), text)
            if match is not None:
                concept, similarity = match
                clause.requests.append(Request(
                    concept, clause.intensity or lx.DEFAULT_INTENSITY, clause.mode, clause.side,
                    text, source="paraphrase", similarity=similarity))
                clause.unknown.clear()
        if clause.requests:
            requests.extend(clause.requests)
        elif requests and not clause.unknown:
            # "..., only on the left" / "..., but subtle": modify the previous request
            requests[-1] = _modified(requests[-1], clause)
        unrecognized.extend(clause.unknown)
    return ParsedPrompt(requests, unrecognized)


def _best_paraphrase(paraphrase: Paraphraser, *texts: str) -> tuple[str, float] | None:
    """The most similar match over ``texts`` (the unknown words alone, then the clause)."""
    matches = [m for m in (paraphrase(t) for t in dict.fromkeys(texts)) if m is not None]
    return max(matches, key=lambda m: m[1]) if matches else None


def _modified(request: Request, clause: _Clause) -> Request:
    return dataclasses.replace(
        request,
        intensity=clause.intensity if clause.intensity is not None else request.intensity,
        side=clause.side or request.side,
        mode=clause.mode if clause.mode != ADD else request.mode,
        quantity=clause.quantity or request.quantity,
    )
