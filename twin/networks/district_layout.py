"""Street grid, manholes, drainage tree and block shares of a synthetic district.

The town is a grid of blocks on ``y >= 0`` with the river to the south (``y < 0``).
Manholes sit on the streets every 40-80 m: each block edge is cut into
``ceil(length / 80 m)`` equal sewer reaches.  The sewers form a spanning forest of
the street graph, rooted at the river:

* every few blocks a north-south street carries a **trunk** sewer straight down to
  the river;
* every east-west street carries **laterals** that run along it to the nearest trunk;
* the other north-south streets carry **branches** down to the next east-west street.

Each manhole has exactly one downstream reach, so the conduit count equals the
manhole count.  Each manhole also drains one subcatchment: a rectangle of the
block next to it (the rectangles tile the town exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DistrictLayout", "make_layout", "count_manholes"]

MAX_REACH_M = 80.0  # manhole spacing is block edge / ceil(edge / 80 m): 40-80 m
BLOCK_X_M = (110.0, 170.0)  # block length along the river
BLOCK_Y_M = (85.0, 135.0)  # block depth away from the river
FIRST_STREET_Y_M = 40.0  # the river-side street, north of the bank
TRUNK_EVERY = 4  # blocks between trunk sewers
# land uses: (name, imperviousness %) from most to least built-up
LAND_USES = (("commercial", 85.0), ("dense", 72.0), ("residential", 58.0), ("low", 45.0))
PARK_IMPERV = 30.0
PARK_SHARE = 0.08


@dataclass
class DistrictLayout:
    """Geometry and topology of the manholes of a district (all lengths in metres).

    Attributes
    ----------
    x, y : (n,) float64
        Manhole coordinates; ids are row-major (south to north, west to east).
    down : (n,) int64
        Downstream manhole id, or ``-1`` for a trunk's last manhole (it drains to
        the river outfall of its trunk).
    trunk : (n,) int64
        Index of the trunk (and outfall) that each manhole drains to.
    outlet_ids : (n_trunks,) int64
        The last manhole of each trunk, west to east.
    on_trunk : (n,) bool
        Manhole lies on a trunk sewer.
    rect : (n, 4) float64
        Subcatchment rectangle ``x0, x1, y0, y1``.
    imperv_pct : (n,) float64
        Imperviousness of the subcatchment, 30-90 %.
    extent : tuple
        ``(x_min, x_max, y_min, y_max)`` of the town (union of the rectangles).
    block_x, block_y : (k,) float64
        Street positions (edges of the blocks).
    """

    x: np.ndarray
    y: np.ndarray
    down: np.ndarray
    trunk: np.ndarray
    outlet_ids: np.ndarray
    on_trunk: np.ndarray
    rect: np.ndarray
    imperv_pct: np.ndarray
    extent: tuple
    block_x: np.ndarray
    block_y: np.ndarray

    @property
    def n(self) -> int:
        return len(self.x)


def _fine_counts(widths: np.ndarray) -> np.ndarray:
    """Reaches per block edge (ceil(w / 80 m), at least 1)."""
    return np.maximum(1, np.ceil(widths / MAX_REACH_M - 1e-9)).astype(np.int64)


def count_manholes(nbx, nby, fx_cum, fy_cum):
    """Manholes of an ``nbx`` x ``nby`` block grid (broadcasts over arrays).

    ``fx_cum[k]`` is the number of reaches along the first ``k`` blocks in x.
    """
    cols = nbx + 1  # north-south streets
    rows = nby + 1  # east-west streets
    return cols * (fy_cum[nby] + 1) + rows * (fx_cum[nbx] + 1) - cols * rows


def _choose_blocks(target: int, wx: np.ndarray, wy: np.ndarray, min_bx: int) -> tuple[int, int]:
    fx_cum = np.concatenate([[0], np.cumsum(_fine_counts(wx))])
    fy_cum = np.concatenate([[0], np.cumsum(_fine_counts(wy))])
    lx = np.concatenate([[0.0], np.cumsum(wx)])
    ly = np.concatenate([[0.0], np.cumsum(wy)])
    bx = np.arange(min_bx, len(wx) + 1)[:, None]
    by = np.arange(1, len(wy) + 1)[None, :]
    n = count_manholes(bx, by, fx_cum, fy_cum)
    aspect = lx[bx] / ly[by]
    score = np.abs(n - target) / target + 0.02 * np.abs(np.log(aspect / 1.6))
    score = np.where((aspect >= 0.8) & (aspect <= 3.0), score, np.inf)
    k = int(np.argmin(score))
    i, j = np.unravel_index(k, score.shape)
    return int(bx[i, 0]), int(by[0, j])


def _tune_reaches(target: int, wx: np.ndarray, wy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengthen or shorten single blocks (2 <-> 3 reaches) to bring the count nearer ``target``.

    Cutting one more reach into a block edge along x adds a manhole on every
    east-west street (``nby + 1``), along y on every north-south street (``nbx + 1``).
    """
    nbx, nby = len(wx), len(wy)
    long_m, short_m = 2.0 * MAX_REACH_M + 5.0, 2.0 * MAX_REACH_M - 5.0  # 3 and 2 reaches
    for _ in range(nbx + nby):
        fx = np.concatenate([[0], np.cumsum(_fine_counts(wx))])
        fy = np.concatenate([[0], np.cumsum(_fine_counts(wy))])
        diff = target - int(count_manholes(nbx, nby, fx, fy))
        best = None
        for axis, w, step in ((0, wx, nby + 1), (1, wy, nbx + 1)):
            m = _fine_counts(w)
            want = 2 if diff > 0 else 3
            idx = np.flatnonzero(m == want)
            if len(idx) and abs(diff - np.sign(diff) * step) < abs(diff):
                gain = abs(diff) - abs(diff - np.sign(diff) * step)
                if best is None or gain > best[0]:
                    best = (gain, axis, int(idx[0]))
        if best is None:
            break
        _, axis, i = best
        w = wx if axis == 0 else wy
        w[i] = long_m if diff > 0 else short_m
    return wx, wy


