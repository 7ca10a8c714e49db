"""Where in time the rain factor's step limit costs: the analysis RMSE and mean error
[m] at unobserved wet manholes per report time, default filter against
``param_step_sd=0.5``, on one case of ``benchmarks/watch_gate.py`` (its settings: 8
members, 20-min cycles, 150 min, QC on the filter's own prior), written to a JSON file.

    python benchmarks/watch_step_pertime.py --network small --seed 5 --twin-seed 3 -o OUT.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr


def main():
    import twin
    from twin.ops.enkf import FilterSettings
    from twin.ops.qc import QCSettings
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    ap = argparse.ArgumentParser()
    ap.add_argument("--network", default="small")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--twin-seed", type=int, default=3)
    ap.add_argument("-o", required=True)
    a = ap.parse_args()
    net = twin.load_network(a.network)
    ex = E.experiment(net, 6, seed=a.seed)
    wet = E.wet_manholes(net, ex.truth, exclude=ex.sensor_nodes)
    out = {"settings": vars(a)}
    for name, fs in (("default", FilterSettings()), ("step05", FilterSettings(param_step_sd=0.5))):
        with tempfile.TemporaryDirectory() as d:
            tw = Twin(net, ex.sensors, d, members=8, cycle_min=20, seed=a.twin_seed,
                      forecast=False, qc_settings=QCSettings(withheld=False),
                      filter_settings=fs)  # fmt: skip
            tw.ingest(ex.rows(150), "benchmark")
            tw.run()
            with xr.open_dataset(Path(d) / "analysis.nc") as an:
                tr = ex.truth.node_depth.sel(time=an.time.values, method="nearest").values
                err = an.node_depth.values[:, wet] - tr[:, wet]
                t = (an.time.values - an.time.values[0]) / np.timedelta64(1, "s")
        out["t_s"] = t.tolist()
        out[name] = {"rmse_m": np.sqrt((err**2).mean(axis=1)).round(4).tolist(),
                     "mean_error_m": err.mean(axis=1).round(4).tolist()}  # fmt: skip
    Path(a.o).write_text(json.dumps(out, indent=1))
    for i, ti in enumerate(out["t_s"]):
        print(int(ti), *(f"{out[v][k][i]:+.3f}" for v in ("default", "step05")
                         for k in ("rmse_m", "mean_error_m")))  # fmt: skip


if __name__ == "__main__":
    main()
