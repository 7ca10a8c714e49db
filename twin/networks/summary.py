"""A short numeric description of a Network: counts, lengths, volumes, areas, ranges.

Example
-------
>>> from twin.networks.inp_reader import read_inp_text
>>> net = read_inp_text('''
... [OPTIONS]
... FLOW_UNITS CMS
... [JUNCTIONS]
... J1  10  2
... [OUTFALLS]
... O1  9  FREE
... [CONDUITS]
... C1  J1  O1  100  0.013  0  0
... [XSECTIONS]
... C1  RECT_CLOSED  1  2  0  0
... ''')
>>> s = network_summary(net)
>>> s["counts"]["conduits"], s["conduit_length_m"], s["conduit_full_volume_m3"]
(1, 100.0, 200.0)
"""

from __future__ import annotations

import math

import numpy as np

from twin.kernels.codes import LinkKind, NodeKind, Shape
from twin.networks.model import Network

__all__ = ["network_summary", "full_area_m2"]


def full_area_m2(shape: int, geom, curve_xy=None) -> float:
    """Full-flow area [m2] of one cross section, or NaN when not computed here.

    Parameters
    ----------
    shape : int
        :class:`~twin.kernels.codes.Shape` code.
    geom : (4,) float64
        Geometry in SI as in ``LinkTable.geom``.
    curve_xy : tuple of arrays, optional
        For CUSTOM: the SHAPE curve (relative depth, relative width).

    Notes
    -----
    Exact for the circular, rectangular, trapezoidal, triangular, parabolic,
    power, rect-triangular, rect-round, filled-circular and elliptical shapes and
    for CUSTOM (trapezoidal integration of its curve); NaN for the shapes that
    SWMM defines by tabulated geometry (EGG, HORSESHOE, GOTHIC, CATENARY,
    SEMIELLIPTICAL, BASKETHANDLE, SEMICIRCULAR, ARCH, MODBASKETHANDLE) and for
    IRREGULAR (transects).  DUMMY is 0.
    """
    s = Shape(int(shape))
    y, w, g3, g4 = (float(v) for v in geom)
    if s == Shape.DUMMY:
        return 0.0
    if s in (Shape.CIRCULAR, Shape.FORCE_MAIN):
        return math.pi * y * y / 4.0
    if s == Shape.FILLED_CIRCULAR:
        r = y / 2.0
        h = min(max(w, 0.0), y)
        seg = r * r * math.acos((r - h) / r) - (r - h) * math.sqrt(max(2 * r * h - h * h, 0.0))
        return math.pi * r * r - seg
    if s in (Shape.RECT_CLOSED, Shape.RECT_OPEN):
        return y * w
    if s == Shape.TRAPEZOIDAL:
        return y * (w + y * (g3 + g4) / 2.0)
    if s == Shape.TRIANGULAR:
        return y * w / 2.0
    if s == Shape.PARABOLIC:
        return 2.0 / 3.0 * y * w
    if s == Shape.POWER:
        return y * w / (1.0 / g3 + 1.0)
    if s == Shape.RECT_TRIANGULAR:
        return w * (y - g3 / 2.0)
    if s == Shape.RECT_ROUND:
        r = max(g3, w / 2.0)
        theta = 2.0 * math.asin(min(w / 2.0 / r, 1.0))
        y_bot = r * (1.0 - math.cos(theta / 2.0))
        return w * (y - y_bot) + r * r / 2.0 * (theta - math.sin(theta))
    if s in (Shape.HORIZ_ELLIPSE, Shape.VERT_ELLIPSE) and w > 0.0 and g3 <= 0.0:
        return math.pi * y * w / 4.0
    if s == Shape.CUSTOM and curve_xy is not None and len(curve_xy[0]) > 1:
        x, wr = np.asarray(curve_xy[0], float), np.asarray(curve_xy[1], float)
        return float(np.sum(0.5 * (wr[1:] + wr[:-1]) * np.diff(x))) * y * y
    return math.nan


def network_summary(net: Network) -> dict:
    """Counts and totals of a network.

    Returns
    -------
    dict
        ``counts`` (junctions, outfalls, storages, dividers, conduits, pumps,
        orifices, weirs, outlets, subcatchments, raingages), ``conduit_length_m``
        (sum of conduit lengths), ``conduit_full_volume_m3`` (full area x length x
        barrels over the conduits whose area is computed here),
        ``volume_missing_conduits`` (names of the others, see :func:`full_area_m2`),
        ``catchment_area_ha``, ``imperviousness_pct`` (area-weighted, NaN without
        subcatchments), ``invert_range_m`` and ``rim_range_m`` (min, max of node
        invert and invert + max depth), ``flow_units`` and ``unit_system``.
    """
    nk, lk = net.nodes.kind, net.links.kind
    counts = {
        "junctions": int(np.sum(nk == NodeKind.JUNCTION)),
        "outfalls": int(np.sum(nk == NodeKind.OUTFALL)),
        "storages": int(np.sum(nk == NodeKind.STORAGE)),
        "dividers": int(np.sum(nk == NodeKind.DIVIDER)),
        "conduits": int(np.sum(lk == LinkKind.CONDUIT)),
        "pumps": int(np.sum(lk == LinkKind.PUMP)),
        "orifices": int(np.sum(lk == LinkKind.ORIFICE)),
        "weirs": int(np.sum(lk == LinkKind.WEIR)),
        "outlets": int(np.sum(lk == LinkKind.OUTLET)),
        "subcatchments": len(net.subcatchments),
        "raingages": len(net.raingages),
    }
    ln = net.links
    conduits = np.flatnonzero(lk == LinkKind.CONDUIT)
    volume, missing = 0.0, []
    for j in conduits:
        c = net.curves.get(str(ln.xsect_curve[j])) if ln.shape[j] == Shape.CUSTOM else None
        a = full_area_m2(ln.shape[j], ln.geom[j], None if c is None else (c.x, c.y))
        if math.isnan(a):
            missing.append(str(ln.name[j]))
        else:
            volume += a * float(ln.length_m[j]) * int(ln.barrels[j])
    sc = net.subcatchments
    area = float(np.sum(sc.area_m2)) if len(sc) else 0.0
    imperv = (
        float(np.sum(sc.area_m2 * np.minimum(sc.imperv_pct, 100.0)) / area)
        if area > 0
        else math.nan
    )
    inv = net.nodes.invert_m
    rim = inv + net.nodes.max_depth_m

    def rng(a):
        return (float(np.min(a)), float(np.max(a))) if len(a) else (math.nan, math.nan)

    return {
        "counts": counts,
        "conduit_length_m": float(np.sum(ln.length_m[conduits])) if len(conduits) else 0.0,
        "conduit_full_volume_m3": volume,
        "volume_missing_conduits": missing,
        "catchment_area_ha": area / 1e4,
        "imperviousness_pct": imperv,
        "invert_range_m": rng(inv),
        "rim_range_m": rng(rim),
        "flow_units": net.flow_units,
        "unit_system": net.unit_system,
    }
