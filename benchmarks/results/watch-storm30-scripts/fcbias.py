"""The 30/60-minute forecast error of kept runs per valid time (RMSE and mean error over
the wet manholes, scored before the run's end as watch_warnings):
python fcbias.py "KEEP/small-4*rp30*"."""

import glob
import sys
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from watch_twin import network

from twin.validation import twin_experiment as E

for d in sorted(glob.glob(sys.argv[1])):
    d = Path(d)
    name = "district-100" if d.name.startswith("district-100") else "small"
    fc = xr.open_dataset(d / "forecasts.nc").load()
    tr = xr.open_dataset(d / "truth.nc").load()
    until = xr.open_dataset(d / "analysis.nc").time.values[-1]
    wet = E.wet_manholes(network(name), tr)
    out = []
    for lead in (30, 60):
        k = int(np.argmin(np.abs(fc.lead.values - np.timedelta64(lead * 60, "s"))))
        valid = fc.cycle.values + fc.lead.values[k]
        ok = (valid <= tr.time.values[-1]) & (valid <= until)
        f = fc.node_depth_mean.values[ok, k][:, wet]
        t = tr.node_depth.sel(time=valid[ok], method="nearest").values[:, wet]
        e = f - t
        vm = ((valid[ok] - np.datetime64("2024-07-15")) / np.timedelta64(60, "s")).astype(int)
        per = " ".join(
            f"{v}:{np.sqrt(np.mean(x**2)):.2f}{np.mean(x):+.2f}" for v, x in zip(vm, e, strict=True)
        )
        out.append(f"{lead}min bias {e.mean():+.3f} rmse {np.sqrt(np.mean(e**2)):.3f} | {per}")
    print(d.name[:42])
    [print("   ", o) for o in out]
