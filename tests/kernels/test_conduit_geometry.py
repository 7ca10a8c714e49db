"""Conduit geometry of the dynamic wave against plain-numpy references written out here.

The Preissmann slot (Sjöberg's width above 0.985257 full, 1 % of the width above 1.78
full), the top width frozen above the crown cutoff of closed conduits, the area that
grows by the slot width beyond the crown, the full hydraulic radius beyond it, and the
per-barrel normal and critical depths SWMM's ``link_getYnorm`` / ``link_getYcrit``
give (flow capped at qMax for the normal depth, its sign ignored).
"""

import numpy as np
import pytest

from twin.kernels import xsect as X
from twin.kernels.codes import Shape
from twin.kernels.routing import conduit_geometry as G
from twin.kernels.routing.bundles import Links

SECTIONS = [(Shape.CIRCULAR, (1.5,)), (Shape.RECT_CLOSED, (2.0, 3.0)), (Shape.EGG, (3.0,))]
SECTIONS += [(Shape.RECT_OPEN, (1.0, 2.0)), (Shape.FORCE_MAIN, (2.0, 120.0))]
XS = X.XSects.of_sections([X.xsect_params(s, *g) for s, g in SECTIONS], X.standard_tables())
SLOT_CUTOFF, EXTRAN_CUTOFF = 0.985257, 0.96


def reference_slot_width(y_norm, w_max):
    """Sjöberg's slot as SWMM 5.2 writes it, in plain numpy."""
    if y_norm < SLOT_CUTOFF:
        return 0.0
    if y_norm > 1.78:
        return 0.01 * w_max
    return w_max * 0.5423 * np.exp(-(y_norm**2.4))


@pytest.mark.parametrize("j", range(len(SECTIONS)))
def test_slot_width_only_for_closed_conduits_with_the_slot(j):
    y_full, w_max = XS.y_full[j], XS.w_max[j]
    for y_norm in (0.5, 0.98, 0.99, 1.0, 1.5, 1.78, 1.8, 3.0):
        y = y_norm * y_full
        want = reference_slot_width(y_norm, w_max) if XS.closed[j] else 0.0
        assert G.slot_width(XS, j, y, True, SLOT_CUTOFF) == pytest.approx(want, rel=1e-14)
        assert G.slot_width(XS, j, y, False, EXTRAN_CUTOFF) == 0.0


@pytest.mark.parametrize("j", range(len(SECTIONS)))
def test_width_freezes_above_the_crown_cutoff_of_closed_conduits(j):
    y_full = XS.y_full[j]
    for y_norm in (0.3, 0.9, 0.96, 0.99, 1.0):
        got = G.conduit_width(XS, j, y_norm * y_full, False, EXTRAN_CUTOFF)
        y_eff = min(y_norm, EXTRAN_CUTOFF) * y_full if XS.closed[j] else y_norm * y_full
        assert got == X.width_at_depth(XS, j, y_eff)


@pytest.mark.parametrize("j", range(len(SECTIONS)))
def test_area_and_radius_beyond_the_crown(j):
    y_full = XS.y_full[j]
    for y in (0.5 * y_full, 1.2 * y_full):
        w_slot = 0.07
        a = G.conduit_area(XS, j, y, w_slot)
        r = G.conduit_hrad(XS, j, y)
        if y >= y_full:
            assert a == XS.a_full[j] + (y - y_full) * w_slot
            assert r == XS.r_full[j]
        else:
            assert a == X.area_at_depth(XS, j, y)
            assert r == X.hrad_at_depth(XS, j, y)


def test_froude_number_is_velocity_over_wave_celerity():
    j = 3  # open rectangle 1 ft deep, 2 ft wide: hydraulic depth = depth
    for y in (0.1, 0.5, 0.9):
        assert G.froude_number(XS, j, 2.0, y, -1.0) == pytest.approx(2.0 / np.sqrt(32.2 * y))
    assert G.froude_number(XS, 0, 2.0, XS.y_full[0], -1.0) == 0.0  # a full closed pipe


def test_link_depths_cap_the_flow_and_ignore_its_sign():
    """link_getYnorm / link_getYcrit: |q|, capped at qMax for the normal depth."""
    links = Links.new({"link": len(SECTIONS)})
    links.beta[:] = 3.0
    links.q_max[:] = 2.0
    j = 0  # 1.5 ft circle
    for q in (-1.5, 0.7, 5.0):
        yn, yc = G.link_depths(j, q, links, XS)
        assert yn == G.link_normal_depth(j, q, links, XS)
        assert yc == G.link_critical_depth(j, q, XS)
        assert yn == X.normal_depth(XS, j, min(abs(q), 2.0), 3.0)
        assert yc == X.critical_depth(XS, j, abs(q))
    assert G.link_normal_depth(j, 0.0, links, XS) == 0.0
    assert G.link_critical_depth(j, 0.0, XS) == 0.0
