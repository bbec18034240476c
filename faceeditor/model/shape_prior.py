"""The fitted Gaussian over the local shape sliders (``resources/priors/shape_prior.npz``).

Written by ``packaging/fit_prior.py`` so that the heads it gives measure like real people (see
``faceeditor.anthropometry``): for each sex and each ancestry corner of the model (african,
asian, caucasian) a mean and a covariance over *shape units* (one unit per symmetric pair of
left/right sliders, or per single slider). A head of ancestry weights ``w`` draws

    units = sum_a w_a mean_a + sum_a sqrt(w_a) L_a z_a,   z_a ~ N(0, I)

(covariance ``sum_a w_a Sigma_a``, ``L_a`` its Cholesky factors), so a mixed head interpolates
the groups' means and variations. Values held fixed are conditioned on exactly (Matheron's
rule: the same ``z`` gives the conditional sample), so the other sliders move with them as
real faces co-vary. Products are written as explicit sums, not BLAS calls, so a seed gives the
same head on every machine and thread count.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceeditor.fileio import resource_file

log = logging.getLogger(__name__)

ANCESTRIES = ("african", "asian", "caucasian")
SEXES = ("male", "female")
FORMAT_VERSION = 1


class ShapePriorError(RuntimeError):
    """The shape prior file is missing or malformed."""


def default_prior_path() -> Path:
    """``resources/priors/shape_prior.npz`` (source checkout first, else the installed one)."""
    return resource_file("priors/shape_prior.npz")


@dataclasses.dataclass(frozen=True, eq=False)
class ShapePrior:
    """Per (sex, ancestry) Gaussians over U shape units.

    Attributes:
        units: U tuples of parameter names moved together (a left/right pair, or one name).
        means: {(sex, ancestry): (U,) float64}.
        factors: {(sex, ancestry): (U, U) float64 lower-triangular Cholesky factor}.
        metadata: what the fit matched (populations, measurements, seeds).
    """

    units: tuple[tuple[str, ...], ...]
    means: dict
    factors: dict
    metadata: dict

    @property
    def size(self) -> int:
        return len(self.units)

    def unit_of(self) -> dict[str, int]:
        """{parameter name: unit index}."""
        return {name: i for i, names in enumerate(self.units) for name in names}

    def _weights(self, ancestry: Mapping[str, float]) -> np.ndarray:
        w = np.array([max(float(ancestry.get(a, 0.0)), 0.0) for a in ANCESTRIES])
        total = w.sum()
        return np.full(3, 1.0 / 3.0) if total <= 0 else w / total

    def draw(self, sex: str, ancestry: Mapping[str, float], z: np.ndarray) -> np.ndarray:
        """(U,) unit values for standard-normal ``z`` ((3, U), one row per ancestry)."""
        w = self._weights(ancestry)
        out = np.zeros(self.size)
        for k, a in enumerate(ANCESTRIES):
            if w[k] == 0.0:
                continue
            factor = self.factors[(sex, a)]
            out += w[k] * self.means[(sex, a)] + np.sqrt(w[k]) * (factor * z[k]).sum(1)
        return out

    def mean(self, sex: str, ancestry: Mapping[str, float]) -> np.ndarray:
        w = self._weights(ancestry)
        return sum(w[k] * self.means[(sex, a)] for k, a in enumerate(ANCESTRIES))

    def covariance(self, sex: str, ancestry: Mapping[str, float]) -> np.ndarray:
        """(U, U) covariance of ``draw`` for this sex and ancestry mix."""
        w = self._weights(ancestry)
        return sum(w[k] * (self.factors[(sex, a)] @ self.factors[(sex, a)].T)
                   for k, a in enumerate(ANCESTRIES))

    def condition(self, sample: np.ndarray, sex: str, ancestry: Mapping[str, float],
                  fixed: Mapping[int, float]) -> np.ndarray:
        """``sample`` moved to the conditional distribution given ``fixed`` {unit: value}
        (Matheron's rule: ``x_free + S_rf S_ff^-1 (fixed - x_f)``)."""
        if not fixed:
            return sample
        index = np.array(sorted(fixed))
        values = np.array([fixed[i] for i in index])
        cov = self.covariance(sex, ancestry)
        gain = np.linalg.solve(cov[np.ix_(index, index)] + 1e-9 * np.eye(len(index)),
                               values - sample[index])
        out = sample + cov[:, index] @ gain
        out[index] = values
        return out

    def save(self, path: Path) -> None:
        import io

        from faceeditor.fileio import write_atomic

        keys = [(s, a) for s in SEXES for a in ANCESTRIES]
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, units=np.array(["|".join(u) for u in self.units]),
            groups=np.array([f"{s}/{a}" for s, a in keys]),
            means=np.stack([self.means[k] for k in keys]),
            factors=np.stack([self.factors[k] for k in keys]),
            metadata=np.array(json.dumps({"format": FORMAT_VERSION, **self.metadata})))
        write_atomic(Path(path), buffer.getvalue())


@lru_cache(maxsize=2)
def load_shape_prior(path: Path | None = None) -> ShapePrior:
    """Read the fitted prior (default ``default_prior_path()``), cached."""
    path = Path(path) if path is not None else default_prior_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            metadata = json.loads(str(data["metadata"]))
            if metadata.get("format") != FORMAT_VERSION:
                raise ShapePriorError(f"{path}: format {metadata.get('format')!r}, expected "
                                      f"{FORMAT_VERSION}")
            keys = [tuple(str(g).split("/")) for g in data["groups"]]
            means = {k: data["means"][i].astype(np.float64) for i, k in enumerate(keys)}
            factors = {k: data["factors"][i].astype(np.float64) for i, k in enumerate(keys)}
            units = tuple(tuple(str(u).split("|")) for u in data["units"])
    except (OSError, KeyError, ValueError) as error:
        raise ShapePriorError(f"cannot read the shape prior {path}: {error}; rebuild it with "
                              "'python packaging/fit_prior.py'") from error
    return ShapePrior(units, means, factors, metadata)
