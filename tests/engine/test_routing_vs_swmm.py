"""Our Router against EPA SWMM 5.2.4 on hand-made networks (thresholds in tests/agreement.py).

Each case routes a small ``.inp`` (constant and time-series [INFLOWS] only, no
runoff) with both engines and compares node depth and link flow hydrographs on
SWMM's report times, peak flows, flooding volume and continuity.  Variants of a
file change its [OPTIONS] (surcharge method, ponding, variable step, routing).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.agreement import assert_agrees
from tests.engine.routing_harness import run_router

DATA = Path(__file__).parent / "data"

CASES = {
    "chain_free_fixed": ("chain_free.inp", {}),
    "chain_free_variable_lengthened": (
        "chain_free.inp",
        {"VARIABLE_STEP": "0.75", "ROUTING_STEP": "30", "LENGTHENING_STEP": "10"},
    ),
    "dendritic_extran": ("dendritic_surcharge.inp", {}),
    "dendritic_slot": ("dendritic_surcharge.inp", {"SURCHARGE_METHOD": "SLOT"}),
    "dendritic_ponding": ("dendritic_surcharge.inp", {"ALLOW_PONDING": "YES"}),
    "dendritic_variable": (
        "dendritic_surcharge.inp",
        {"VARIABLE_STEP": "0.75", "ROUTING_STEP": "10"},
    ),
    "fixed_tidal_outfalls": ("outfalls_fixed_tidal.inp", {}),
    "storage_open_channels": ("storage_channels.inp", {}),
    "kinwave_chain": ("chain_free.inp", {"FLOW_ROUTING": "KINWAVE"}),
    "kinwave_storage": (
        "storage_channels.inp",
        {
            "FLOW_ROUTING": "KINWAVE",
            "@P7      J2 ": "P7      SU1",  # a storage unit with two outlets
            "@P5      J3    J4 ": "P5      J4    J3 ",  # one outlet per junction
        },
    ),
    "steady_chain": ("chain_free.inp", {"FLOW_ROUTING": "STEADY"}),
    "force_main_hazen_williams": ("force_main.inp", {}),
    "force_main_darcy_weisbach": (
        "force_main.inp",
        {"FORCE_MAIN_EQUATION": "D-W", "@FORCE_MAIN  1.0  120": "FORCE_MAIN  1.0  0.06"},
    ),
}


def with_options(src: Path, changes: dict, tmp_path: Path) -> Path:
    """A copy of ``src`` with [OPTIONS] keys replaced or added ("@text" keys: plain edits)."""
    text = src.read_text()
    for key, value in changes.items():
        if key.startswith("@"):
            text = text.replace(key[1:], value)
        elif re.search(rf"^{key}\s", text, flags=re.M):
            text = re.sub(rf"^{key}\s+.*$", f"{key}  {value}", text, flags=re.M)
        else:
            text = text.replace("[OPTIONS]\n", f"[OPTIONS]\n{key}  {value}\n", 1)
    out = tmp_path / src.name
    out.write_text(text)
    return out


@pytest.mark.swmm
@pytest.mark.parametrize("case", list(CASES))
def test_router_agrees_with_swmm(case, tmp_path):
    from twin.validation import run_swmm

    name, changes = CASES[case]
    inp = with_options(DATA / name, changes, tmp_path)
    ours, router = run_router(inp)
    swmm = run_swmm(inp.resolve())
    variables = ("node_depth", "link_flow")
    if changes.get("ALLOW_PONDING") == "YES":
        variables += ("node_ponded_volume",)
    metrics = assert_agrees(ours, swmm, variables=variables)
    print(case, metrics.summary())
    # our continuity error is SWMM's to within 0.1 percentage point
    swmm_cont = swmm.attrs["flow_routing_continuity_error_percent"]
    assert abs(router.continuity_error_percent() - swmm_cont) <= 0.1


@pytest.mark.swmm
def test_surcharge_case_really_surcharges_and_floods(tmp_path):
    """The dendritic case must exercise surcharge and flooding (else it proves little)."""
    from twin.validation import run_swmm

    inp = with_options(DATA / "dendritic_surcharge.inp", {}, tmp_path)
    swmm = run_swmm(inp.resolve())
    ours, router = run_router(inp)
    assert float(swmm["node_flooding"].max()) > 0.01
    assert router.volumes["flooding"] > 0.0
    crown_m = router.nodes.crown_depth * 0.3048
    assert np.any(ours["node_depth"].max("time").values > crown_m + 0.1)
