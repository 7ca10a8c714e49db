"""Sparse LU of the node-head Jacobian on a fixed elimination order, no pivoting.

The Jacobian of node continuity has the network's pattern: a diagonal entry per
node and a pair of off-diagonal entries per node pair joined by a link.  Its
values need not be symmetric (a free overfall makes a conduit's flow depend on
its upstream head only), but its pattern is, and it is column diagonally
dominant, so Gaussian elimination on the diagonal in any order is stable
(growth factor at most 2).  The order and the fill it creates are computed once
(:mod:`twin.engine.newton_system`); here the numeric factorisation and the
solves run per Newton iteration.  On a tree (a dendritic sewer) eliminated
leaves first there is no fill, each pivot has one later neighbour and the
whole factorisation is O(n).

Storage, all indexed by *position* in the elimination order:

``diag`` (n,)
    the diagonal; after :func:`lu_factor` the pivots.
``upper``, ``lower`` (n_edges,)
    for edge ``e`` between positions ``p = edge_first[e] < q = edge_second[e]``:
    ``upper[e] = A[p, q]`` and ``lower[e] = A[q, p]``; after :func:`lu_factor`
    ``upper`` holds U's row entries and ``lower`` L's multipliers.
``pivot_start`` (n + 1,), ``pivot_edges`` (n_edges,)
    the edges of pivot ``p`` to later positions: ``pivot_edges[pivot_start[p]:
    pivot_start[p + 1]]``, ordered by the later position.
``pair_start`` (n + 1,), ``pair_target`` (n_pairs,)
    for each pair (a, b) of pivot ``p``'s later edges, a before b, the edge
    joining their far ends (the entry the elimination of ``p`` updates), in the
    order of the loops of :func:`lu_factor`.
"""

from twin.kernels.config import JIT
from twin.kernels.jit import kernel


@kernel(**JIT)
def lu_factor(diag, upper, lower, edge_second, pivot_start, pivot_edges, pair_start, pair_target):
    """Factor in place: ``A = L U`` with L unit lower, U upper whose diagonal is ``diag``.

    Returns the position of the first zero pivot, or -1 (a zero pivot is replaced
    by 1.0 so that the solve stays finite; the caller decides what that means).
    """
    n = diag.shape[0]
    bad = -1
    for p in range(n):
        d = diag[p]
        if d == 0.0:
            if bad < 0:
                bad = p
            d = 1.0
            diag[p] = 1.0
        inv = 1.0 / d
        k = pair_start[p]
        s = pivot_start[p]
        e = pivot_start[p + 1]
        for ia in range(s, e):
            a = pivot_edges[ia]
            la = lower[a] * inv
            ua = upper[a]
            diag[edge_second[a]] -= la * ua
            for ib in range(ia + 1, e):
                b = pivot_edges[ib]
                t = pair_target[k]
                k += 1
                upper[t] -= la * upper[b]  # A[qa, qb] -= A[qa, p] / d * A[p, qb]
                lower[t] -= lower[b] * inv * ua  # A[qb, qa] -= A[qb, p] / d * A[p, qa]
            lower[a] = la
    return bad


@kernel(**JIT)
def lu_solve(diag, upper, lower, edge_second, pivot_start, pivot_edges, rhs):
    """Solve ``L U x = rhs`` in place (``rhs`` by position) after :func:`lu_factor`."""
    n = diag.shape[0]
    for p in range(n):
        bp = rhs[p]
        if bp != 0.0:
            for ia in range(pivot_start[p], pivot_start[p + 1]):
                a = pivot_edges[ia]
                rhs[edge_second[a]] -= lower[a] * bp
    for p in range(n - 1, -1, -1):
        s = rhs[p]
        for ia in range(pivot_start[p], pivot_start[p + 1]):
            a = pivot_edges[ia]
            s -= upper[a] * rhs[edge_second[a]]
        rhs[p] = s / diag[p]
