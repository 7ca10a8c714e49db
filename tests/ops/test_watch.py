"""The operational twin against an independent truth (EPA SWMM 5.2 as the plant).

The truth has 30 % more rain than the gauge and rougher and partly blocked pipes;
six depth sensors read it with 1 cm noise.  Sized for CI: the small network, two
hours, eight members; the full measurement is ``benchmarks/watch_twin.py``.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

import twin
from twin.ops.cap import check_cap
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E

pytestmark = [pytest.mark.swmm, pytest.mark.slow]


@pytest.fixture(scope="module")
def case():
    net = twin.load_network("small")
    ex = E.experiment(net, 6, seed=1)
    return net, ex.truth, ex.sensor_nodes, ex.sensors, ex.rows(150)


def _run(case, tmp_path, method):
    net, truth, nodes, sensors, rows = case
    tw = Twin(
        net,
        sensors,
        tmp_path / method,
        members=8,
        assimilation=method,
        cycle_min=20,
        horizon_min=60,
        seed=2,
    )
    tw.ingest(rows, "test")
    tw.run()
    return tw


def test_enkf_beats_the_open_loop_at_unobserved_manholes(case, tmp_path):
    net, truth, nodes, sensors, rows = case
    wet = E.wet_manholes(net, truth, exclude=nodes)
    rmse = {}
    for method in ("none", "enkf"):
        tw = _run(case, tmp_path, method)
        with xr.open_dataset(tw.outdir / "analysis.nc") as an:
            assert an.attrs["assimilation"] == method
            rmse[method] = E.analysis_rmse(an, truth, wet)
            assert {
                "node_depth",
                "node_head",
                "link_flow",
                "sensor_observed",
                "sensor_analysed",
                "sensor_qc_flag",
            } <= set(an.data_vars)
            assert (an.node_depth.values >= 0).all()
        with xr.open_dataset(tw.outdir / "forecasts.nc") as fc:
            assert set(fc.node_flood_probability.dims) == {"cycle", "node"}
            p = fc.node_flood_probability.values
            assert ((p >= 0) & (p <= 1)).all()
        slot = json.loads((tw.outdir / "watch.json").read_text())["states"]
        assert len(list((tw.outdir / "states" / slot).glob("member-*.state"))) == tw.members.n
    # the filter must cut the error at manholes it never sees
    assert rmse["enkf"] < 0.85 * rmse["none"], rmse


def test_updates_keep_depths_physical_and_book_their_mass(case, tmp_path):
    net = case[0]
    from twin.ops.members import MemberStates

    m = MemberStates(net, 3, {"end_hours": 1.0}, seed=1)
    m.advance_until(1800.0)
    X = m.read()
    X[:, : m.n_nodes] += np.array([[-5.0], [0.02], [50.0]])
    dv = m.write(X)
    d = m.read()[:, : m.n_nodes]
    assert (d >= 0).all()
    top = m.rim_depth_m + np.nan_to_num(net.nodes.surcharge_depth_m)
    junction = np.asarray(net.nodes.kind) == 0
    assert np.all(d[0, junction] == 0.0)
    assert np.all(d[2, junction] <= top[junction] + 1e-9)
    assert np.any(np.isclose(d[2, junction], top[junction]))
    assert dv[0] < 0 < dv[1] < dv[2]
    np.testing.assert_allclose(m.assimilation_volume_m3, dv)
    m.advance_until(2400.0)  # the members go on from the updated state


def _write_inputs(case, tmp_path):
    net, truth, nodes, sensors, rows = case
    toml = tmp_path / "sensors.toml"
    toml.write_text(
        "".join(
            f'[[sensor]]\nid = "{s.id}"\nnode = "{s.element}"\nquantity = "depth"\nsd = 0.01\n\n'
            for s in sensors
        )
    )
    csv = tmp_path / "obs.csv"
    csv.write_text(
        "time,sensor,value\n"
        + "".join(f"{str(np.datetime64(t, 's'))},{s},{v:.4f}\n" for t, s, v in rows)
    )
    return toml, csv


def test_a_killed_watch_restarts_without_losing_or_duplicating(case, tmp_path):
    toml, csv = _write_inputs(case, tmp_path)
    out = tmp_path / "watch"
    cmd = [
        sys.executable,
        "-m",
        "twin.cli",
        "watch",
        "small",
        "--sensors",
        str(toml),
        "--observations",
        str(csv),
        "--replay",
        "--members",
        "4",
        "--cycle-min",
        "10",
        "--horizon-min",
        "30",
        "-o",
        str(out),
    ]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 600
    while time.time() < deadline and p.poll() is None:
        mark = out / "watch.json"
        if mark.exists() and json.loads(mark.read_text())["cycle"] >= 3:
            break
        time.sleep(0.2)
    assert p.poll() is None, p.stderr.read().decode()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    done = json.loads((out / "watch.json").read_text())["cycle"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    from twin.ops.store import ObservationStore

    with ObservationStore(out / "observations.sqlite") as store:
        assert store.count() == len(case[4])  # every row once, though ingested twice
    final = json.loads((out / "watch.json").read_text())["cycle"]
    assert final > done
    with xr.open_dataset(out / "analysis.nc") as an:
        t = an.time.values
        assert (np.diff(t) > np.timedelta64(0)).all()  # no sample lost or repeated
        assert np.all(np.diff(t) == np.diff(t)[0])
    with xr.open_dataset(out / "forecasts.nc") as fc:
        assert fc.sizes["cycle"] == final
    for xml in (out / "alerts").glob("*.xml"):
        assert check_cap(xml.read_bytes()) == []


def _fault_auc(tmp_path, seed):
    """The fault-detection AUC of the small network's case ``seed``: four of six sensors
    go wrong after an hour (bias 10 %, drift 2 cm/h, stuck, noise x6); every 5-minute
    QC score from then on, faulty against sound."""
    net = twin.load_network("small")
    faults = dict(enumerate(E.FAULTS))
    ex = E.experiment(net, 6, seed=seed, faults=faults, fault_start_s=3600.0)
    tw = Twin(net, ex.sensors, tmp_path, members=8, seed=seed, forecast=False, cycle_min=30)
    tw.ingest(ex.rows(150), "test")
    tw.run()
    with xr.open_dataset(tmp_path / "analysis.nc") as an:
        ts = an.time.values
        on = (ts - ts[0]) / np.timedelta64(1, "s") >= 3600.0
        score = an.sensor_qc_score.values[on]
    label = np.zeros(score.shape, bool)
    label[:, list(faults)] = True
    return E.roc_auc(score.ravel(), label.ravel())


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 17's goal (AUC >= 0.95, generally) not met: 0.940 on the test's case "
    "(seed 1), 0.852 on small seed 4 (drift 0.59: in the truth's model error); 0.47-0.97 over "
    "the twenty-four cases of benchmarks/watch_faults.py; the GLR test (QCSettings(glr=True), "
    "off) gives 0.952 and 0.867 here and +0.006 +- 0.005 over twenty-four held-out cases; "
    "with the truth as the prediction the statistics give 0.920 / 0.941 (a slow drift is "
    "not accumulated from its start); the trend test (QCSettings(trend=True), off) gives 0.944 "
    "and 0.860 here and +0.008 +- 0.010 over eighteen held-out cases (seeds 4-12); strict: "
    "passing makes this test fail until the mark is removed",
)
def test_faulty_sensors_are_told_from_sound_ones(tmp_path):
    """The QC scores of faulty sensors rank above the sound sensors' on the test's case
    (seed 1) and on a case nothing was chosen on (seed 4)."""
    aucs = [_fault_auc(tmp_path / f"seed-{seed}", seed) for seed in (1, 4)]
    assert min(aucs) >= 0.95, aucs
