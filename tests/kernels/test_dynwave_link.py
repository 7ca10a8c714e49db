"""The flow class asks for the normal and critical depths exactly when it uses them.

SWMM's getFlowClass computes the two depths (the critical one by a search) only in
some branches; :func:`_flow_class_needs_depths` names those branches so that the
conduit kernel computes them only then.  Where it says no, the class must not depend
on the depths; where it says yes, some depths must change the class.
"""

import numpy as np

from twin.kernels.routing.conduit import (
    _flow_class,
    _flow_class_needs_depths,
    _normal_flow,
    _normal_flow_tests,
)
from twin.kernels.routing.constants import FUDGE, NFL_BOTH, NFL_FROUDE, NFL_SLOPE


def _cases(n=4000, seed=7):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        q = rng.choice([-1.0, 0.0, 1.0]) * rng.uniform(0.0, 5.0)
        y1, y2 = rng.choice([FUDGE / 2, FUDGE, 0.3, 1.2], size=2) * rng.uniform(0.5, 1.5, 2)
        z1, z2 = rng.choice([0.0, 0.4], size=2)
        zu, zd = 10.0 + rng.uniform(-0.5, 0.5, 2)
        h1, h2 = zu + y1 + rng.uniform(-0.6, 0.6), zd + y2 + rng.uniform(-0.6, 0.6)
        yield float(q), h1, h2, float(y1), float(y2), float(z1), float(z2), zu, zd


def test_the_class_depends_on_the_depths_only_where_it_asks_for_them():
    depth_pairs = [(0.0, 0.0), (0.05, 0.5), (0.5, 0.05), (3.0, 3.0), (0.9, 1.1)]
    asked = 0
    for q, h1, h2, y1, y2, z1, z2, zu, zd in _cases():
        results = {_flow_class(q, h1, h2, y1, y2, yc, yn, z1, z2, zu, zd) for yc, yn in depth_pairs}
        if _flow_class_needs_depths(q, h1, h2, y1, y2, z1, z2, zu, zd):
            asked += 1
        else:
            assert len(results) == 1, (q, h1, h2, y1, y2, z1, z2, zu, zd, results)
    assert asked > 100  # the cases reach the branches that use the depths


def test_where_it_asks_some_depths_change_the_class():
    """Wet ends, flow downhill, downstream offset: the class follows the depths."""
    args = (1.0, 10.5, 10.3, 0.5, 0.3, 0.0, 0.4, 10.0, 10.0)
    assert _flow_class_needs_depths(*args)
    q, h1, h2, y1, y2, z1, z2, zu, zd = args
    deep = _flow_class(q, h1, h2, y1, y2, 1.0, 1.0, z1, z2, zu, zd)
    shallow = _flow_class(q, h1, h2, y1, y2, 0.1, 0.1, z1, z2, zu, zd)
    assert deep != shallow


def test_normal_flow_limit_tests_follow_the_option():
    """SLOPE limits when the upstream end is shallower; FROUDE asks for the Froude number
    (only with both ends wet); BOTH tries the slope first; an outfall end uses the slope."""
    assert _normal_flow_tests(0.2, 0.5, False, NFL_SLOPE) == (True, False)
    assert _normal_flow_tests(0.5, 0.2, False, NFL_SLOPE) == (False, False)
    assert _normal_flow_tests(0.2, 0.5, False, NFL_FROUDE) == (False, True)
    assert _normal_flow_tests(0.2, FUDGE / 2, False, NFL_FROUDE) == (False, False)
    assert _normal_flow_tests(0.2, 0.5, False, NFL_BOTH) == (True, False)
    assert _normal_flow_tests(0.5, 0.2, False, NFL_BOTH) == (False, True)
    assert _normal_flow_tests(0.5, 0.2, True, NFL_FROUDE) == (False, False)
    assert _normal_flow_tests(0.2, 0.5, True, NFL_FROUDE) == (True, False)
    # Manning's flow at the upstream section caps the flow, never raises it
    beta, a1, r1 = 2.0, 0.8, 0.25
    q_norm = beta * a1 * r1 ** (2.0 / 3.0)
    assert _normal_flow(2 * q_norm, a1, r1, beta) == (q_norm, 1)
    assert _normal_flow(0.5 * q_norm, a1, r1, beta) == (0.5 * q_norm, 0)
