"""How real the prior's heads are: sampled measurements against the published norms.

``faceeditor stats`` (and ``benchmarks/prior_realism.py``) samples N heads per population and
sex (that population's ancestry and age range), measures them and prints, per measurement, the
norm's mean and SD, ours, their ratios and whether they are within the bounds the prior is
fitted to (mean within ``MEAN_TOLERANCE``, SD ratio within ``SD_RATIO``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path

import numpy as np

from faceeditor.anthropometry.measure import measure_batch, measurements
from faceeditor.anthropometry.norms import (
    SEXES,
    Norm,
    age_range,
    norms_for,
    population_ancestry,
    populations,
)

log = logging.getLogger(__name__)

MEAN_TOLERANCE = 0.03
SD_RATIO = (0.8, 1.25)
#: (population, sex, measurement) whose published SD no symmetric head can have together with
#: the rest of its table (``resources/anthropometry/SOURCES.md``): the prior fits it loosely
#: and the table marks it. Kenyan men: en-ex SD 3.4 mm beside en-en 1.9 and ex-ex 3.5 mm, where
#: ex-ex = en-en + 2 en-ex would need corr(en-en, en-ex) = -1.45.
INCONSISTENT_SD = frozenset({("kenyan", "male", "eye_width")})
ANCESTRIES = ("african", "asian", "caucasian")


@dataclasses.dataclass(frozen=True)
class Row:
    """One measurement of one population and sex: the norm and the sampled heads."""

    norm: Norm
    mean: float
    sd: float

    @property
    def mean_ratio(self) -> float:
        return self.mean / self.norm.mean

    @property
    def sd_ratio(self) -> float:
        return self.sd / self.norm.sd

    @property
    def inconsistent(self) -> bool:
        """The published SD is one of ``INCONSISTENT_SD``."""
        n = self.norm
        return (n.population, n.sex, n.measurement) in INCONSISTENT_SD

    @property
    def passed(self) -> bool:
        return (abs(self.mean_ratio - 1.0) <= MEAN_TOLERANCE
                and SD_RATIO[0] <= self.sd_ratio <= SD_RATIO[1])


def sample_measurements(model, population: str, sex: str, count: int, seed: int = 0,
                        shape_prior=None) -> dict[str, np.ndarray]:
    """{measurement: (count,) mm} of ``count`` prior heads of this population's ancestry, sex
    and age range (seeds ``seed`` .. ``seed + count - 1``; ``shape_prior``: default the
    embedded one)."""
    from faceeditor.model.prior import sample

    ancestry = population_ancestry()[population]
    fixed = {a: float(a == ancestry) for a in ANCESTRIES}
    years = age_range(population)
    vectors = np.stack([model.vector(sample(model, seed + i, fixed=fixed, years=years, sex=sex,
                                            shape_prior=shape_prior))
                        for i in range(count)])
    out: dict[str, list] = {}
    for start in range(0, count, 128):
        values = measure_batch(model.vertices(vectors[start:start + 128]))
        for name, column in values.items():
            out.setdefault(name, []).append(np.asarray(column, np.float64))
    return {name: np.concatenate(parts) for name, parts in out.items()}


def prior_statistics(model, count: int = 200, seed: int = 0, only: str | None = None,
                     shape_prior=None) -> tuple[list[Row], dict]:
    """Rows for every norm (of population ``only``, or all), and the raw samples
    {(population, sex): {measurement: (count,)}}."""
    chosen = [only] if only else list(populations())
    rows, samples = [], {}
    for population in chosen:
        for sex in SEXES:
            norms = norms_for(population, sex)
            values = sample_measurements(model, population, sex, count, seed, shape_prior)
            samples[(population, sex)] = values
            for name, norm in norms.items():
                rows.append(Row(norm, float(values[name].mean()), float(values[name].std(ddof=1))))
    return rows, samples


def format_table(rows: list[Row], count: int) -> str:
    labels = {m.name: m.label for m in measurements()}
    lines = [f"{'population':10s} {'sex':6s} {'measurement':36s} {'norm mean±SD':>14s} "
             f"{'ours (n=' + str(count) + ')':>15s} {'mean':>6s} {'SD':>5s}  pass"]
    for row in rows:
        n = row.norm
        lines.append(f"{n.population:10s} {n.sex:6s} {labels[n.measurement]:36s} "
                     f"{n.mean:8.1f}±{n.sd:<5.1f} {row.mean:9.1f}±{row.sd:<5.1f} "
                     f"{row.mean_ratio:6.3f} {row.sd_ratio:5.2f}  "
                     f"{'yes' if row.passed else 'NO'}{'*' if row.inconsistent else ''}")
    passed = sum(row.passed for row in rows)
    lines.append(f"{passed} of {len(rows)} within bounds (mean within "
                 f"{100 * MEAN_TOLERANCE:.0f}%, SD ratio {SD_RATIO[0]}-{SD_RATIO[1]})")
    if any(row.inconsistent for row in rows):
        lines.append("* the published SD is inconsistent with the rest of its table "
                     "(resources/anthropometry/SOURCES.md); fitted loosely")
    return "\n".join(lines)


def correlation_table(samples: dict, pairs: list[tuple[str, str]]) -> str:
    """Pearson correlations of measurement pairs in each sampled group."""
    lines = []
    for (population, sex), values in samples.items():
        cells = [f"{a}~{b} {np.corrcoef(values[a], values[b])[0, 1]:+.2f}" for a, b in pairs]
        lines.append(f"{population:10s} {sex:6s} " + "  ".join(cells))
    return "\n".join(lines)


def plot_distributions(rows: list[Row], samples: dict, path: Path, width: int = 220) -> None:
    """A PNG grid: per norm row, a histogram of ours and the norm's normal curve."""
    from PIL import Image, ImageDraw

    from faceeditor.render.contact_sheet import contact_sheet, save_png

    tiles, labels = [], []
    for row in rows:
        n = row.norm
        values = samples[(n.population, n.sex)][n.measurement]
        low, high = n.mean - 4 * n.sd, n.mean + 4 * n.sd
        counts, edges = np.histogram(np.clip(values, low, high), bins=24, range=(low, high))
        density = counts / max(counts.sum(), 1) / (edges[1] - edges[0])
        xs = np.linspace(low, high, 200)
        curve = np.exp(-0.5 * ((xs - n.mean) / n.sd) ** 2) / (n.sd * np.sqrt(2 * np.pi))
        top = max(density.max(), curve.max()) * 1.1
        image = Image.new("RGB", (width, 120), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        scale_x = (width - 1) / (high - low)
        for count, left in zip(density, edges[:-1]):
            x0 = (left - low) * scale_x
            draw.rectangle([x0, 119 - count / top * 110, x0 + (edges[1] - edges[0]) * scale_x - 1,
                            119], fill=(120, 160, 220) if row.passed else (230, 140, 120))
        draw.line([((x - low) * scale_x, 119 - y / top * 110) for x, y in zip(xs, curve)],
                  fill=(0, 0, 0), width=2)
        tiles.append(np.asarray(image))
        labels.append(f"{n.population} {n.sex} {n.measurement}")
    save_png(path, contact_sheet(tiles, columns=4, labels=labels))


def add_stats_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", "--count", type=int, default=200,
                        help="heads per population and sex (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--population", help="only this population (default: every one)")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="also write histograms of ours against the norms")


def run_stats(args: argparse.Namespace) -> int:
    """``faceeditor stats``: the measurement table of N sampled heads against the norms."""
    from faceeditor.model import load_default_model

    if args.count < 2:
        raise ValueError(f"--count must be at least 2, got {args.count}")
    if args.population and args.population not in populations():
        raise ValueError(f"unknown population {args.population!r}; known: "
                         f"{', '.join(populations())}")
    if args.plot is not None and not args.plot.parent.is_dir():
        raise ValueError(f"{args.plot.parent} is not a folder")
    rows, samples = prior_statistics(load_default_model(), args.count, args.seed,
                                     args.population)
    print(format_table(rows, args.count))
    if args.plot is not None:
        plot_distributions(rows, samples, args.plot)
        log.info("wrote %s", args.plot)
    return 0
