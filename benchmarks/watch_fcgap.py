"""Why a better analysis can give a worse 30-minute forecast with the radar nowcast
(issue 17, round 15; benchmarks/results/watch-fcgap-notes.md): the radar twin experiment of
``watch_radar.py`` (mode ``radar-extrapolation-gauge``, the shipped radar default) with,
every cycle, the same forecast members run again from the same analysis with one thing
changed:

- ``f1``: every member's rain factor set to 1 (the forecast only; the analysis as run):
  ``fc - f1`` is what the learnt factor costs or gains on the nowcast's rain;
- ``rf``: every member's rain factor the truth's under-catch factor, the nowcast's rain;
- ``tr``: the truth's rain (the field's mean over each gauge's subcatchments times the
  truth's under-catch factor, every member alike, factor 1): the analysed state with the
  best rain a gauge-resolution member can get; ``fc - tr`` is what the nowcast's rain and
  the factor cost together, ``tr`` alone what the state and the members' model leave.

Per cycle: the RMSE at the wet manholes by lead (0-60 min) for each, the per-node error
at 30 minutes, and the rain of the next 30 minutes over the town (the gauges' areas'
weighted mean depth [mm]) as forecast (the members' mean, with and without their factor)
against the truth's; the gauge adjustment's bias and the members' factor.  Rows appended
to ``-o`` (JSON)::

    python benchmarks/watch_fcgap.py --network small --seed 21 --method enkf \\
        [--set forecast_factor=...] [-o OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_lead import _clean, _settings  # noqa: E402
from watch_twin import network  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-fcgap-probe.json"
LEADS_MIN = (0, 10, 20, 30, 40, 50, 60)


def field_gauge_rates(frames, radar_rain, start):
    """``(times_s (n,), rates (n, n_gauges))``: the truth's field over each gauge's
    subcatchments (before the under-catch factor), on the field's own frame times."""
    t = (
        (frames.time.values.astype("datetime64[s]") - np.datetime64(start, "s"))
        .astype(np.int64)
        .astype(float)
    )
    return t, radar_rain.to_gauges(np.asarray(frames.values, float))


def depth_mm(times_s, rates, t0, t1, step_s):
    """Depth [mm] of a piecewise-constant rate series (..., k, g) over [t0, t1)."""
    edges = np.append(times_s, times_s[-1] + step_s)
    lo = np.clip(edges[:-1], t0, t1)
    hi = np.clip(edges[1:], t0, t1)
    w = (hi - lo) / 3600.0
    return np.tensordot(rates, w, axes=([-2], [0])) if rates.ndim > 1 else rates @ w


