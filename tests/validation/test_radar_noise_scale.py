"""The twin experiment's radar noise on a finer grid (round 15, issue 17): its correlation
length is physical, in metres (2 km), not in cells, and on round 14's 1-km grid the radar
sees exactly what it saw before."""

import numpy as np
import xarray as xr

from twin.validation.radar_twin import RADAR_NOISE_SCALE_M, radar_view


def _uniform(n_cells, cell_m, n_frames=4, rate_mmh=10.0):
    x = 512_345.6 + (np.arange(n_cells) - (n_cells - 1) / 2.0) * cell_m  # off a round origin
    y = 6_171_234.5 + (np.arange(n_cells) - (n_cells - 1) / 2.0) * cell_m
    t = np.datetime64("2026-06-01T00:00") + np.arange(n_frames) * np.timedelta64(300, "s")
    return xr.DataArray(np.full((n_frames, n_cells, n_cells), rate_mmh), dims=("time", "y", "x"),
                        coords={"time": t.astype("datetime64[ns]"), "x": x, "y": y},
                        attrs={"step_s": 300.0})  # fmt: skip


def _correlation_at(frames, seed, lag_m):
    """The radar's log noise correlation between cells ``lag_m`` apart along x."""
    out = radar_view(frames, seed=seed)
    e = np.log(out.values / (frames.values * out.attrs["radar_bias"]))
    k = int(round(lag_m / float(frames.x[1] - frames.x[0])))
    a, b = e[:, :, :-k].ravel(), e[:, :, k:].ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_the_radar_noise_is_correlated_over_metres_not_cells():
    assert RADAR_NOISE_SCALE_M == 2000.0
    coarse = _correlation_at(_uniform(64, 1000.0), 4, 2000.0)
    fine = _correlation_at(_uniform(256, 250.0), 4, 2000.0)
    # a Gaussian-filtered noise of scale s: correlation exp(-L^2 / 4 s^2) = 0.78 at L = s
    assert abs(coarse - np.exp(-0.25)) < 0.08 and abs(fine - np.exp(-0.25)) < 0.08
    # in cells (2 cells = 500 m on 250-m cells) the same radar would decorrelate at 2 km
    cells = _uniform(256, 250.0)
    out = radar_view(cells, seed=4, scale_cells=2.0)
    e = np.log(out.values / (cells.values * out.attrs["radar_bias"]))
    assert abs(np.corrcoef(e[:, :, :-8].ravel(), e[:, :, 8:].ravel())[0, 1]) < 0.1


def test_on_the_1km_grid_the_radar_is_round_14s_bit_for_bit():
    f = _uniform(64, 1000.0)
    f.values[:] *= np.linspace(0.0, 3.0, 64)[None, None, :]  # some of it below detection
    np.testing.assert_array_equal(radar_view(f, seed=7).values,
                                  radar_view(f, seed=7, scale_cells=2.0).values)  # fmt: skip
    assert radar_view(f, seed=7).attrs["radar_noise_scale_cells"] == 2.0
