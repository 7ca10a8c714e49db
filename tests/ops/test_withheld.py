"""Withheld-sensor ensembles: folds of sensors, and a sensor's QC prediction that its own
readings cannot move."""

import numpy as np
import pytest

import twin
from twin.ops.localize import GraphDistance
from twin.ops.qc import QCSettings
from twin.ops.watch import Twin
from twin.ops.withheld import sensor_folds
from twin.validation import twin_experiment as E


def test_folds_separate_sensors_whose_areas_meet():
    # a chain of 30 nodes, one link each; radius 3: sensors within 6 links never share
    chain = GraphDistance(np.arange(29), np.arange(1, 30), np.ones(29), "links")
    nodes = np.array([0, 4, 8, 20, 27])
    fold = sensor_folds(nodes, chain, 3.0)
    d = np.abs(nodes[:, None] - nodes[None, :])
    same = fold[:, None] == fold[None, :]
    assert not (same & (d <= 6) & ~np.eye(len(nodes), dtype=bool)).any()
    assert fold.max() + 1 == 2  # 0-4-8 alternate; 20 and 27 (7 apart) share one
    assert sensor_folds(nodes, chain, 0.5).max() == 0  # all far apart: one fold


@pytest.mark.swmm
def test_a_sensor_cannot_pull_its_own_qc_prediction(tmp_path):
    """Two watches on the same readings except that one sensor reads 3 cm high in the
    second: the QC prediction of that sensor (from the ensemble that withholds it) is
    the same in both, bit for bit, while the filter's analysis of it moved."""
    net = twin.load_network("small")
    ex = E.experiment(net, 4, seed=1)
    rows = ex.rows(60)
    biased = [(t, s, v + 0.03 if s == "L00" else v) for t, s, v in rows]
    out = {}
    for name, r in (("sound", rows), ("biased", biased)):
        tw = Twin(net, ex.sensors, tmp_path / name, members=4, seed=1, forecast=False,
                  cycle_min=30, qc_settings=QCSettings(persist=10**6))  # fmt: skip
        assert tw.withheld is not None and tw.withheld.n_folds >= 2
        tw.ingest(r, "test")
        tw.run()
        an = np.array(tw.record["sensor_analysed"])[:, 0]
        out[name] = (np.array(tw._history["hx"])[:, 0], np.array(tw._history["hsd"])[:, 0], an)
    assert len(out["sound"][0]) >= 59
    np.testing.assert_array_equal(out["sound"][0], out["biased"][0])
    np.testing.assert_array_equal(out["sound"][1], out["biased"][1])
    assert np.max(out["biased"][2] - out["sound"][2]) > 0.005  # the filter followed it