class Probe:
    def __init__(self, tw, radar, frames, rf_truth, truth, wet):
        self.tw, self.radar, self.rf = tw, radar, float(rf_truth)
        from twin.engine.options import SimOptions

        self.f_times, self.f_rates = field_gauge_rates(
            frames, radar, SimOptions.from_network(tw.net).start
        )
        self.f_step = float(frames.attrs["step_s"])
        self.truth, self.wet = truth, wet
        share = radar._gauge_share
        self.share = share / share.sum()
        # seconds after the simulation's start (the truth's first record is one report
        # step after it)
        t_start = np.datetime64(SimOptions.from_network(tw.net).start, "ns")
        self.tt = (truth.time.values - t_start) / np.timedelta64(1, "s")
        self.rows = []
        self.node_err30 = {k: [] for k in ("fc", "f1", "rf", "tr")}

    def __call__(self, tw, fc):
        from twin.ops.forecast import run_members

        if fc is None:
            return
        t0 = tw.t_s
        f = tw.forecaster
        snaps = tw.members.snapshots()
        times, rates = tw._nowcast
        lrf = np.array([s[1] for s in snaps])
        n = len(snaps)
        runs, probs = {}, {}
        for name, snap_set, tr_rates, tr_times in (
            ("f1", [(s[0], 0.0, *s[2:]) for s in snaps], rates, times),
            ("rf", [(s[0], float(np.log(self.rf)), *s[2:]) for s in snaps], rates, times),
            ("tr", [(s[0], 0.0, *s[2:]) for s in snaps], None, None),
        ):
            if name == "tr":
                keep = self.f_times >= t0 - self.f_step + 1e-6
                tr_times = np.maximum(self.f_times[keep], t0)
                tr_rates = np.broadcast_to(
                    self.f_rates[keep] * self.rf, (n, keep.sum(), self.f_rates.shape[1])
                )
            leads, d, first, _ = run_members(f.members, snap_set, tr_times, tr_rates, t0,
                                         f.horizon_s, f.lead_step_s, f.sample_s,
                                         f.manhole)  # fmt: skip
            runs[name] = d.mean(axis=1)
            probs[name] = (~np.isnan(first)).mean(axis=0)
        runs["fc"] = fc.node_depth_mean
        probs["fc"] = np.asarray(fc.node_flood_probability)
        leads = np.arange(0.0, f.horizon_s + 1e-9, f.lead_step_s)
        valid = t0 + leads
        ok = valid <= tw.end_s + 1e-6
        k_tr = np.array([int(np.argmin(np.abs(self.tt - v))) for v in valid])
        tr = self.truth.node_depth.values[k_tr]
        row = {"t_min": t0 / 60.0, "rain_factor_mean": float(np.exp(lrf).mean()),
               "rain_factor_sd": float(np.exp(lrf).std(ddof=1))}  # fmt: skip
        for name, d in runs.items():
            sse, cnt, bias = [], [], []
            for lm in LEADS_MIN:
                k = int(np.argmin(np.abs(leads - lm * 60.0)))
                if not ok[k]:
                    sse.append(None)
                    cnt.append(0)
                    bias.append(None)
                    continue
                e = d[k, self.wet] - tr[k, self.wet]
                sse.append(float(np.sum(e**2)))
                cnt.append(int(e.size))
                bias.append(float(np.mean(e)))
                if lm == 30:
                    self.node_err30[name].append(e)
            row[f"{name}_sse"], row[f"{name}_n"], row[f"{name}_bias"] = sse, cnt, bias
        # the rain of the next 30 minutes over the town
        t1 = t0 + 1800.0
        step = self.radar.step_s
        nc = depth_mm(times, rates, t0, t1, step)  # (members, gauges)
        fac = np.exp(lrf)[:, None]
        truth_mm = depth_mm(self.f_times, self.f_rates, t0, t1, self.f_step) * self.rf
        past = depth_mm(self.f_times, self.f_rates, t0 - 1800.0, t0, self.f_step) * self.rf
        row |= {
            "rain30_nowcast_mm": float((nc.mean(axis=0) * self.share).sum()),
            "rain30_forecast_mm": float(((nc * fac).mean(axis=0) * self.share).sum()),
            "rain30_truth_mm": float((truth_mm * self.share).sum()),
            "rain30_truth_past_mm": float((past * self.share).sum()),
            "gauge_bias": self.radar.gauge_bias(tw.rain, t0).tolist()
            if self.radar.gauge_adjusted
            else None,
        }
        for name, p in probs.items():  # the manholes' flood probability in the horizon
            row[f"{name}_pmax"] = float(p.max())
            row[f"{name}_n05"] = int((p >= 0.5).sum())
        self.rows.append(row)


def pooled(rows, name, lead_min, until_s=np.inf):
    """RMSE at ``lead_min`` over the cycles whose forecast is valid by ``until_s`` (the
    analysis's last time, as ``depth_skill``)."""
    k = LEADS_MIN.index(lead_min)
    use = [r for r in rows if r[f"{name}_n"][k] and (r["t_min"] + lead_min) * 60 <= until_s]
    s = sum(r[f"{name}_sse"][k] for r in use)
    c = sum(r[f"{name}_n"][k] for r in use)
    return float(np.sqrt(s / c)) if c else None


