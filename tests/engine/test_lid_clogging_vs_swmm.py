"""Permeable pavement clogging, its periodic regeneration and storage clogging against
EPA SWMM 5.2.

``lids_clogging.inp`` (``tests/engine/data``, SI, a week of daily 16 mm storms): a
pavement that clogs after 15 void volumes of inflow and regenerates every 2 days by
70 % (SWMM 5.2's RegenDays and RegenDegree of the PAVEMENT line: the volume treated so
far cut at the first runoff step of each interval), over a storage layer that clogs
too; beside it an older pavement without regeneration that clogs and overflows.  Without
the regeneration the first pavement would spill 123 mm over the week; SWMM's spills
none, and so does twin's.

Compared: node depths and link flows (the project's agreement check), every
subcatchment's runoff and infiltration series, the LID Performance Summary (to SWMM's
printed 0.01 mm) and the runoff continuity error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import twin
from tests.agreement import run_and_compare
from tests.engine.test_lid_vs_swmm import assert_subcatchment_series_agree

DATA = Path(__file__).parent / "data"
#: SWMM prints the LID summary to 0.01 mm: half of that, and ours
PERF_TOL_MM = 0.007
_PERF = ("total_inflow", "evaporation", "infiltration", "surface_outflow", "drain_outflow",
         "initial_storage", "final_storage")  # fmt: skip


@pytest.mark.swmm
def test_pavement_clogging_and_regeneration_agree_with_swmm():
    path = DATA / "lids_clogging.inp"
    ours, ref = run_and_compare(path)
    assert_subcatchment_series_agree(ours, ref)
    for key in _PERF:
        a, b = ours[f"lid_{key}"].values, ref[f"lid_{key}"].values
        assert np.abs(a - b).max() <= PERF_TOL_MM, (key, a, b)
    k = "runoff_continuity_error_percent"
    assert abs(ours.attrs[k] - ref.attrs[k]) <= 0.01, (ours.attrs[k], ref.attrs[k])
    # the old pavement clogs and spills; the regenerated one does not
    assert ref.lid_surface_outflow.values[1] > 50.0 and ref.lid_surface_outflow.values[0] == 0.0
    # and that is the regeneration's doing: without it the first one spills too
    text = path.read_text().replace("Pave PAVEMENT 150 0.15 0 100 15 2 0.7",
                                    "Pave PAVEMENT 150 0.15 0 100 15")  # fmt: skip
    from twin.networks.inp_reader import read_inp_text

    plain = twin.simulate(read_inp_text(text))
    assert float(plain.lid_surface_outflow.values[0]) > 50.0
