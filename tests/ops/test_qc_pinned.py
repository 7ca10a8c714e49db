"""Sensor QC where the members are pinned at a manhole's rim (``QCSettings.pinned_spread``,
on by default since round 12).

When every member but one floods at a sensor's manhole, their prediction is censored
("at least the rim") and their spread there is nothing: a sound sensor reading below
the rim looks like a bias of many spreads.  On the fault benchmark that flagged sound
sensors for the rest of the run wherever the withheld ensembles' rain factor ran away
(small s6: 28 sound samples flagged, fault AUC 0.47); with the pinned spread, at least
the members' distance from the reading, they were not (0 flagged, AUC 0.89), and the
other cases were unchanged (README, "The rain factor's runaway").
"""

import tempfile

import numpy as np

import twin
from twin.ops.qc import QCSettings, SensorQC
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E


def _twin(outdir):
    net = twin.load_network("small")
    junction = np.flatnonzero(np.asarray(net.nodes.kind) == 0)
    sensors = E.sensor_set(net, junction[[5, 20]])
    return Twin(net, sensors, outdir, members=4, seed=1, forecast=False)


def test_pinned_members_give_qc_the_spread_of_their_distance_from_the_reading():
    assert QCSettings().pinned_spread  # the default
    with tempfile.TemporaryDirectory() as outdir:
        tw = _twin(outdir)
        rim = tw.members.max_depth_m[tw._obs["column"]]
        hx = np.array([[rim[0], 0.30], [rim[0], 0.32], [rim[0], 0.34], [rim[0] - 0.2, 0.36]])
        y = np.array([0.25, 0.33])
        hsd = hx.std(axis=0, ddof=1)
        wide = tw._pinned_spread(hx, y, hsd)
        # three of four at the rim: at least the mean's distance from the reading
        assert wide[0] == hx[:, 0].mean() - 0.25
        assert wide[1] == hsd[1]  # members off the rim: their own spread
        hx[2, 0] = rim[0] - 0.5  # two off the rim: not pinned
        assert tw._pinned_spread(hx, y, hx.std(axis=0, ddof=1))[0] == hx[:, 0].std(ddof=1)
        tw.close()


def test_a_sound_sensor_below_pinned_members_is_not_flagged_with_the_pinned_spread():
    rim, reading = 1.5, 0.25
    t = np.arange(0.0, 3600.0, 60.0)
    y = np.full((len(t), 1), reading) + np.random.default_rng(0).normal(0, 0.01, (len(t), 1))
    hx = np.full((len(t), 1), rim - 0.01)  # every member flooding, one a centimetre below
    pinned = np.full_like(hx, np.abs(reading - hx[0, 0]))  # what pinned_spread gives
    plain = np.full_like(hx, 0.005)
    flags = {}
    for name, hsd in (("pinned", pinned), ("plain", plain)):
        qc = SensorQC([0.01], QCSettings())
        for k in range(5, len(t)):
            qc.update(t[:k], y[:k], hx[:k], hsd[:k], t[k - 1])
        flags[name] = bool(qc.flagged[0])
    assert flags == {"pinned": False, "plain": True}
