"""Sensor QC on readings with known faults (a hydrograph seen through 1 cm noise)."""

import numpy as np
import pytest

from twin.ops.qc import TESTS, SensorQC

SD = 0.01


def _series(kind, seed=0):
    """Three hours of one-minute readings of a storm hydrograph and a prediction of it
    that is 10 % low with a spread of 1 cm plus 10 %; the fault starts at 1 h."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, 181) * 60.0
    true = 0.05 + 0.6 * np.exp(-(((t - 5400.0) / 1800.0) ** 2))
    hx = 0.9 * true + rng.normal(0.0, 0.003, len(t))
    y = true + rng.normal(0.0, SD, len(t))
    on = t >= 3600.0
    if kind == "stuck":
        y[on] = y[np.argmax(on)]
    elif kind == "noise":
        y[on] = true[on] + rng.normal(0.0, 6 * SD, on.sum())
    elif kind == "drift":
        y[on] += 0.02 * (t[on] - 3600.0) / 3600.0
    return t, np.maximum(y, 0.0), hx, 0.01 + 0.1 * hx


def _run(kind, seed=0):
    t, y, hx, hsd = _series(kind, seed)
    qc = SensorQC([SD])
    flagged, score = [], []
    for k in range(len(t)):
        qc.update(t[: k + 1], y[: k + 1, None], hx[: k + 1, None], hsd[: k + 1, None], t[k])
        flagged.append(qc.flagged[0])
        score.append(qc.scores[0].copy())
    return np.array(flagged), np.array(score), qc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_sound_sensor_under_model_error_is_not_flagged(seed):
    flagged, score, _ = _run("sound", seed)
    assert not flagged.any()
    assert score.max() < 1.0


@pytest.mark.parametrize("kind, within_min", [("stuck", 6), ("noise", 15), ("drift", 120)])
def test_a_fault_is_flagged_soon_and_named(kind, within_min):
    flagged, score, qc = _run(kind)
    first = int(np.argmax(flagged))
    assert flagged.any() and 59 < first <= 59 + within_min
    assert flagged[first:].all()  # left out while the fault lasts
    assert qc.reason[0] == kind or kind == "drift" and qc.reason[0] in ("drift", "bias")
    assert TESTS.index(kind) >= 0


def test_a_flagged_sensor_is_used_again_when_it_recovers():
    t, y, hx, hsd = _series("sound")
    y[60:75] = y[60]  # stuck for a quarter of an hour, then sound again
    qc = SensorQC([SD])
    flagged = []
    for k in range(len(t)):
        qc.update(t[: k + 1], y[: k + 1, None], hx[: k + 1, None], hsd[: k + 1, None], t[k])
        flagged.append(qc.flagged[0])
    flagged = np.array(flagged)
    assert flagged[66:75].all()
    assert not flagged[100:].any()


def test_a_dry_pipe_reading_zero_is_not_stuck():
    t = np.arange(1, 61) * 60.0
    y = np.zeros(60)
    hx = np.full(60, 0.002)
    qc = SensorQC([SD])
    qc.update(t, y[:, None], hx[:, None], np.full((60, 1), 0.001), t[-1])
    assert qc.scores[0, TESTS.index("stuck")] == 0.0


def _backwater(seed=0):
    """The sound series, but from 1 h the manhole backs up behind a blocked pipe: the
    reading 0.8 m above the prediction, which has no blockage (and so never follows)."""
    t, y, hx, hsd = _series("sound", seed)
    on = (t >= 3600.0) & (t < 7800.0)
    y[on] += 0.8 * np.sin(np.pi * (t[on] - 3600.0) / 4200.0) ** 0.5
    return t, y, hx, hsd


def _run_series(series, settings):
    t, y, hx, hsd = series
    qc = SensorQC([SD], settings)
    flagged = []
    for k in range(len(t)):
        qc.update(t[: k + 1], y[: k + 1, None], hx[: k + 1, None], hsd[: k + 1, None], t[k])
        flagged.append(qc.flagged[0])
    return np.array(flagged), qc


def test_a_large_offset_is_flagged_unless_the_filter_down_weights_it():
    from twin.ops.qc import QCSettings

    flagged, _ = _run_series(_backwater(), QCSettings())
    assert flagged.any()
    flagged, qc = _run_series(_backwater(), QCSettings(keep_large_offsets=True))
    assert not flagged.any()
    assert qc.scores[0].max() > 0.0  # the scores are kept (they rank sensors)


@pytest.mark.parametrize("kind, within_min", [("stuck", 6), ("noise", 15), ("drift", 120)])
def test_faults_are_still_flagged_when_large_offsets_are_kept(kind, within_min):
    from twin.ops.qc import QCSettings

    flagged, qc = _run_series(_series(kind), QCSettings(keep_large_offsets=True))
    first = int(np.argmax(flagged))
    assert flagged.any() and 59 < first <= 59 + within_min
    assert flagged[first:].all()