def run(a):
    import xarray as xr
    from watch_radar import write_frames

    from twin.bench.report import source_commit
    from twin.engine.options import SimOptions
    from twin.ops.enkf import FilterSettings
    from twin.ops.nowcast import RadarRain, read_radar_folder
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E
    from twin.validation.radar_twin import radar_experiment

    factor = 1.2 + 0.1 * (a.seed % 3)
    ex, frames, radar = radar_experiment(
        network(a.network), 6, a.seed, rain_factor=factor, n_cells=a.n_cells, cell_m=a.cell_m
    )
    wet = E.wet_manholes(ex.model, ex.truth)
    fs = _settings(a)
    with tempfile.TemporaryDirectory() as d:
        write_frames(radar, Path(d) / "radar")
        r = RadarRain(read_radar_folder(Path(d) / "radar"), ex.model,
                      SimOptions.from_network(ex.model).start, method="extrapolation",
                      spread="rate", gauge_adjusted=True, motion_pairs=5,
                      motion_pert="pairs")  # fmt: skip
        t0, c0 = time.perf_counter(), time.process_time()
        tw = Twin(ex.model, ex.sensors, Path(d) / "w", members=a.members, seed=a.seed,
                  end_hours=a.end_hours, assimilation=a.method, radar=r,
                  **({"filter_settings": FilterSettings(**fs)} if fs else {}))  # fmt: skip
        probe = Probe(tw, r, frames, factor, ex.truth, wet)
        own = tw.forecast

        def forecast():
            fc = own()
            probe(tw, fc)
            return fc

        tw.forecast = forecast
        tw.ingest(ex.rows(), "watch-fcgap")
        tw.run()
        an = xr.open_dataset(Path(d) / "w" / "analysis.nc").load()
        fcs = xr.open_dataset(Path(d) / "w" / "forecasts.nc").load()
        skill = E.depth_skill(ex.model, ex, an, fcs)
        node_names = [str(x) for x in ex.model.nodes.name]
        until_s = float(
            (an.time.values[-1] - np.datetime64(SimOptions.from_network(ex.model).start, "ns"))
            / np.timedelta64(1, "s")
        )
        per_node = {}
        for name, errs in probe.node_err30.items():
            if errs:
                e = np.array(errs)
                per_node[name] = np.sqrt(np.mean(e**2, axis=0)).tolist()
        out = {
            "network": a.network, "seed": a.seed, "method": a.method, "members": a.members,
            "end_hours": a.end_hours, "filter_settings": fs,
            "cell_m": a.cell_m, "n_cells": a.n_cells,
            "rain_factor_truth": factor,
            "radar_bias": float(radar.attrs["radar_bias"]),
            "rain_factor_final": float(np.exp(tw.members.log_rain_factor).mean()),
            **skill,
            "until_s": until_s,
            "by_lead": {n: {str(lm): pooled(probe.rows, n, lm, until_s) for lm in LEADS_MIN}
                        for n in ("fc", "f1", "rf", "tr")},
            "wet_nodes": [node_names[i] for i in wet],
            "node_rmse30": per_node,
            "cycles": probe.rows,
            "wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": round(time.process_time() - c0, 1),
            "load_average": os.getloadavg()[0], "commit": source_commit(), "note": a.note,
        }  # fmt: skip
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", default="small")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--method", default="enkf", choices=("enkf", "none"))
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--end-hours", type=float, default=2.5)
    ap.add_argument("--forecast-factor", help="FilterSettings.forecast_factor")
    ap.add_argument("--conduits", action="store_true", help="(read by watch_lead's settings)")
    ap.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help="FilterSettings field (repeatable)")  # fmt: skip
    ap.add_argument("--cell-m", type=float, default=1000.0, help="radar cell [m]")
    ap.add_argument("--n-cells", type=int, default=64, help="radar cells a side")
    ap.add_argument("--note", default="")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    row = _clean(run(a))
    out = Path(a.o)
    rows = json.loads(out.read_text())["runs"] if out.exists() else []
    out.write_text(json.dumps({"runs": rows + [row]}, indent=1))
    show = ("network", "seed", "method", "rain_factor_final", "analysis_rmse",
            "forecast_rmse_30", "forecast_rmse_60", "by_lead", "wall_s")  # fmt: skip
    print(json.dumps({k: row.get(k) for k in show}), flush=True)


if __name__ == "__main__":
    main()
