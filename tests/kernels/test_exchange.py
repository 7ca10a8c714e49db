"""Manhole exchange: the three regimes against their formulas, direction, and the limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.kernels.surface import exchange as kx

G = kx.GRAVITY_MS2
C = (kx.C_ORIFICE, kx.C_FREE_WEIR, kx.C_SUBMERGED_WEIR)
AREA = 1.0  # m2: perimeter 2 sqrt(pi) = 3.545 m, A/P = 0.282 m
PERIM = 2.0 * np.sqrt(np.pi * AREA)


def test_free_weir_when_the_node_head_is_below_the_crest():
    # crest 10.0, surface 10.05, head 9.0
    q, regime = kx.manhole_discharge(9.0, 10.0, AREA, 10.05, *C)
    assert regime == kx.REGIME_FREE_WEIR
    assert q == pytest.approx(2 / 3 * 0.54 * PERIM * 0.05**1.5 * np.sqrt(2 * G), rel=1e-12)


def test_submerged_weir_when_the_head_is_above_the_crest_and_the_film_thin():
    h = 0.1  # < A/P
    q, regime = kx.manhole_discharge(10.02, 10.0, AREA, 10.0 + h, *C)
    assert regime == kx.REGIME_SUBMERGED_WEIR
    assert q == pytest.approx(0.056 * PERIM * h * np.sqrt(2 * G * h), rel=1e-12)


def test_orifice_when_the_surface_is_deep():
    h = 0.5  # > A/P
    q, regime = kx.manhole_discharge(10.2, 10.0, AREA, 10.0 + h, *C)
    assert regime == kx.REGIME_ORIFICE
    assert q == pytest.approx(0.167 * AREA * np.sqrt(2 * G * 0.3), rel=1e-12)


def test_orifice_outflow_when_the_node_surcharges():
    q, regime = kx.manhole_discharge(10.8, 10.0, AREA, 10.1, *C)
    assert regime == kx.REGIME_ORIFICE
    assert q == pytest.approx(-0.167 * AREA * np.sqrt(2 * G * 0.7), rel=1e-12)
    # a dry cell whose ground lies below the rim: the rim sets the outflow head
    q, _ = kx.manhole_discharge(10.8, 10.0, AREA, 9.5, *C)
    assert q == pytest.approx(-0.167 * AREA * np.sqrt(2 * G * 0.8), rel=1e-12)


@pytest.mark.parametrize(
    ("head", "level"),
    [(9.0, 10.0), (9.0, 9.5), (10.0, 10.0), (10.3, 10.3), (9.9, 9.95)],
)
def test_no_flow_without_water_over_the_crest_or_without_head_difference(head, level):
    q, regime = kx.manhole_discharge(head, 10.0, AREA, level, *C)
    assert q == 0.0 and regime == kx.REGIME_NONE


@settings(max_examples=300, deadline=None)
@given(
    head=st.floats(8.0, 12.0),
    level=st.floats(9.0, 12.0),
    area=st.floats(0.2, 4.0),
)
def test_direction_follows_the_head_difference(head, level, area):
    crest = 10.0
    q, regime = kx.manhole_discharge(head, crest, area, level, *C)
    if q > 0:
        assert level > head and level > crest
    elif q < 0:
        assert head > level and head > crest
    else:
        assert head == level or max(head, level) <= crest
    # within a regime, a higher surface level drains more
    q2, regime2 = kx.manhole_discharge(head, crest, area, level + 0.01, *C)
    if q > 0 and regime2 == regime:
        assert q2 > q


def _exchange(head, crest, area, level, volume, group, q_old, dt, relax=1.0, damp=1.0):
    k = len(head)
    q = np.zeros(k)
    regime = np.zeros(k, np.int8)
    kx.exchange_at_nodes(
        np.asarray(head, float),
        np.asarray(crest, float),
        np.asarray(area, float),
        np.asarray(level, float),
        np.asarray(volume, float),
        np.asarray(group, np.int64),
        np.asarray(q_old, float),
        dt,
        *C,
        relax,
        damp,
        q,
        regime,
        np.zeros(k),
    )
    return q, regime


def test_drain_limit_never_takes_more_than_the_cell_holds():
    # 0.6 m over the rim (free weir, 2.6 m3/s) but only 0.2 m3 in a cell that two manholes share
    level = [10.6, 10.6, 10.6]
    q, regime = _exchange(
        [9.0, 9.0, 9.0], [10.0] * 3, [AREA] * 3, level, [0.2, 0.2, 5.0], [0, 0, 2], [0.0] * 3, 10.0
    )
    assert np.all(regime == kx.REGIME_FREE_WEIR)
    unlimited = 2 / 3 * 0.54 * PERIM * 0.6**1.5 * np.sqrt(2 * G)
    assert (q[0] + q[1]) * 10.0 == pytest.approx(0.2, rel=1e-12)
    assert q[0] == pytest.approx(0.02, rel=1e-12) and q[1] == pytest.approx(0.0, abs=1e-15)
    assert q[2] == pytest.approx(min(unlimited, 0.5), rel=1e-12)


def test_relaxation_and_damping_of_a_reversal():
    q_new, _ = kx.manhole_discharge(9.0, 10.0, AREA, 10.2, *C)
    q, _ = _exchange([9.0], [10.0], [AREA], [10.2], [100.0], [0], [0.1], 1.0, 0.8, 0.5)
    assert q[0] == pytest.approx(0.8 * q_new + 0.2 * 0.1, rel=1e-12)
    # outflow after inflow: the blend flips sign and is halved
    q_out, _ = kx.manhole_discharge(11.0, 10.0, AREA, 10.2, *C)
    q, _ = _exchange([11.0], [10.0], [AREA], [10.2], [100.0], [0], [0.1], 1.0, 0.8, 0.5)
    assert q[0] == pytest.approx(0.5 * (0.8 * q_out + 0.2 * 0.1), rel=1e-12)
    assert q[0] < 0
