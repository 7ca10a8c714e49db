"""The closed loop's forecast members, conditioned on the gauges' record so far: the
timing error grows with the lead time from none now (the rain falling now is seen), so
a member neither rains again what has fallen nor drops the rain about to fall, and
keeps the volume still to come (times its amount factor)."""

from __future__ import annotations

import numpy as np

from twin.control.truth import perturbed_forecast

# 10 mm/h from 10 to 20 minutes, 60 mm/h from 20 to 50, dry after (one gauge)
TIMES = np.array([0.0, 600.0, 1200.0, 3000.0])
RATES = np.array([[0.0], [10.0], [60.0], [0.0]])
NOW = 1500.0  # under the heavy rain: 25 mm still to come
HORIZON = 5400.0


def _true(t):
    k = np.searchsorted(TIMES, t, side="right") - 1
    return np.where(k < 0, 0.0, RATES[np.clip(k, 0, None), 0])


def _shift_of(plain_rates, t):
    """The timing error a plain member was drawn with (its rain is f true(t - d))."""
    f = plain_rates.max() / 60.0
    return next(d for d in np.arange(-900.0, 901.0, 60.0)
                if np.allclose(plain_rates, f * _true(t - d)))  # fmt: skip


def test_conditioned_members_keep_the_rain_to_come_and_stretch_it_in_time():
    kw = dict(sigma=0.0, jitter_s=900.0, seed=5, cycle=2)
    plain = perturbed_forecast(TIMES, RATES, NOW, HORIZON, 12, **kw)
    seen = perturbed_forecast(TIMES, RATES, NOW, HORIZON, 12, observed=True, **kw)
    t = seen.times_s
    assert np.array_equal(t, plain.times_s)
    dt = np.diff(np.r_[t, NOW + HORIZON])
    signs = set()
    for k in range(12):
        d = _shift_of(plain.rates_mmh[k, :, 0], t)
        signs.add(np.sign(d))
        s = 1.0 + d / HORIZON
        r = seen.rates_mmh[k, :, 0]
        assert np.isclose(r[0], 60.0 / s)  # the rain falling now, as seen (no timing error now)
        assert not np.any(np.isclose(r, 10.0 / s))  # nothing that fell is rained again
        # the 25 mm still to come, whatever the timing error (within a grid step)
        assert np.isclose((r * dt).sum() / 3600.0, 25.0, rtol=0.06)
        # ... ending when the stretched storm ends: 1500 s of rain take 1500 s x s
        wet = t[r > 0]
        assert abs(wet[-1] + 60.0 - (NOW + 1500.0 * s)) <= 60.0
    assert {-1.0, 1.0} <= signs  # early and late members drawn
    # a plain late member rains the past again: more than 25 mm in some member
    vol_plain = (plain.rates_mmh[:, :, 0] * dt).sum(axis=1) / 3600.0
    assert vol_plain.max() > 26.0 or vol_plain.min() < 24.0


def test_the_amount_factors_are_those_of_the_plain_members():
    kw = dict(sigma=0.3, jitter_s=900.0, seed=1, cycle=0)
    plain = perturbed_forecast(TIMES, RATES, NOW, HORIZON, 8, **kw)
    seen = perturbed_forecast(TIMES, RATES, NOW, HORIZON, 8, observed=True, **kw)
    t = plain.times_s
    factors = plain.rates_mmh.max(axis=(1, 2)) / 60.0
    assert factors.std() > 0.05  # the amount error is drawn
    for k in range(8):
        s = 1.0 + _shift_of(plain.rates_mmh[k, :, 0], t) / HORIZON
        assert np.isclose(seen.rates_mmh[k, 0, 0], factors[k] * 60.0 / s)


def test_a_short_horizon_keeps_the_rain_positive_and_the_error_lead():
    # the closed loop's last cycle: 10 minutes left, timing errors up to 15 minutes
    kw = dict(sigma=0.0, jitter_s=900.0, seed=3, cycle=11, observed=True)
    short = perturbed_forecast(TIMES, RATES, NOW, 600.0, 16, **kw)
    assert np.all(short.rates_mmh >= 0.0)
    full = perturbed_forecast(TIMES, RATES, NOW, 600.0, 16, error_lead_s=HORIZON, **kw)
    long = perturbed_forecast(TIMES, RATES, NOW, HORIZON, 16, **kw)
    # with the loop's nominal horizon as the error lead, the short forecast is the
    # start of the long one
    n = len(full.times_s)
    assert np.allclose(full.rates_mmh, long.rates_mmh[:, :n])
