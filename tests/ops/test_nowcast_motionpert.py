"""The radar nowcast's members spanning its motion error (``RadarRain(motion_pert=...)``):
each member's motion perturbed by the spread of the last frame pairs' optical flows, so
the members' rain spreads with lead and with the motion's uncertainty; off, the nowcast
is the old one bit for bit."""

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import RadarRain, watch_motion_defaults
from twin.ops.rain import ObservedRain
from twin.validation.radar_storm import network_grid

pytest.importorskip("pysteps")

INNER = (slice(12, -12), slice(12, -12))  # away from where the advection leaves no data


def _frames(net, start, sigma, n=8, shift=(1, 2), seed=3):
    """A smooth lognormal texture moving ``shift`` cells (y, x) per frame, times a fresh
    correlated lognormal noise of ``sigma`` in every frame (a noisy radar)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    z = gaussian_filter(rng.standard_normal((64, 64)), 4.0, mode="wrap")
    base = 20.0 * np.exp(0.5 * z / z.std())
    out = []
    for i in range(n):
        e = gaussian_filter(rng.standard_normal((64, 64)), 2.0, mode="wrap")
        noise = np.exp(sigma * e / e.std() - 0.5 * sigma**2)
        out.append(np.roll(base, (i * shift[0], i * shift[1]), axis=(0, 1)) * noise)
    x, y = network_grid(net, 64, 1000.0)
    times = np.datetime64(start, "s") + (np.arange(n) * 300).astype("timedelta64[s]")
    return xr.DataArray(np.array(out), dims=("time", "y", "x"),
                        coords={"time": times.astype("datetime64[ns]"), "x": x, "y": y},
                        attrs={"step_s": 300.0})  # fmt: skip


def _pattern_spread(radar, now_s, n_steps=6, members=12):
    """(n_steps,) the members' spread of the rain's pattern at each lead: the RMS over the
    inner cells of the members' std of each member's field over its own mean (the
    lognormal factors cancel, the displacement stays)."""
    past = radar._past(now_s)
    fields = radar._pysteps(past, n_steps, members, 5, radar._past(now_s, 6))
    f = fields[:, :, INNER[0], INNER[1]]
    f = f / f.mean(axis=(2, 3), keepdims=True)
    return np.sqrt((f.std(axis=0) ** 2).mean(axis=(1, 2)))


def test_the_members_spread_grows_with_lead_and_with_the_motion_uncertainty():
    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    now = 8 * 300.0
    quiet = RadarRain(_frames(net, start, 0.05), net, start, motion_pert="pairs")
    noisy = RadarRain(_frames(net, start, 0.3), net, start, motion_pert="pairs")
    plain = RadarRain(_frames(net, start, 0.3), net, start)
    s_quiet, s_noisy, s_plain = (_pattern_spread(r, now) for r in (quiet, noisy, plain))
    # every default member is one field times a factor: no spread of the pattern
    assert s_plain.max() < 1e-9
    # the motion's uncertainty estimated from the frames: larger on the noisy radar
    from pysteps import motion

    sig_q = quiet._motion(
        motion.get_method("proesmans"), quiet._past(now), quiet._past(now, 6), spread=True
    )[1]
    sig_n = noisy._motion(
        motion.get_method("proesmans"), noisy._past(now), noisy._past(now, 6), spread=True
    )[1]
    assert np.hypot(*sig_n) > 2.0 * np.hypot(*sig_q), (sig_q, sig_n)
    # the members' displacement grows with lead, and more with the larger uncertainty
    assert s_noisy[-1] > 1.5 * s_noisy[0], s_noisy
    assert s_noisy[-1] > 1.5 * s_quiet[-1], (s_quiet, s_noisy)


def test_off_is_the_old_nowcast_bit_for_bit_and_bad_settings_are_refused():
    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    frames = _frames(net, start, 0.3)
    rain = ObservedRain(len(net.raingages))
    old = RadarRain(frames, net, start).nowcast(rain, 2400.0, 1800.0, 4, seed=2)
    off = RadarRain(frames, net, start, motion_pert="none").nowcast(rain, 2400.0, 1800.0, 4, seed=2)
    on = RadarRain(frames, net, start, motion_pert="pairs").nowcast(rain, 2400.0, 1800.0, 4, seed=2)
    assert np.array_equal(old[0], off[0]) and np.array_equal(old[1], off[1])
    assert not np.array_equal(old[1], on[1])
    with pytest.raises(InputError, match="motion perturbation"):
        RadarRain(frames, net, start, motion_pert="bps")
    with pytest.raises(InputError, match="motion perturbation"):
        RadarRain(frames, net, start, method="steps", motion_pert="pairs")
    with pytest.raises(InputError, match="motion perturbation"):
        RadarRain(frames, net, start, mean="sprog", motion_pert="pairs")


def test_twin_watch_s_extrapolation_perturbs_the_members_motion_by_default():
    assert watch_motion_defaults("extrapolation", "extrapolation") == (5, "pairs")
    assert watch_motion_defaults("extrapolation", "smoothed") == (5, "pairs")
    assert watch_motion_defaults("extrapolation", "sprog") == (5, "none")
    assert watch_motion_defaults("steps", "extrapolation") == (1, "none")
    # the old nowcast on request
    assert watch_motion_defaults("extrapolation", "extrapolation", 1, "none") == (1, "none")
