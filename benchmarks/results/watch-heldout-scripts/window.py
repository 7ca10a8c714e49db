"""Scores of a kept run cut to its first H hours (analysis times and forecast valid
times <= start + H), to tell the 16-member 3-h runs' window from their member count."""

import json
import sys
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, "/work/wt/watch-heldout/benchmarks")
from watch_twin import network

from twin.validation import twin_experiment as E

H = float(sys.argv[1])
for d in map(Path, sys.argv[2:]):
    net = network("district-100" if d.name.startswith("district") else "small")
    tr = xr.open_dataset(d / "truth.nc").load()
    fc = xr.open_dataset(d / "forecasts.nc").load()
    an = xr.open_dataset(d / "analysis.nc").load()
    sens = json.loads((d / "sensor_nodes.json").read_text())
    t_end = tr.time.values[0] + np.timedelta64(int(H * 3600), "s")
    # the truth's first time is the first report step; the twin starts at the simulation start
    t_end = np.datetime64(str(an.time.values[0])[:10]) + np.timedelta64(int(H * 3600), "s")
    a = an.sel(time=an.time.values[an.time.values <= t_end])
    out = {
        "run": d.name,
        "hours": H,
        "analysis_times": int(a.time.size),
        "analysis_rmse": E.analysis_rmse(a, tr, E.wet_manholes(net, tr, sens)),
    }
    for lead in (30, 60):
        out[f"forecast_rmse_{lead}"] = E.forecast_rmse(
            fc, tr, E.wet_manholes(net, tr), lead, min(t_end, a.time.values[-1])
        )
    print(json.dumps(out))
