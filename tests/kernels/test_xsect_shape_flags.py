"""The geometry kernels without the shapes a network lacks (twin.kernels.xsect.sections
TABLE_SHAPES, FORMULA_SHAPES): the same numbers, and the absent shapes never compiled."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from twin.kernels import xsect as X
from twin.kernels.codes import Shape
from twin.kernels.jit import specialise
from twin.kernels.xsect.sections import absent_shapes

LEAN = {"TABLE_SHAPES": False, "FORMULA_SHAPES": False}


def test_absent_shapes_names_the_families_no_section_has():
    assert absent_shapes([Shape.CIRCULAR, Shape.RECT_CLOSED, Shape.RECT_OPEN]) == LEAN
    assert absent_shapes([Shape.FORCE_MAIN, Shape.DUMMY]) == LEAN
    assert absent_shapes([Shape.CIRCULAR, Shape.TRAPEZOIDAL]) == {"TABLE_SHAPES": False}
    assert absent_shapes([Shape.EGG]) == {"FORMULA_SHAPES": False}
    assert absent_shapes([Shape.IRREGULAR, Shape.FILLED_CIRCULAR]) == {}


@pytest.mark.parametrize(
    ("shape", "g"),
    [(Shape.CIRCULAR, (3.0,)), (Shape.RECT_CLOSED, (3.0, 4.0)), (Shape.RECT_OPEN, (3.0, 4.0, 1))],
)
def test_without_the_other_shapes_the_geometry_is_the_same_bit_for_bit(shape, g):
    xs = X.section(shape, *g)
    depths = np.linspace(0.0, 3.0, 23)
    areas = depths * xs.a_full[0] / 3.0
    for name, values in (
        ("area_at_depth", depths), ("width_at_depth", depths), ("hrad_at_depth", depths),
        ("depth_at_area", areas), ("hrad_at_area", areas), ("sfactor_at_area", areas),
        ("dsfactor_da", areas[1:]),
    ):  # fmt: skip
        full, lean = getattr(X, name), specialise(getattr(X, name), **LEAN)
        assert lean is not full
        assert [lean(xs, 0, v) for v in values] == [full(xs, 0, v) for v in values], name
    flows = [0.0, 0.01, 1.0, 10.0, 80.0]
    lean_yc, lean_yn = specialise(X.critical_depth, **LEAN), specialise(X.normal_depth, **LEAN)
    assert [lean_yc(xs, 0, q) for q in flows] == [X.critical_depth(xs, 0, q) for q in flows]
    assert [lean_yn(xs, 0, q, 5.0) for q in flows] == [X.normal_depth(xs, 0, q, 5.0) for q in flows]


PROBE = """
import json
from twin.kernels import xsect as X
from twin.kernels.codes import Shape
from twin.kernels.jit import specialise
from twin.kernels.xsect import composite as C

xs = X.section(Shape.CIRCULAR, 2.0)
formulas = [C.rect_round_area, C.rect_round_depth, C.rect_triang_depth, C.mod_basket_depth,
            C.power_perimeter, C.parabolic_perimeter]
lean = {"TABLE_SHAPES": False, "FORMULA_SHAPES": False}
for name in ("normal_depth", "critical_depth", "hrad_at_area", "width_at_depth"):
    specialise(getattr(X, name), **lean)(xs, 0, *((1.0, 5.0) if name == "normal_depth" else (1.0,)))
before = [len(f.inner.signatures) for f in formulas]
X.hrad_at_area(xs, 0, 1.0)  # every shape's code
after = [len(f.inner.signatures) for f in formulas]
print(json.dumps({"before": before, "after": after}))
"""


def test_the_formulas_of_absent_shapes_are_never_compiled(tmp_path):
    """In a new process with an empty cache: the lean kernels of a circular section
    compile none of the composite shapes' kernels, the full ones do."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    p = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                       timeout=300, check=True)  # fmt: skip
    got = json.loads(p.stdout.splitlines()[-1])
    assert got["before"] == [0] * 6
    assert all(n >= 1 for n in got["after"])  # the test can fail
