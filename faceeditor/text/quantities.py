"""Numbers and units in prompts: "20 years older", "a 70-year-old", "in her 30s",
"5 mm wider nose", "2 cm longer", "20% bigger eyes", "twice as wide a smile", "half as big".

``extract(prompt)`` replaces each quantity with a marker word (``qty0``, ``qty1``...) that the
parser reads like any other word, and returns the ``Quantity`` of each marker.  The parser gives
the quantity to the requests of its clause (an age in years becomes a request of its own) and the
engine turns it into a change: exact years through the age table, millimetres through the
model's geometry, factors and percentages of the current offset or of the feature's size.
"""

from __future__ import annotations

import dataclasses
import re

#: Marker words are this prefix plus a number.
MARKER = "qty"

YEARS, AGE, MM, PERCENT, FACTOR = "years", "age", "mm", "percent", "factor"

_NUMBER = r"(\d{1,4}(?:[.,]\d+)?)"
_DECADE = {"early": (0, 3), "mid": (4, 6), "late": (7, 9), None: (1, 9)}
_FACTOR_WORDS = {"twice": 2.0, "double": 2.0, "two times": 2.0, "three times": 3.0,
                 "thrice": 3.0, "triple": 3.0, "half": 0.5, "one and a half times": 1.5}

# (pattern, builder) in the order they are tried; each builder gets the match
_PATTERNS: list[tuple[re.Pattern, str]] = [
    # "20 years older", "5 yrs younger", "ten years older" is not read (digits only)
    (re.compile(_NUMBER + r"\s*-?\s*(?:years?|yrs?)\s+(older|younger)\b", re.I), YEARS),
    # "a 70-year-old", "70 years old", "70 yr old"
    (re.compile(r"\b" + _NUMBER + r"\s*-?\s*(?:years?|yrs?)\s*-?\s*old\b", re.I), AGE),
    # "aged 70", "age 42", "at age 30"
    (re.compile(r"\b(?:at\s+)?aged?\s+" + _NUMBER + r"\b", re.I), AGE),
    # "70 yo", "70 y/o"
    (re.compile(r"\b" + _NUMBER + r"\s*(?:yo|y/o|y\.o\.)(?=\W|$)", re.I), AGE),
    # "in her 30s", "early 40s", "mid-20s", "late 60's"
    (re.compile(r"\b(?:(early|mid|late)[\s-]*)?([1-9])0\s*'?s\b", re.I), "decade"),
    # "5 mm", "2.5mm", "1 cm", "3 millimetres"
    (re.compile(_NUMBER + r"\s*(mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?)\b", re.I), MM),
    # "20%", "20 percent", "20 per cent"
    (re.compile(_NUMBER + r"\s*(?:%|percent\b|per\s+cent\b)", re.I), PERCENT),
    # "twice as wide", "half as big", "3 times bigger", "2x bigger"
    (re.compile(r"\b(one and a half times|twice|double|two times|three times|thrice|triple|"
                r"half)(?:\s+as)?\b", re.I), "factor_word"),
    (re.compile(_NUMBER + r"\s*(?:x|times)(?:\s+as)?\b", re.I), FACTOR),
]


@dataclasses.dataclass(frozen=True)
class Quantity:
    """A number the prompt gives.

    Attributes:
        kind: ``"years"`` (relative, "20 years older": the sign comes from older/younger),
            ``"age"`` (absolute age in years; ``high`` > ``value`` for a range like "30s"),
            ``"mm"`` (a size change in millimetres), ``"percent"`` (a change of the feature's
            size or the current amount) or ``"factor"`` ("twice as", "half as").
        value: the number (years, mm, percent, factor).
        high: the top of an age range (None for one number).
        text: the words as typed.
    """

    kind: str
    value: float
    high: float | None = None
    text: str = ""

    @property
    def factor(self) -> float:
        """The multiplier a ``percent`` or ``factor`` quantity asks for (1.2 for "20%")."""
        return self.value if self.kind == FACTOR else 1.0 + self.value / 100.0


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _build(kind: str, match: re.Match) -> Quantity | None:
    text = match.group(0)
    if kind == YEARS:
        return Quantity(YEARS, _number(match.group(1)), text=text)
    if kind == AGE:
        years = _number(match.group(1))
        return Quantity(AGE, years, text=text) if 0 < years <= 120 else None
    if kind == "decade":
        part = match.group(1).lower() if match.group(1) else None
        low, high = _DECADE[part]
        decade = 10 * int(match.group(2))
        return Quantity(AGE, decade + low, decade + high, text=text)
    if kind == MM:
        scale = 10.0 if match.group(2).lower().startswith("c") else 1.0
        return Quantity(MM, _number(match.group(1)) * scale, text=text)
    if kind == PERCENT:
        return Quantity(PERCENT, _number(match.group(1)), text=text)
    if kind == "factor_word":
        return Quantity(FACTOR, _FACTOR_WORDS[" ".join(match.group(1).lower().split())],
                        text=text)
    value = _number(match.group(1))
    return Quantity(FACTOR, value, text=text) if value > 0 else None


def extract(prompt: str) -> tuple[str, dict[str, Quantity]]:
    """``prompt`` with every quantity replaced by a marker word, and {marker: Quantity}.

    "make him 20 years older" -> ("make him qty0 older", {"qty0": Quantity("years", 20)}).
    """
    found: dict[str, Quantity] = {}
    text = prompt
    for pattern, kind in _PATTERNS:
        def replace(match: re.Match, kind: str = kind) -> str:
            quantity = _build(kind, match)
            if quantity is None:
                return match.group(0)
            marker = f"{MARKER}{len(found)}"
            found[marker] = quantity
            tail = f" {match.group(2)}" if kind == YEARS else ""
            return f" {marker}{tail} "
        text = pattern.sub(replace, text)
    return text, found
