"""The continuity limit: a verdict in the attributes, a message naming the worst nodes."""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.report.continuity import judge_continuity, judge_member_continuity


def _run(routing=-0.3, runoff=0.1, node_err=(0.0, -50.0, 2.0, 90.0), inflow=(10, 100, 5, 1)):
    ds = xr.Dataset(
        {
            "node_continuity_error_percent": ("node", np.array(node_err)),
            "node_inflow_volume": ("node", np.array(inflow, float)),
        },
        coords={"node": ["J1", "J2", "J3", "J4"]},
    )
    ds.attrs.update(flow_routing_continuity_error_percent=routing,
                    runoff_continuity_error_percent=runoff)  # fmt: skip
    return ds


def test_a_sound_run_passes_and_is_marked():
    ds = _run()
    assert judge_continuity(ds) is None
    assert ds.attrs["continuity_check"] == "passed" and ds.attrs["continuity_limit_percent"] == 5


def test_a_run_beyond_the_limit_names_the_error_and_the_nodes_losing_most_water():
    ds = _run(routing=-7.25)
    msg = judge_continuity(ds, 5.0)
    # J2 lost 50 m3 of its 100 m3; J4 is further off in percent but lost 0.9 m3
    assert msg == (
        "flow routing continuity error -7.25 % is beyond the limit of 5 %; "
        "worst nodes: J2 (-50 %, -50 m3), J4 (90 %, 0.9 m3), J3 (2 %, 0.1 m3)"
    )
    assert ds.attrs["continuity_check"].startswith("failed: flow routing continuity error -7.25")
    assert judge_continuity(_run(routing=-7.25), 10.0) is None


def test_nan_and_runoff_errors_fail_too():
    assert "runoff continuity error nan %" in judge_continuity(_run(runoff=np.nan))
    msg = judge_continuity(_run(runoff=12.0))
    assert msg.startswith("runoff continuity error 12 % is beyond") and "worst" not in msg


def test_an_ensemble_names_its_members_beyond_the_limit():
    ens = xr.Dataset(
        {
            "member_flow_routing_continuity_error_percent": ("member", [0.1, -9.0, np.nan]),
            "member_status": ("member", np.array([0, 0, 1], np.int8)),  # the third failed
        },
        coords={"member": ["p000", "p001", "p002"]},
    )
    msg = judge_member_continuity(ens, 5.0)
    assert msg == (
        "1 member(s) with a continuity error beyond the limit of 5 %: p001 (flow routing -9 %)"
    )
    assert ens.attrs["continuity_check"].startswith("failed")
