"""The Newton solver's sparse LU on a minimum-degree order against a dense solve."""

import numpy as np
import pytest

from twin.engine.newton_system import node_system
from twin.kernels.newton.sparse_lu import lu_factor, lu_solve


def _graph(n, extra, rng):
    """A random tree on ``n`` nodes plus ``extra`` chords (loops)."""
    up = [int(rng.integers(0, i)) for i in range(1, n)]
    down = list(range(1, n))
    for _ in range(extra):
        a, b = rng.choice(n, 2, replace=False)
        up.append(int(a))
        down.append(int(b))
    return np.array(up), np.array(down)


@pytest.mark.parametrize("extra", [0, 1, 7, 40])
def test_lu_solves_a_column_dominant_network_matrix(extra):
    rng = np.random.default_rng(extra)
    n = 60
    up, down = _graph(n, extra, rng)
    s = node_system(n, up, down)
    if extra == 0:
        assert s.n_fill == 0  # leaves first: no fill on a tree
    dense = np.zeros((n, n))
    for a, b in zip(up, down, strict=True):  # nonsymmetric, column dominant
        dense[a, b] -= rng.uniform(0.1, 2.0)
        dense[b, a] -= rng.uniform(0.1, 2.0)
    dense[np.diag_indices(n)] = -dense.sum(axis=0) + rng.uniform(0.5, 1.0, n)
    pos = s.position_of_node
    diag = np.empty(n)
    upper = np.zeros(s.n_edges)
    lower = np.zeros(s.n_edges)
    diag[pos] = np.diag(dense)
    for e in range(s.n_edges):
        p, q = s.edge_first[e], s.edge_second[e]
        i, k = s.node_at_position[p], s.node_at_position[q]
        upper[e] = dense[i, k]
        lower[e] = dense[k, i]
    b = rng.normal(size=n)
    rhs = np.empty(n)
    rhs[pos] = b
    bad = lu_factor(diag, upper, lower, s.edge_second, s.pivot_start, s.pivot_edges,
                    s.pair_start, s.pair_target)  # fmt: skip
    assert bad == -1
    lu_solve(diag, upper, lower, s.edge_second, s.pivot_start, s.pivot_edges, rhs)
    np.testing.assert_allclose(rhs[pos], np.linalg.solve(dense, b), rtol=1e-10, atol=1e-12)
