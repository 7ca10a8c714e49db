"""The radar nowcast's motion from more than the last two frames (``motion_pairs``): on a
noisy radar the mean over several frame pairs follows a moving rain cell more closely."""

import numpy as np
import pytest

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import MOTION, RadarRain, motion_field
from twin.validation.radar_storm import RainCell, moving_cells, network_grid

pytest.importorskip("pysteps")


def _noisy_cells():
    """A cell moving east-north-east over the town at 10 m/s (3 cells of 1 km per 5-minute
    frame), each frame times a fresh lognormal noise (sd 0.3, correlated over 2 km) as the
    radar twin experiment's radar reads it."""
    from scipy.ndimage import gaussian_filter

    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    x, y = network_grid(net, 64, 1000.0)
    cx, cy = x.mean(), y.mean()
    cells = [RainCell(cx - 8000.0, cy - 3000.0, 9.4, 3.4, 80.0, 6000.0, 0.0)]
    frames = moving_cells(cells, x, y, start, 12, 300.0)
    rng = np.random.default_rng(5)
    z = np.array([gaussian_filter(rng.standard_normal(frames.shape[1:]), 2.0, mode="wrap")
                  for _ in range(frames.shape[0])])  # fmt: skip
    noisy = frames.copy(data=frames.values * np.exp(0.3 * z / z.std()))
    return net, start, noisy, np.array([9.4, 3.4]) * 300.0 / 1000.0


def _error_at_the_cell(radar, now_s, true):
    from pysteps import motion

    past = radar._past(now_s, 6)
    v, _ = radar._motion(motion.get_method(MOTION), past[-3:], past)
    wet = past[-1] > 5.0
    return float(np.hypot(v[0][wet].mean() - true[0], v[1][wet].mean() - true[1]))


def test_motion_over_more_frame_pairs_follows_the_cell_more_closely():
    net, start, frames, true = _noisy_cells()
    one = RadarRain(frames, net, start, method="extrapolation")
    three = RadarRain(frames, net, start, method="extrapolation", motion_pairs=3)
    assert one.motion_pairs == 1  # the default: the last two frames, as before
    times = (1800.0, 2100.0, 2400.0, 2700.0)
    e1 = np.mean([_error_at_the_cell(one, t, true) for t in times])
    e3 = np.mean([_error_at_the_cell(three, t, true) for t in times])
    assert e3 < 0.75 * e1, (e1, e3)  # measured 0.60 -> 0.28 cells per frame


def test_one_pair_is_the_last_two_frames_and_a_bad_count_is_refused():
    from pysteps import motion

    net, start, frames, _ = _noisy_cells()
    radar = RadarRain(frames, net, start, method="extrapolation")
    past = radar._past(2400.0, 6)
    method = motion.get_method(MOTION)
    assert np.array_equal(
        radar._motion(method, past[-3:], past)[0], motion_field(method, past[-2:])
    )
    with pytest.raises(InputError, match="motion pairs"):
        RadarRain(frames, net, start, motion_pairs=0)


def test_proesmans_pyramid_never_has_a_level_narrower_than_two_cells():
    """pysteps' Proesmans fills each level's edges from ``V[1, 1]``: on a 1-cell level (its
    default 6 levels on a 32-cell grid) that reads past the level's buffer, and the flow
    took whatever memory followed (NaN flows in CI, a nowcast differing between two calls
    on the same frames).  The twin caps the levels so the coarsest is 2 cells or more, and
    keeps pysteps' default where it is safe (the 64-cell grids of the benchmarks)."""
    from pysteps.motion.proesmans import proesmans

    from twin.ops.nowcast import proesmans_levels

    for shape in [(64, 64), (32, 32), (48, 40), (20, 64), (100, 80), (5, 7), (3, 3), (2, 9)]:
        n = min(shape)
        for _ in range(proesmans_levels(shape) - 1):
            n //= 2
        assert n >= 2, shape
    assert proesmans_levels((64, 64)) == 6 and proesmans_levels((512, 512)) == 6
    rng = np.random.default_rng(3)
    small = rng.gamma(1.0, 2.0, (2, 32, 32))
    assert np.array_equal(motion_field(proesmans, small), proesmans(small, num_levels=5))
    large = rng.gamma(1.0, 2.0, (2, 64, 64))
    assert np.array_equal(motion_field(proesmans, large), proesmans(large))
    assert not motion_field(proesmans, rng.gamma(1.0, 2.0, (2, 1, 9))).any()  # no motion
