"""The radar twin experiment on another storm (``radar_experiment(storm=...)``,
``watch_radar.py --storm [--storm-shift-min]``): the field carries the named storm's
hyetograph over its window (delayed when asked), the default is the network's own storm,
and an unknown name is refused."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.rain import ObservedRain
from twin.validation.radar_twin import (
    draw,
    networks_of_field,
    radar_experiment,
    storm_frames,
    with_storm,
)

ROOT = Path(__file__).resolve().parents[2]


def _catchment_rain(net, storm, shift_min=0.0):
    """The field's catchment-mean rate [mm/h] per 5-minute frame (over the subcatchments'
    own means, as the truth gets it) and the frames' window [s]."""
    model = with_storm(net, storm, shift_min)
    frames = storm_frames(model, draw(3), seed=3, n_cells=32)
    _, field_net = networks_of_field(model, frames)
    rain = ObservedRain.of_network(field_net, SimOptions.from_network(field_net))
    area = np.asarray(field_net.subcatchments.area_m2, float)
    gauge = np.asarray(field_net.subcatchments.raingage, np.int64)
    w = np.bincount(gauge, area, rain.n_gauges) / area.sum()
    rate = np.array([rain.mean_rate(a, a + 300.0) for a in np.arange(len(frames)) * 300.0])
    return rate @ w, len(frames) * 300.0


def _centroid_min(rate):
    t = (np.arange(len(rate)) + 0.5) * 5.0
    return float((t * rate).sum() / rate.sum())


def test_the_field_carries_the_named_storms_depth_timing_and_window():
    net = twin.load_network("small")
    hyeto = twin.Scenario.preset("rp30-1h").storm()  # 95 mm in 1 h, peak at 30 min
    rate, window = _catchment_rain(net, "rp30-1h")
    assert rate.sum() * 5.0 / 60.0 == pytest.approx(hyeto.total_mm, rel=0.03)
    assert window == SimOptions.from_network(with_storm(net, "rp30-1h")).duration_s
    assert abs(_centroid_min(rate) - 30.0) < 10.0  # the hour's storm, not the 2-h one
    own, own_window = _catchment_rain(net, None)  # the default: the network's own 75 mm
    assert own.sum() * 5.0 / 60.0 == pytest.approx(75.0, rel=0.03)
    assert own_window == SimOptions.from_network(net).duration_s
    assert _centroid_min(own) > 45.0
    late, late_window = _catchment_rain(net, "rp30-1h", 60.0)  # the same storm an hour later
    assert late.sum() * 5.0 / 60.0 == pytest.approx(hyeto.total_mm, rel=0.03)
    assert late_window == window + 3600.0 and abs(_centroid_min(late) - 90.0) < 10.0


def test_an_unknown_storm_is_refused_naming_the_option():
    net = twin.load_network("small")
    with pytest.raises(InputError) as e:
        radar_experiment(net, 6, 3, storm="rp31-1h")
    assert e.value.field == "storm" and "rp31-1h" in str(e.value) and "rp30-1h" in str(e.value)
    script = str(ROOT / "benchmarks" / "watch_radar.py")
    r = subprocess.run([sys.executable, script, "--storm", "rp31-1h"], capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "--storm" in r.stderr and "rp31-1h" in r.stderr
    with pytest.raises(InputError):  # a shift without a storm
        radar_experiment(net, 6, 3, storm_shift_min=30.0)
