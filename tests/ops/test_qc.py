"""Sensor QC on readings with known faults (a hydrograph seen through 1 cm noise)."""

import numpy as np
import pytest

from twin.ops.qc import TESTS, QCSettings, SensorQC

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


def _trend_score(kind, seed=0):
    """The trend test's largest score over three hours of readings of a precise gauge
    (2 mm noise) against eight members whose prediction is the hydrograph scaled by
    0.8-1.0 (a model error shaped like the hydrograph, which the members can make)."""
    rng = np.random.default_rng(seed)
    sd = 0.002
    t = np.arange(1, 181) * 60.0
    true = 0.05 + 0.6 * np.exp(-(((t - 5400.0) / 1800.0) ** 2))
    members = true[:, None] * np.linspace(0.8, 1.0, 8)[None, :]
    y = true + rng.normal(0.0, sd, len(t))
    if kind == "drift":  # 2 cm/h from the first hour on
        y += 0.02 * np.clip(t - 3600.0, 0.0, None) / 3600.0
    elif kind == "model error":  # 1.3 x the hydrograph: under-caught rain
        y += 0.3 * true
    hx, hsd = members.mean(axis=1), members.std(axis=1, ddof=1)
    qc = SensorQC([sd], QCSettings(trend=True))
    score = []
    for k in range(len(t)):
        s = slice(0, k + 1)
        qc.update(t[s], y[s, None], hx[s, None], hsd[s, None], t[k], members[s, :, None])
        score.append(qc.scores[0, TESTS.index("trend")])
    return np.array(score)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_trend_test_flags_a_drift_but_not_a_hydrograph_shaped_model_error(seed):
    drift = _trend_score("drift", seed)
    assert drift[:60].max() < 1.0  # sound for the first hour
    # over threshold while the peak is in the window (from 48-50 min into the drift);
    # in the bare recession a ramp and the falling limb are nearly collinear over an
    # hour, and the score falls back below 1 (0.3-1.0): the limit of the test
    assert drift[60:120].max() > 1.0
    assert _trend_score("model error", seed).max() < 0.5
    assert _trend_score("sound", seed).max() < 0.5


def test_the_trend_test_is_off_by_default_and_without_members():
    t, y, hx, hsd = _series("drift")
    qc = SensorQC([SD], QCSettings(trend=True))
    qc.update(t, y[:, None], hx[:, None], hsd[:, None], t[-1])  # no members: no score
    assert qc.scores[0, TESTS.index("trend")] == 0.0
    members = np.repeat(hx[:, None, None], 8, axis=1) * np.linspace(0.9, 1.1, 8)[None, :, None]
    qc = SensorQC([SD])
    qc.update(t, y[:, None], hx[:, None], hsd[:, None], t[-1], members)
    assert qc.scores[0, TESTS.index("trend")] == 0.0


def _shift_score(kind, seed):
    """The shift test's largest score over the series of ``_series`` (a prediction 10 %
    low whose spread covers it: the model error of a sound sensor) with the watch's two
    hours of history; ``bias``: the sound series read 10 % high from the first hour."""
    t, y, hx, hsd = _series("sound" if kind == "bias" else kind, seed)
    if kind == "bias":
        y = np.where(t >= 3600.0, y + 0.1 * hx / 0.9, y)
    qc = SensorQC([SD], QCSettings(shift=True))
    score = []
    for k in range(len(t)):
        w = slice(max(0, k - 119), k + 1)
        qc.update(t[w], y[w, None], hx[w, None], hsd[w, None], t[k])
        score.append(qc.scores[0, TESTS.index("shift")])
    return np.array(score)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_shift_test_ranks_a_bias_or_drift_above_model_error(seed):
    sound = _shift_score("sound", seed)
    assert sound.max() < 0.5
    for kind in ("bias", "drift"):
        score = _shift_score(kind, seed)
        assert score[:60].max() < 0.5  # sound for the first hour
        assert score.max() > 1.6 * sound.max()
    t, y, hx, hsd = _series("drift", seed)  # off by default
    qc = SensorQC([SD])
    qc.update(t, y[:, None], hx[:, None], hsd[:, None], t[-1])
    assert qc.scores[0, TESTS.index("shift")] == 0.0


def _glr(kind, seed, storm=True):
    """The GLR statistics (ramp, offset) at the end of two hours of one-minute innovations
    (1 cm noise) against a prediction ``hx`` (a storm hydrograph, or a dry-weather 10 cm),
    with a fault from 50 minutes ago: a 2 cm/h ramp, a 10 % offset of the depth;
    ``model error``: 0.2-0.4 x the hydrograph over the whole window (under-caught rain);
    eight members scaled 0.8-1.2."""
    from twin.ops.qc import glr_stat

    rng = np.random.default_rng(seed)
    t = np.arange(1, 121) * 60.0
    hx = 0.1 + (0.3 * np.exp(-(((t - 3600.0) / 1500.0) ** 2)) if storm else 0.0 * t)
    e = rng.normal(0.0, SD, len(t))
    on = t >= t[-1] - 50 * 60.0
    if kind == "ramp":
        e[on] += 0.02 * (t[on] - t[on][0]) / 3600.0
    elif kind == "offset":
        e[on] += 0.1 * hx[on]
    elif kind == "model error":
        e += rng.uniform(0.2, 0.4) * (hx - 0.1)
    anomalies = (hx - 0.1)[:, None] * np.linspace(-0.2, 0.2, 8)[None, :]
    return glr_stat(t, e, np.full(len(t), 2 * SD**2), hx, anomalies, SD, t[-1])


@pytest.mark.parametrize("seed", range(4))
def test_the_glr_finds_a_ramp_or_offset_from_an_unknown_start(seed):
    for storm in (True, False):
        assert max(_glr("sound", seed, storm)) < 3.0
    assert max(_glr("model error", seed)) < 3.0  # in proportion to the prediction
    assert _glr("ramp", seed, storm=False)[0] > 3.5
    assert _glr("offset", seed)[1] > 4.0


def test_the_glr_test_is_off_by_default_and_scores_one_at_its_threshold():
    from twin.ops.qc import glr_stat

    rng = np.random.default_rng(0)
    t = np.arange(1, 121) * 60.0
    hx = 0.1 + 0.3 * np.exp(-(((t - 6000.0) / 1200.0) ** 2))
    y = hx + rng.normal(0.0, SD, len(t)) + np.where(t >= 4800.0, 0.1 * hx, 0.0)  # 10 % bias
    hsd = np.full(len(t), 0.01)
    qc = SensorQC([SD])
    qc.update(t, y[:, None], hx[:, None], hsd[:, None], t[-1])
    assert qc.scores[0, TESTS.index("glr")] == 0.0
    settings = QCSettings(glr=True)
    qc = SensorQC([SD], settings)
    qc.update(t, y[:, None], hx[:, None], hsd[:, None], t[-1])
    offset = glr_stat(t, y - hx, hsd**2 + SD**2, hx, None, SD, t[-1])[1]
    assert offset > 4.0
    assert qc.scores[0, TESTS.index("glr")] == pytest.approx(offset / settings.glr_k)
    assert settings.uses_members and not QCSettings().uses_members
    assert not QCSettings(glr=True, glr_pcs=0).uses_members
