"""The issue's "matched accuracy": a fast run counts only if it is as close to the converged
answer as SWMM at the file's step.

The converged reference is SWMM run with a routing step 8 times smaller than the
file's (:func:`converged_reference`).  :func:`accuracy_against` measures a run's
distance from it (node-depth and link-flow RMSE over all elements and report times,
mean relative peak-flow error of the significant links, flooding volume error);
:func:`matched_accuracy` holds when the candidate's every measure is at most SWMM's
at the file's step (plus a floor for measures at round-off level).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from twin.validation.agreement import PEAK_FLOOR_FRACTION, _report_step_s
from twin.validation.swmm_run import run_swmm

#: The reference runs SWMM at the file's routing step divided by this.
REFINEMENT = 8
#: Distances below these count as equal (round-off of the report, not accuracy) [m, m3/s,
#: -, m3].
FLOORS = {"depth_rmse_m": 1e-5, "flow_rmse_m3s": 1e-5, "peak_rel": 1e-4, "flood_m3": 1.0}


@dataclass(frozen=True)
class Distance:
    """How far a run is from the converged reference."""

    depth_rmse_m: float
    flow_rmse_m3s: float
    peak_rel: float
    flood_m3: float

    def as_dict(self) -> dict:
        return asdict(self)


def converged_reference(inp, refinement: int = REFINEMENT) -> xr.Dataset:
    """SWMM on ``inp`` with ROUTING_STEP divided by ``refinement`` (a copy of the file)."""
    from twin.networks.model import Network

    net = Network.from_inp(inp) if not hasattr(inp, "options") else inp
    step = float(net.options.get("ROUTING_STEP", 20.0))
    net.options["ROUTING_STEP"] = f"{step / refinement:.6g}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "refined.inp"
        net.to_inp(path)
        return run_swmm(path)


def accuracy_against(run: xr.Dataset, ref: xr.Dataset) -> Distance:
    """The distance of ``run`` from ``ref`` (both report-step datasets in SI)."""
    keep = [v for v in ("node_depth", "link_flow", "node_flooding") if v in run and v in ref]
    a, b = xr.align(run[keep], ref[keep], join="inner")

    def rmse(v):
        x = a[v].transpose("time", ...).values
        y = b[v].transpose("time", ...).values
        return float(np.sqrt(np.mean((x - y) ** 2))) if x.size else 0.0

    pa = np.abs(a.link_flow).max("time").values
    pr = np.abs(b.link_flow).max("time").values
    sel = pr > PEAK_FLOOR_FRACTION * max(pr.max(initial=0.0), 1e-12)
    peak = float(np.mean(np.abs(pa[sel] - pr[sel]) / pr[sel])) if sel.any() else 0.0
    flood = 0.0
    if "node_flooding" in a:
        dt = _report_step_s(b)
        flood = abs(float(a.node_flooding.sum()) - float(b.node_flooding.sum())) * dt
    return Distance(rmse("node_depth"), rmse("link_flow"), peak, flood)


def matched_accuracy(candidate: Distance, swmm_at_file_step: Distance) -> bool:
    """True when every measure of ``candidate`` is at most SWMM's (or below its floor)."""
    c, s = candidate.as_dict(), swmm_at_file_step.as_dict()
    return all(c[k] <= max(s[k], FLOORS[k]) for k in c)
