"""[REPORT] AVERAGES YES: the node and link series are the means over each report
period's routing steps, as SWMM 5.2 writes them (output_updateAvgResults).

* Against EPA SWMM 5.2 on small-conduits with a 15-minute report step: every series
  agrees (the suite's check) and the twin's averaged link flows are far closer to
  SWMM's than its values at the report times are (the averaging is what agrees).
* A state saved in the middle of a report period continues bit for bit.
* AVERAGES with a value SWMM does not read: one error naming file, line and field.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import run_and_compare
from twin.errors import InputError


def _averaged(tmp_path, averages="YES", name="averaged.inp"):
    net = twin.load_network("small-conduits")
    net.options["END_TIME"] = "02:00:00"
    net.options["REPORT_STEP"] = "00:15:00"
    net.report = [*net.report, f"AVERAGES {averages}"]
    path = tmp_path / name
    net.to_inp(path)
    return path


@pytest.mark.swmm
def test_averaged_series_agree_with_swmm(tmp_path):
    path = _averaged(tmp_path)
    ours, ref = run_and_compare(path)
    point = twin.simulate(twin.load_network(_averaged(tmp_path, "NO", "point.inp")))
    flows = ref.link_flow.sel(link=ours.link.values).values
    scale = np.abs(flows).max()
    err_avg = np.abs(ours.link_flow.values - flows).max() / scale
    err_point = np.abs(point.link_flow.values - flows).max() / scale
    assert err_avg < 1e-3, err_avg  # the means of the same steps
    assert err_point > 10 * err_avg, (err_point, err_avg)  # report-time values are not
    depth = ref.node_depth.sel(node=ours.node.values).values
    assert np.abs(ours.node_depth.values - depth).max() < 1e-3  # [m]


def test_a_state_saved_mid_period_continues_bit_for_bit(tmp_path):
    net = twin.load_network(_averaged(tmp_path))
    plain = twin.Simulation(net).run()
    sim = twin.Simulation(net)
    sim.advance_to("2024-07-15T00:40")  # between the report times 00:30 and 00:45
    assert sim.recorder.average_steps > 0
    path = sim.save_state(tmp_path / "state.npz")
    resumed = twin.Simulation.from_state(path, net)
    xr.testing.assert_identical(resumed.run(), plain)


def test_a_bad_averages_value_names_file_line_and_field(tmp_path):
    path = _averaged(tmp_path, "MAYBE")
    with pytest.raises(InputError) as err:
        twin.load_network(path)
    msg = str(err.value)
    assert "averaged.inp:" in msg and "[REPORT]" in msg and "MAYBE" in msg
