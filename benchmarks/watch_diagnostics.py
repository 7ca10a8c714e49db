"""Diagnostics of the operational twin's skill on one case (small network, its own
storm, seed 1, 16 members): which setting moves the analysis and the forecasts.

Configurations (``NAME`` on the command line; results appended to
``benchmarks/results/watch-twin-diagnostics.json``):

- ``ol``, ``enkf``: open loop (the same ensemble without updates) and the filter;
- ``*_or``: the forecast rain is the gauges' own future record (an oracle): the
  forecast skill of the state alone;
- ``rough``: roughness model error 0 (``rough0``) against the default 0.2;
- ``pw05``: the rain factor informed with weight 0.5 per sensor instead of 1;
- ``a1``: assimilating every minute instead of every 5 minutes;
- ``nudge``, ``ol1``: nudging of a single run and that run without nudging.

    python benchmarks/watch_diagnostics.py ol enkf [--end-hours 3] [--no-forecast]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import twin
from twin.bench.report import source_commit
from twin.engine.options import SimOptions
from twin.ops.enkf import FilterSettings as F
from twin.ops.rain import ObservedRain
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E

OUT = Path(__file__).parent / "results" / "watch-twin-diagnostics.json"


def oracle(model):
    """The gauges' own future record as every member's forecast rain."""
    full = ObservedRain.of_network(model, SimOptions.from_network(model))

    def nowcast(rain, now_s, horizon_s, n, seed=0):
        times = now_s + np.arange(0.0, horizon_s, 300.0)
        r = np.array([full.mean_rate(t, t + 300.0) for t in times])
        return times, np.repeat(r[None], n, axis=0)

    return nowcast


def configs(model):
    return {
        "ol": ("none", 16, {}),
        "enkf": ("enkf", 16, {}),
        "ol_or": ("none", 16, {"nowcast": oracle(model)}),
        "enkf_or": ("enkf", 16, {"nowcast": oracle(model)}),
        "rough0": ("enkf", 16, {"filter_settings": F(roughness_sigma=0.0)}),
        "pw05": ("enkf", 16, {"filter_settings": F(param_weight=0.5)}),
        "a1": ("enkf", 16, {"assimilate_min": 1.0}),
        "nudge": ("nudging", 1, {}),
        "ol1": ("none", 1, {}),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="+")
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument("--no-forecast", action="store_true")
    ap.add_argument("--note", default="current defaults", help="what the run measures")
    ap.add_argument("--keep", help="copy each run's output folder to KEEP/NAME")
    ap.add_argument("-o", default=str(OUT), help="the JSON the runs are appended to")
    a = ap.parse_args()
    net = twin.load_network("small")
    ex = E.experiment(net, 6, seed=1)
    truth, nodes, sensors, rows = ex.truth, ex.sensor_nodes, ex.sensors, ex.rows()
    for name in a.names:
        method, members, kw = configs(net)[name]
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            tw = Twin(net, sensors, d, assimilation=method, members=members, seed=2,
                      end_hours=a.end_hours, forecast=not a.no_forecast, **kw)  # fmt: skip
            tw.ingest(rows, "diagnostics")
            tw.run()
            out = {"name": name, "end_hours": a.end_hours, "wall_s": time.perf_counter() - t0}
            an = xr.open_dataset(Path(d) / "analysis.nc").load()
            out["analysis_rmse"] = E.analysis_rmse(an, truth, E.wet_manholes(net, truth, nodes))
            if not a.no_forecast:
                fc = xr.open_dataset(Path(d) / "forecasts.nc").load()
                wet = E.wet_manholes(net, truth)
                for lead in (0, 30, 60):
                    out[f"forecast_rmse_{lead}"] = E.forecast_rmse(
                        fc, truth, wet, lead, an.time.values[-1]
                    )
                log = Path(d) / "warnings.jsonl"
                lines = log.read_text().splitlines() if log.exists() else []
                msgs = [json.loads(line) for line in lines if line.strip()]
                floods = E.truth_floods(net, truth)
                out |= E.warning_scores(
                    msgs, floods, tw.horizon_s / 60.0, flooding=E.truth_flood_times(net, truth)
                )
            out["rain_factor_mean"] = float(np.exp(tw.members.log_rain_factor).mean())
            if a.keep:
                import shutil

                shutil.copytree(d, Path(a.keep) / name, dirs_exist_ok=True)
            out["settings"] = a.note
            out["git"] = source_commit()
        print(out, flush=True)
        path = Path(a.o)
        old = json.loads(path.read_text()) if path.exists() else {"runs": []}
        old["runs"].append({k: None if v != v else v for k, v in out.items()})  # NaN: null
        path.write_text(json.dumps(old, indent=1))


if __name__ == "__main__":
    main()
