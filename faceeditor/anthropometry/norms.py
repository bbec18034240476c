"""Published adult norms of the head and face measurements (``resources/anthropometry``).

``norms.csv`` rows: population, sex, measurement, mean and SD in mm, age range, source key;
``SOURCES.md`` cites every source; ``populations.csv`` maps each population to the model's
ancestry corner (african, asian, caucasian) that the prior fits to it.
"""

from __future__ import annotations

import csv
import dataclasses
from functools import lru_cache

from faceeditor.anthropometry.landmarks import resource_path
from faceeditor.anthropometry.measure import measurement_names

SEXES = ("male", "female")


@dataclasses.dataclass(frozen=True)
class Norm:
    """One published mean and SD (mm) of a measurement for one sex of one population."""

    population: str
    sex: str
    measurement: str
    mean: float
    sd: float
    ages: tuple[float, float]
    source: str


class NormsError(ValueError):
    """The norms table is malformed."""


@lru_cache(maxsize=1)
def load_norms() -> tuple[Norm, ...]:
    """Every row of the norms table, in file order."""
    known = set(measurement_names())
    rows = []
    with open(resource_path("anthropometry/norms.csv"), encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                low, high = (float(x) for x in row["ages"].split("-"))
                norm = Norm(row["population"], row["sex"], row["measurement"],
                            float(row["mean"]), float(row["sd"]), (low, high), row["source"])
            except (KeyError, ValueError) as error:
                raise NormsError(f"norms.csv line {line}: {error}") from error
            if norm.measurement not in known or norm.sex not in SEXES:
                raise NormsError(f"norms.csv line {line}: unknown measurement or sex in {row}")
            rows.append(norm)
    return tuple(rows)


def populations() -> tuple[str, ...]:
    """Population names in first-appearance order."""
    return tuple(dict.fromkeys(n.population for n in load_norms()))


@lru_cache(maxsize=1)
def population_ancestry() -> dict[str, str]:
    """{population: the model's ancestry corner it is fitted to} (``populations.csv``)."""
    with open(resource_path("anthropometry/populations.csv"), encoding="utf-8", newline="") as f:
        table = {row["population"]: row["ancestry"] for row in csv.DictReader(f)}
    missing = set(populations()) - set(table)
    if missing:
        raise NormsError(f"populations.csv lacks {', '.join(sorted(missing))}")
    return table


def age_range(population: str) -> tuple[float, float]:
    """The ages (years) the population's norms were measured at (the first row's)."""
    return next(n.ages for n in load_norms() if n.population == population)


def norms_for(population: str, sex: str) -> dict[str, Norm]:
    """{measurement: Norm} for one population and sex."""
    if population not in populations():
        raise KeyError(f"unknown population {population!r}; known: {', '.join(populations())}")
    return {n.measurement: n for n in load_norms() if n.population == population and n.sex == sex}
