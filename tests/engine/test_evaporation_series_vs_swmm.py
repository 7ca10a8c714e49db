"""[EVAPORATION] TIMESERIES against SWMM 5.2: the rate of each entry holds until the next.

SWMM's climate.c takes a time series' entry as the evaporation rate from its time on
(``setEvap`` / ``setNextEvapDate``), and caps runoff steps at the next entry.  Two
networks: subcatchments whose depression storage dries between two storms (the runoff
continuity's "Evaporation Loss" and every subcatchment's runoff), and the storage units
and channels of the seepage and conduit-loss tests (the routing continuity's losses).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import assert_agrees
from tests.engine import test_conduit_losses_vs_swmm as conduit_case
from tests.engine import test_outfall_runon_vs_swmm as runon_case
from tests.engine import test_storage_losses_vs_swmm as storage_case
from twin.validation.swmm_run import run_swmm

MIN_NSE_RUNOFF = runon_case.MIN_NSE_RUNOFF
#: SWMM prints runoff volumes to 0.001 hectare-m = 10 m3, routing losses to 1 m3
MAX_RUNOFF_EVAP_DIFF_M3 = 10.0
MAX_LOSS_DIFF_M3 = 1.0
MAX_CONTINUITY_DIFF = 0.1  # percentage points (tests/agreement.py's rule)

SERIES = "EV 0:00 5\nEV 2:00 30\nEV 6:00 80\nEV 9:00 10\n"


def _runoff_network() -> str:
    text = runon_case.NETWORK.replace("DRAIN", "O2").replace("END_TIME 03:00:00", "END_TIME 20:00")
    text = text.replace("[RAINGAGES]", "[EVAPORATION]\nTIMESERIES EV\n[RAINGAGES]")
    return text.replace(
        "TS1 2:00 0\n", "TS1 2:00 0\nTS1 10:00 0\nTS1 10:30 30\nTS1 11:00 0\n" + SERIES
    )


@pytest.mark.swmm
def test_runoff_evaporation_series_agrees_with_swmm(tmp_path):
    inp = tmp_path / "runoff_series.inp"
    inp.write_text(_runoff_network())
    ours, ref = twin.simulate(twin.load_network(inp)), run_swmm(inp)
    assert ref.attrs["runoff_evaporation_m3"] > 200.0
    diff = abs(ours.attrs["runoff_evaporation_m3"] - ref.attrs["runoff_evaporation_m3"])
    assert diff <= MAX_RUNOFF_EVAP_DIFF_M3
    a, b = xr.align(ours["subcatchment_runoff"], ref["subcatchment_runoff"], join="inner")
    for name in a.subcatchment.values:
        x, y = a.sel(subcatchment=name).values, b.sel(subcatchment=name).values
        assert 1.0 - np.sum((x - y) ** 2) / np.sum((y - y.mean()) ** 2) >= MIN_NSE_RUNOFF, name


@pytest.mark.swmm
@pytest.mark.parametrize("case", ["storage", "conduits"])
def test_routing_evaporation_series_agrees_with_swmm(tmp_path, case):
    if case == "storage":
        text = storage_case._network("evaporation").replace("CONSTANT 40.0", "TIMESERIES EV")
        series = "EV 07/01/2020 00:00 20\nEV 07/01/2020 06:00 60\nEV 07/01/2020 12:00 10\n"
    else:
        text = conduit_case.NETWORK.replace("CONSTANT 200.0", "TIMESERIES EV")
        series = "EV 0:00 100\nEV 3:00 300\nEV 9:00 50\nEV 15:00 400\n"
    inp = tmp_path / f"{case}_series.inp"
    inp.write_text(text.replace("[TIMESERIES]\n", "[TIMESERIES]\n" + series))
    ours, ref = twin.simulate(twin.load_network(inp)), run_swmm(inp)
    # the channels lose 1.5 % of their inflow to the water balance, in SWMM too
    assert_agrees(ours, ref, check_continuity=False)
    ours_c = ours.attrs["flow_routing_continuity_error_percent"]
    assert abs(ours_c - ref.attrs["flow_routing_continuity_error_percent"]) <= MAX_CONTINUITY_DIFF
    assert ref.attrs["routing_evaporation_m3"] > 20.0
    for key in ("routing_seepage_m3", "routing_evaporation_m3"):
        assert abs(ours.attrs[key] - ref.attrs[key]) <= MAX_LOSS_DIFF_M3, key
