"""IDF relations, temporal patterns and presets against their defining formulas."""

import numpy as np
import pytest

from twin.errors import InputError
from twin.scenarios import EXAMPLE_IDF, IDF, PATTERNS, design_storm, preset, preset_names
from twin.scenarios import hyetographs as hy
from twin.scenarios.idf import power_law_idf


def test_idf_forms_follow_their_formulas():
    t = np.array([10.0, 30.0, 60.0, 180.0])
    a, b, n = 1500.0, 20.0, 0.7
    assert np.allclose(IDF("talbot", {5: (a, b)}).intensity_mmh(t, 5), a / (t + b))
    assert np.allclose(IDF("sherman", {5: (a, b, n)}).intensity_mmh(t, 5), a / (t + b) ** n)
    assert np.allclose(IDF("korean", {5: (a, b, n)}).intensity_mmh(t, 5), a / (t**n + b))
    assert np.allclose(IDF("talbot", {5: (a, b)}).depth_mm(t, 5), a / (t + b) * t / 60)


def test_idf_interpolates_log_linearly_between_return_periods():
    idf = IDF("talbot", {10: (1000.0, 10.0), 100: (2000.0, 30.0)})
    a, b, _ = idf.coefficients(np.sqrt(10 * 100))  # halfway in log T
    assert a == pytest.approx(1500.0) and b == pytest.approx(20.0)
    with pytest.raises(InputError, match="outside"):
        idf.intensity_mmh(60, 500)
    with pytest.raises(InputError, match="form"):
        IDF("gumbel", {10: (1, 1, 1)})


def test_example_idf_hits_its_one_hour_intensities():
    for rp, i60 in ((10, 75.0), (30, 95.0), (50, 103.0), (100, 114.0)):
        assert EXAMPLE_IDF.intensity_mmh(60, rp) == pytest.approx(i60)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("duration", [60, 120, 180])
def test_design_storm_depth_equals_idf_depth(pattern, duration):
    h = design_storm(pattern, return_period=30, duration_min=duration, step_min=10)
    assert h.total_mm == pytest.approx(EXAMPLE_IDF.depth_mm(duration, 30), rel=1e-9)
    assert len(h.depth_mm) == duration // 10 and np.all(h.depth_mm >= 0)
    assert np.allclose(h.intensity_mmh, h.depth_mm * 6.0)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_given_depth_is_kept(pattern):
    h = design_storm(pattern, depth_mm=87.5, duration_min=90, step_min=5)
    assert h.total_mm == pytest.approx(87.5, rel=1e-9)


def test_alternating_block_largest_blocks_are_contiguous_idf_windows():
    dt, n = 5.0, 24
    h = design_storm("alternating_block", return_period=50, duration_min=n * dt, step_min=dt)
    order = np.argsort(h.depth_mm)[::-1]
    for k in range(1, n + 1):
        idx = np.sort(order[:k])
        assert np.all(np.diff(idx) == 1)  # contiguous
        assert h.depth_mm[idx].sum() == pytest.approx(EXAMPLE_IDF.depth_mm(k * dt, 50))
    assert order[0] == n // 2  # peak at the centre


def test_chicago_windows_around_peak_hold_idf_depth():
    r, dt = 0.25, 5.0
    h = design_storm("chicago", return_period=10, duration_min=120, step_min=dt, peak_ratio=r)
    tp = r * 120  # 30 min: a block edge
    assert np.argmax(h.depth_mm) in (int(tp / dt) - 1, int(tp / dt))
    edges = np.arange(len(h.depth_mm) + 1) * dt
    mass = np.concatenate(([0.0], np.cumsum(h.depth_mm)))
    for w in (20.0, 40.0, 80.0, 120.0):  # window w: r*w before, (1-r)*w after the peak
        lo, hi = tp - r * w, tp + (1 - r) * w
        depth = np.interp(hi, edges, mass) - np.interp(lo, edges, mass)
        assert depth == pytest.approx(EXAMPLE_IDF.depth_mm(w, 10), rel=1e-9)


@pytest.mark.parametrize("q", [1, 2, 3, 4])
def test_huff_quartile_peak_lies_in_its_quarter(q):
    h = hy.huff(q, 100.0, 200.0, 5.0)
    peak_t = (np.argmax(h.depth_mm) + 0.5) * 5.0 / 200.0
    assert (q - 1) / 4 <= peak_t < q / 4
    # cumulative at half time is Huff's median value (t/td = 0.5)
    half = h.depth_mm[:20].sum()
    assert half == pytest.approx({1: 85.5, 2: 72.5, 3: 28.0, 4: 18.5}[q])


@pytest.mark.parametrize(
    ("kind", "peak_h", "at12"),
    [("I", 9.875, 0.682), ("IA", 7.625, 0.672), ("II", 11.875, 0.663), ("III", 11.75, 0.500)],
)
def test_scs_distributions_have_their_shapes(kind, peak_h, at12):
    h = hy.scs(kind, 100.0, 24 * 60, 15.0)
    peak = (np.argmax(h.depth_mm) + 0.5) * 0.25
    assert abs(peak - peak_h) <= 0.25
    assert h.depth_mm[: 12 * 4].sum() == pytest.approx(100 * at12)


def test_uniform_is_constant():
    h = design_storm("uniform", intensity_mmh=30, duration_min=60, step_min=10)
    assert np.allclose(h.intensity_mmh, 30.0)


def test_presets_match_city_targets():
    names = preset_names()
    for name, depth in (("seoul-95mmh", 95), ("seoul-100mmh", 100), ("gangnam-110mmh", 110)):
        assert name in names
        h = preset(name)
        assert h.total_mm == pytest.approx(depth) and h.duration_min == 60
    g = preset("gangnam-212mm-3h")
    assert g.total_mm == pytest.approx(212.0) and g.duration_min == 180
    hourly = np.convolve(g.depth_mm, np.ones(6), "valid")  # 60-min moving sums
    assert hourly.max() == pytest.approx(110.0)
    for rp in (10, 30, 50, 100):
        assert preset(f"rp{rp}-1h").total_mm == pytest.approx(EXAMPLE_IDF.depth_mm(60, rp))


def test_power_law_through_two_points():
    idf = power_law_idf({60: 110.0, 180: 212.0})
    assert idf.depth_mm(60, 1) == pytest.approx(110.0)
    assert idf.depth_mm(180, 1) == pytest.approx(212.0)


def test_bad_design_inputs_are_input_errors():
    with pytest.raises(InputError, match="exactly one"):
        design_storm("huff3", depth_mm=10, return_period=10)
    with pytest.raises(InputError, match="pattern"):
        design_storm("zigzag", depth_mm=10)
    with pytest.raises(InputError, match="whole number"):
        design_storm("huff3", depth_mm=10, duration_min=60, step_min=7)
    with pytest.raises(InputError, match="preset"):
        preset("atlantis")
