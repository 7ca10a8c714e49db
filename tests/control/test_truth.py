"""The closed loop's forecast members, conditioned on the gauges' record so far: the
timing error moves only the rain still to come (a late member persists the rate last
seen until its rain arrives; it does not rain again what has fallen)."""

from __future__ import annotations

import numpy as np

from twin.control.truth import perturbed_forecast

# 10 mm/h from 10 to 20 minutes, 60 mm/h from 20 to 30, dry after (one gauge)
TIMES = np.array([0.0, 600.0, 1200.0, 1800.0])
RATES = np.array([[0.0], [10.0], [60.0], [0.0]])


def _true(t):
    k = np.searchsorted(TIMES, t, side="right") - 1
    return np.where(k < 0, 0.0, RATES[np.clip(k, 0, None), 0])


def test_a_late_member_persists_the_last_rate_instead_of_raining_the_past_again():
    now = 1500.0  # half way through the heavy part
    kw = dict(sigma=0.0, jitter_s=900.0, seed=5, cycle=2)
    plain = perturbed_forecast(TIMES, RATES, now, 3600.0, 12, **kw)
    seen = perturbed_forecast(TIMES, RATES, now, 3600.0, 12, observed=True, **kw)
    t = seen.times_s
    assert np.array_equal(t, plain.times_s)
    late = early = 0
    for k in range(12):
        # the shift a plain member was drawn with: its rain is true(t - d) exactly
        d = next(d for d in np.arange(-900.0, 901.0, 60.0)
                 if np.array_equal(plain.rates_mmh[k, :, 0], _true(t - d)))  # fmt: skip
        if d > 0:
            late += 1
            gap = t - d < now
            assert np.all(seen.rates_mmh[k, gap, 0] == 60.0)  # the rate seen last
            assert np.array_equal(seen.rates_mmh[k, ~gap, 0], _true(t[~gap] - d))
            # it no longer rains the 10 mm/h that fell before 20 minutes again
            assert not np.any(seen.rates_mmh[k, :, 0] == 10.0)
        else:
            early += 1
            assert np.array_equal(seen.rates_mmh[k], plain.rates_mmh[k])
    assert late and early  # both kinds drawn


def test_before_the_rain_and_with_the_amount_error_the_draws_are_the_same():
    kw = dict(sigma=0.3, jitter_s=900.0, seed=1, cycle=0)
    plain = perturbed_forecast(TIMES, RATES, 0.0, 5400.0, 8, **kw)
    seen = perturbed_forecast(TIMES, RATES, 0.0, 5400.0, 8, observed=True, **kw)
    assert np.array_equal(plain.rates_mmh, seen.rates_mmh)  # nothing fell yet
    mid = perturbed_forecast(TIMES, RATES, 1500.0, 5400.0, 8, observed=True, **kw)
    ref = perturbed_forecast(TIMES, RATES, 1500.0, 5400.0, 8, **kw)
    # the amount factors are those of the plain members: the heaviest rate of each
    # member is 60 mm/h times the member's factor in both
    assert np.allclose(mid.rates_mmh.max(axis=(1, 2)), ref.rates_mmh.max(axis=(1, 2)))
