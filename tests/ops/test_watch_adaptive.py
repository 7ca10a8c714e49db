"""Large innovations down-weighted instead of rejected, against EPA SWMM as the truth.

The truth is SWMM 5.2 on the small network with one trunk pipe (C000029) 60 % blocked
and nothing else wrong: the water backs up into the manhole above it (MH000029) by up
to 1.7 m, which the members (built with the designed pipe) do not do.  A depth sensor
there and one far away read the truth with 1 cm noise.  With the gate (the default),
the sensor above the blockage is taken for a faulty one (its readings are rejected and
QC flags it), so the analysis there stays with the members; with the Huber weight its
readings are used with an inflated error and the analysis follows the truth.
"""

import numpy as np
import pytest
import xarray as xr

import twin
from twin.ops.enkf import FilterSettings
from twin.ops.watch import Twin
from twin.scenarios.modify import block_links, copy_network
from twin.validation import twin_experiment as E

BLOCKED, ABOVE, FAR = "C000029", "MH000029", "MH000066"


@pytest.fixture(scope="module")
def blocked_case():
    model = twin.load_network("small")
    truth = E.run_truth(block_links(copy_network(model), {BLOCKED: 0.6}), 60)
    names = list(model.nodes.name)
    nodes = np.array([names.index(ABOVE), names.index(FAR)], np.int64)
    sensors = E.sensor_set(model, nodes, 0.01)
    t, y, _ = E.readings(truth, nodes, 0.01, seed=1)
    return model, truth, nodes, sensors, E.rows_of(t, y, sensors)


@pytest.mark.swmm
@pytest.mark.slow
def test_a_blocked_pipe_seen_by_one_sensor_is_followed_not_rejected(blocked_case, tmp_path):
    model, truth, nodes, sensors, rows = blocked_case
    out = {}
    j = list(model.links.name).index(BLOCKED)
    for obs_error in ("gate", "huber"):
        fs = FilterSettings(obs_error=obs_error, huber_c=5.0, estimate_conduits=True)
        tw = Twin(model, sensors, tmp_path / obs_error, members=6, seed=1, end_hours=2.0,
                  cycle_min=30, forecast=False, filter_settings=fs)  # fmt: skip
        tw.ingest(rows, "test")
        tw.run()
        with xr.open_dataset(tw.outdir / "analysis.nc") as an:
            tr = truth.node_depth.sel(time=an.time.values, method="nearest").values
            backs_up = tr[:, nodes[0]] > 0.5  # m: the backwater
            out[obs_error] = {
                "rmse": E.depth_rmse(
                    an.node_depth.values[backs_up, nodes[0]], tr[backs_up, nodes[0]]
                ),  # fmt: skip
                "flagged": int(an.sensor_qc_flag.values[:, 0].sum()),
                "factor": float(an.link_roughness_factor.values[-1, j]),
            }
    print(out)
    assert backs_up.sum() >= 5
    # the gate: the sensor is taken for a faulty one, the analysis misses the backwater
    assert out["gate"]["flagged"] > 0
    assert out["gate"]["rmse"] > 0.3 and out["gate"]["factor"] < 1.2
    # Huber's weight: the readings are used, the pipe is learnt rougher (less capacity)
    # and the analysis follows the truth there
    assert out["huber"]["flagged"] == 0
    assert out["huber"]["factor"] > 2.0, out
    assert out["huber"]["rmse"] < 0.5 * out["gate"]["rmse"], out