def _lattice(widths: np.ndarray, origin: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fine coordinates along one axis, street flags, and street positions."""
    counts = _fine_counts(widths)
    streets = origin + np.concatenate([[0.0], np.cumsum(widths)])
    pos = [streets[0]]
    for k, (w, m) in enumerate(zip(widths, counts, strict=True)):
        pos.extend(streets[k] + w * np.arange(1, m + 1) / m)
    pos = np.array(pos)
    pos[np.concatenate([[0], np.cumsum(counts)])] = streets  # exact street positions
    is_street = np.zeros(len(pos), dtype=bool)
    is_street[np.concatenate([[0], np.cumsum(counts)])] = True
    return pos, is_street, streets


def _cell_bounds(pos: np.ndarray) -> np.ndarray:
    mid = 0.5 * (pos[1:] + pos[:-1])
    return np.concatenate(
        [[pos[0] - (pos[1] - pos[0]) / 2], mid, [pos[-1] + (pos[-1] - pos[-2]) / 2]]
    )


def make_layout(target: int, rng: np.random.Generator, min_trunks: int = 2) -> DistrictLayout:
    """Lay out a district of about ``target`` manholes (= conduits).

    Parameters
    ----------
    target : int
        Wanted number of manholes; the result lands within a few percent for
        targets above ~40.
    rng : numpy.random.Generator
        The only source of randomness (block sizes, land uses).
    min_trunks : int
        At least this many trunk sewers (and river outfalls).
    """
    n_draw = int(2.2 * np.sqrt(max(target, 1))) + 12
    wx = rng.uniform(*BLOCK_X_M, n_draw)
    wy = rng.uniform(*BLOCK_Y_M, n_draw)
    nbx, nby = _choose_blocks(target, wx, wy, min_bx=max(1, min_trunks))
    wx, wy = _tune_reaches(target, wx[:nbx].copy(), wy[:nby].copy())
    xs, col_street, streets_x = _lattice(wx, 0.0)
    ys, row_street, streets_y = _lattice(wy, FIRST_STREET_Y_M)

    # trunk streets: evenly spread north-south streets
    n_cols = nbx + 1
    n_trunks = min(n_cols, max(min_trunks, int(round(n_cols / TRUNK_EVERY))))
    trunk_cols = np.unique(((np.arange(n_trunks) + 0.5) * n_cols / n_trunks).astype(np.int64))
    street_col_idx = np.flatnonzero(col_street)
    trunk_fine = street_col_idx[trunk_cols]

    # manholes on the fine lattice, ids row-major
    mask = col_street[None, :] | row_street[:, None]
    jj, ii = np.nonzero(mask)
    ids = -np.ones(mask.shape, dtype=np.int64)
    ids[jj, ii] = np.arange(len(ii))
    x, y = xs[ii], ys[jj]

    # nearest trunk (by x distance; ties to the west) for every fine column
    dist = np.abs(xs[:, None] - xs[trunk_fine][None, :])
    nearest = np.argmin(dist, axis=1)
    trunk_x_idx = trunk_fine[nearest]
    is_trunk_col = np.zeros(len(xs), dtype=bool)
    is_trunk_col[trunk_fine] = True

    down = np.empty(len(ii), dtype=np.int64)
    on_trunk = is_trunk_col[ii]
    south = np.where(jj > 0, ids[np.maximum(jj - 1, 0), ii], -1)
    step = np.sign(trunk_x_idx[ii] - ii)
    along = ids[jj, ii + step]
    lateral = row_street[jj] & ~on_trunk
    down[:] = south
    down[lateral] = along[lateral]
    trunk_index = nearest[ii]

    outlet_ids = ids[0, trunk_fine]

    # subcatchment rectangles (exact tiling of the town)
    xb, yb = _cell_bounds(xs), _cell_bounds(ys)
    street_rows = np.flatnonzero(row_street)
    row_lo = np.empty(len(ys))
    row_hi = np.empty(len(ys))
    for k, r in enumerate(street_rows):
        row_lo[r] = yb[0] if k == 0 else 0.5 * (ys[street_rows[k - 1]] + ys[r])
        row_hi[r] = yb[-1] if k == len(street_rows) - 1 else 0.5 * (ys[r] + ys[street_rows[k + 1]])
    own_cell = col_street[ii]
    y0 = np.where(own_cell, yb[jj], row_lo[jj])
    y1 = np.where(own_cell, yb[jj + 1], row_hi[jj])
    rect = np.column_stack([xb[ii], xb[ii + 1], y0, y1])

    imperv = _land_use(rng, rect, streets_x, streets_y)
    extent = (float(xb[0]), float(xb[-1]), float(yb[0]), float(yb[-1]))
    return DistrictLayout(
        x=x,
        y=y,
        down=down,
        trunk=trunk_index.astype(np.int64),
        outlet_ids=outlet_ids,
        on_trunk=on_trunk,
        rect=rect,
        imperv_pct=imperv,
        extent=extent,
        block_x=streets_x,
        block_y=streets_y,
    )


def _land_use(rng, rect, streets_x, streets_y) -> np.ndarray:
    """Imperviousness [%] by block land use: built-up near the centre, parks scattered."""
    nbx, nby = len(streets_x) - 1, len(streets_y) - 1
    cx = 0.5 * (streets_x[1:] + streets_x[:-1])
    cy = 0.5 * (streets_y[1:] + streets_y[:-1])
    mx, my = 0.5 * (streets_x[0] + streets_x[-1]), 0.5 * (streets_y[0] + streets_y[-1])
    hx = max(0.5 * (streets_x[-1] - streets_x[0]), 1.0)
    hy = max(0.5 * (streets_y[-1] - streets_y[0]), 1.0)
    d = np.hypot((cx[None, :] - mx) / hx, (cy[:, None] - my) / hy) / np.sqrt(2.0)
    score = (1.0 - d) + 0.25 * rng.standard_normal((nby, nbx))
    cls = np.clip((len(LAND_USES) * (1.0 - score)).astype(np.int64), 0, len(LAND_USES) - 1)
    block_imp = np.array([v for _, v in LAND_USES])[cls]
    block_imp[rng.random((nby, nbx)) < PARK_SHARE] = PARK_IMPERV
    ccx = 0.5 * (rect[:, 0] + rect[:, 1])
    ccy = 0.5 * (rect[:, 2] + rect[:, 3])
    bi = np.clip(np.searchsorted(streets_x, ccx) - 1, 0, nbx - 1)
    bj = np.clip(np.searchsorted(streets_y, ccy) - 1, 0, nby - 1)
    noise = rng.uniform(-5.0, 5.0, len(rect))
    return np.clip(np.round(block_imp[bj, bi] + noise, 1), 30.0, 90.0)
