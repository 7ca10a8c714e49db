"""The radar nowcast's mean field (``RadarRain(mean=...)``): the last frames advected to
now and averaged (Lagrangian temporal smoothing) take out a noisy radar's frame error,
and the default is the last frame's extrapolation as before."""

import numpy as np
import pytest

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import MOTION, RadarRain, lagrangian_mean, motion_field

pytest.importorskip("pysteps")


def _moving_texture(n=12, shift=(1, 2), sigma=0.3, seed=3):
    """A smooth lognormal texture moving ``shift`` cells (y, x) per frame (exactly, by
    rolling the grid), its frames clean and times a fresh correlated lognormal noise."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    z = gaussian_filter(rng.standard_normal((64, 64)), 4.0, mode="wrap")
    base = 20.0 * np.exp(0.5 * z / z.std())
    clean = np.array([np.roll(base, (i * shift[0], i * shift[1]), axis=(0, 1))
                      for i in range(n)])  # fmt: skip
    e = np.array([gaussian_filter(rng.standard_normal((64, 64)), 2.0, mode="wrap")
                  for _ in range(n)])  # fmt: skip
    noisy = clean * np.exp(sigma * e / e.std(axis=(1, 2), keepdims=True) - 0.5 * sigma**2)
    return clean, noisy, np.array([shift[1], shift[0]], float)  # pysteps: (x, y)


def test_the_frames_advected_to_now_and_averaged_are_closer_to_the_rain_than_the_last():
    from pysteps import nowcasts

    clean, noisy, (u, v) = _moving_texture()
    velocity = np.stack([np.full((64, 64), u), np.full((64, 64), v)])
    extrapolate = nowcasts.get_method("extrapolation")
    inner = (slice(8, -8), slice(8, -8))  # away from where the advection leaves no data
    err_last = np.sqrt(np.mean((noisy[-1] - clean[-1])[inner] ** 2))
    err_mean = np.sqrt(np.mean((lagrangian_mean(noisy[-3:], velocity, extrapolate)
                                - clean[-1])[inner] ** 2))  # fmt: skip
    # three frames with independent noise: about 1 / sqrt(3) of the error
    assert err_mean < 0.7 * err_last, (err_last, err_mean)


def _town_error(net, start, frames, field, **kw):
    """The members' mean 30-minute rain over the town against the field's, mean absolute
    error over the cycles of the storm."""
    from twin.ops.rain import ObservedRain

    radar = RadarRain(frames, net, start, method="extrapolation", **kw)
    area = np.asarray(net.subcatchments.area_m2, float)
    gw = np.bincount(np.asarray(net.subcatchments.raingage, int), area,
                     minlength=len(net.raingages)) / area.sum()  # fmt: skip
    town = radar.to_gauges(np.asarray(field.values, float)) @ gw
    errors = []
    for now in np.arange(2400.0, 6001.0, 600.0):
        _, rates = radar.nowcast(ObservedRain(len(net.raingages)), now, 1800.0, 4, seed=1)
        k = int(now // 300)
        errors.append(abs((rates @ gw).mean() - town[k : k + 6].mean()))
    return float(np.mean(errors))


def test_smoothed_mean_and_longer_motion_follow_the_town_rain_more_closely():
    from twin.validation.radar_twin import draw, radar_view, storm_frames

    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    field = storm_frames(net, draw(21), seed=21, duration_s=7800.0)
    radar = radar_view(field, seed=21)
    plain = _town_error(net, start, radar, field)
    new = _town_error(net, start, radar, field, mean="smoothed", motion_pairs=5)
    assert new < 0.8 * plain, (plain, new)


def test_the_default_is_the_last_frame_extrapolated_and_a_bad_mean_is_refused():
    from pysteps import motion, nowcasts

    from twin.ops.rain import ObservedRain

    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    _, noisy, _ = _moving_texture()
    from twin.validation.radar_storm import network_grid

    x, y = network_grid(net, 64, 1000.0)
    import xarray as xr

    times = np.datetime64(start, "s") + (np.arange(len(noisy)) * 300).astype("timedelta64[s]")
    frames = xr.DataArray(noisy, dims=("time", "y", "x"),
                          coords={"time": times.astype("datetime64[ns]"), "x": x, "y": y},
                          attrs={"step_s": 300.0})  # fmt: skip
    radar = RadarRain(frames, net, start, method="extrapolation")
    assert radar.mean == "extrapolation"
    rain = ObservedRain(len(net.raingages))
    _, rates = radar.nowcast(rain, 3000.0, 1800.0, 4, seed=2)
    past = radar._past(3000.0)
    det = nowcasts.get_method("extrapolation")(
        past[-1], motion_field(motion.get_method(MOTION), past[-2:]), 6
    )
    # every member is the last frame's extrapolation times one factor per lead
    ratio = rates / radar.to_gauges(np.nan_to_num(det))[None]
    assert np.allclose(ratio, ratio[:, :, :1])
    same = RadarRain(frames, net, start, method="extrapolation", mean="extrapolation")
    assert np.array_equal(same.nowcast(rain, 3000.0, 1800.0, 4, seed=2)[1], rates)
    with pytest.raises(InputError, match="mean"):
        RadarRain(frames, net, start, mean="median")
