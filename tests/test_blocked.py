"""BlockedBasis: the region-blocked product equals the dense one."""

import numpy as np

from faceeditor.model import load_default_model
from faceeditor.model.blocked import BlockedBasis


def test_blocked_product_equals_dense_on_random_sparse_basis():
    rng = np.random.default_rng(0)
    vertices = 50
    basis = np.zeros((12, 3 * vertices), np.float32)
    for row in range(12):
        touched = rng.choice(vertices, size=3 if row < 10 else 45, replace=False)
        for axis in range(3):
            basis[row, axis * vertices + touched] = rng.normal(size=len(touched))
    groups = [row % 3 for row in range(12)]
    blocked = BlockedBasis.of(basis, groups, column_width=vertices)
    assert blocked.stored_fraction < 0.9  # the sparse groups are stored narrower
    assert any(b.columns is None for b in blocked.blocks)  # the two wide rows went dense
    coefficients = rng.normal(size=(4, 12)).astype(np.float32)
    np.testing.assert_allclose(blocked.apply(coefficients), coefficients @ basis, atol=1e-5)


def test_head_model_blocked_basis_matches_dense():
    model = load_default_model()
    rng = np.random.default_rng(1)
    coefficients = rng.normal(size=(2, len(model.asset.basis))).astype(np.float32)
    np.testing.assert_allclose(model._blocked.apply(coefficients), coefficients @ model.asset.basis,
                               atol=2e-5)
    assert model._blocked.stored_fraction < 0.6
