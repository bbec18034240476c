"""A blendshape basis stored as dense blocks over the vertices each group of targets moves.

Most targets move a small region (a nose target moves the nose), so ``coefficients @ basis``
over the full (K, 3V) matrix reads mostly zeros: ~30 MB per evaluation for the head model.
Grouping the targets by region and keeping each group's block only over the columns the group
touches stores ~40 % of that, which keeps the whole basis in the CPU cache. The result is
exactly the dense product (the dropped entries are exact zeros).
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np

#: Targets that move more than this fraction of the vertices go into the one dense block.
DENSE_FRACTION = 0.4


@dataclasses.dataclass(frozen=True)
class Block:
    """Rows ``rows`` of the basis, restricted to ``columns`` (``None``: every column)."""

    rows: np.ndarray  # (k,) intp
    columns: np.ndarray | None  # (c,) intp
    matrix: np.ndarray  # (k, c) float32


@dataclasses.dataclass(frozen=True)
class BlockedBasis:
    """``apply(coefficients)`` equals ``coefficients @ basis`` for the (K, N) basis it was built from.

    The narrow blocks' products are packed side by side and added into place with one
    ``np.bincount`` (a single scatter instead of one per block).
    """

    blocks: tuple[Block, ...]
    num_columns: int

    @property
    def dense(self) -> Block | None:
        return next((b for b in self.blocks if b.columns is None), None)

    @cached_property
    def _narrow(self) -> tuple[tuple[Block, ...], np.ndarray]:
        narrow = tuple(b for b in self.blocks if b.columns is not None)
        columns = np.concatenate([b.columns for b in narrow]) if narrow else np.zeros(0, np.intp)
        return narrow, columns

    @classmethod
    def of(cls, basis: np.ndarray, row_groups: Sequence[Hashable], column_width: int = 1,
           dense_fraction: float = DENSE_FRACTION) -> "BlockedBasis":
        """Group the rows of ``basis`` (K, N) by ``row_groups`` (K labels).

        For a coordinate-major (K, 3V) basis pass ``column_width=V``: columns v, V + v and
        2V + v (a vertex's x, y and z) are kept or dropped together.
        """
        n = basis.shape[1]
        groups: dict = defaultdict(list)
        per_vertex = _item_support(basis != 0, column_width)
        for row, label in enumerate(row_groups):
            dense = per_vertex[row].mean() > dense_fraction
            groups["__dense__" if dense else label].append(row)
        blocks = []
        for label, rows in groups.items():
            rows = np.asarray(rows, np.intp)
            if label == "__dense__":
                blocks.append(Block(rows, None, np.ascontiguousarray(basis[rows])))
                continue
            items = np.flatnonzero(per_vertex[rows].any(0))
            columns = _columns_of(items, column_width, n)
            blocks.append(Block(rows, columns, np.ascontiguousarray(basis[np.ix_(rows, columns)])))
        return cls(tuple(blocks), n)

    def apply(self, coefficients: np.ndarray) -> np.ndarray:
        """(B, K) coefficients -> (B, N), the same as ``coefficients @ basis``."""
        dtype = np.result_type(coefficients, np.float32)
        dense = self.dense
        if dense is not None:
            out = (coefficients[:, dense.rows] @ dense.matrix).astype(dtype, copy=False)
        else:
            out = np.zeros((len(coefficients), self.num_columns), dtype)
        narrow, columns = self._narrow
        if narrow:
            packed = np.concatenate([coefficients[:, b.rows] @ b.matrix for b in narrow], 1)
            for row, values in zip(out, packed):
                row += np.bincount(columns, weights=values, minlength=self.num_columns)
        return out

    @property
    def stored_fraction(self) -> float:
        """Entries kept, over the entries of the dense basis."""
        kept = sum(b.matrix.size for b in self.blocks)
        rows = sum(len(b.rows) for b in self.blocks)
        return kept / (rows * self.num_columns)


def _item_support(touched: np.ndarray, column_width: int) -> np.ndarray:
    """(K, w) which items (vertices) each row touches, for N = components x w columns."""
    if column_width <= 1:
        return touched
    k, n = touched.shape
    return touched.reshape(k, n // column_width, column_width).any(1)


def _columns_of(items: np.ndarray, column_width: int, num_columns: int) -> np.ndarray:
    if column_width <= 1:
        return items.astype(np.intp)
    components = num_columns // column_width
    return (np.arange(components)[:, None] * column_width + items[None, :]).reshape(-1).astype(np.intp)
