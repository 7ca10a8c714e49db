"""Why the filter's forecast gain is spent by 30-60 minutes (issue 17): the forecast
error by lead and cycle, the filter against the open loop, split by reference runs.

Every cycle, beside the twin's own forecast (``fc``), the same forecast members run
again from the same analysis with one thing made right, and a perfect model runs:

- ``fc_rf``: every member's rain factor set to the truth's (the members' model and
  runoff state otherwise as analysed): ``fc - fc_rf`` is what the learnt factor costs;
- ``tm``: the twin's engine on the truth's network (the truth's roughness, blocked pipes
  and rain), its runoff state the perfect run's, the sewer (depths, flows) from each
  analysed member: ``fc_rf - tm`` is the members' model (pipes, runoff state);
  ``tm - pm`` what the analysed sewer state costs;
- ``pm``: the perfect model, the twin's engine on the truth's network run from the start
  without updates (its agreement with EPA SWMM is what the suite checks): the floor.

The forecast rain is the gauges' own future record (``--rain oracle``) or the decaying
persistence nowcast (``--rain gauge``).  Without ``--probe`` only the twin runs (the
held-out measurements).  Results appended to ``-o`` (JSON):

    python benchmarks/watch_lead.py --network small --seed 1 --method enkf --probe \\
        [--members 16] [--end-hours 3] [--rain oracle] [--forecast-factor mean|shrink]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

OUT = Path(__file__).parent / "results" / "watch-lead-decomposition.json"


def network(name):
    import twin

    if name.startswith("district-"):
        from twin.networks import generate_district

        return generate_district(conduits=int(name.split("-")[1]), seed=3)
    return twin.load_network(name)


def oracle(model):
    """The gauges' own future record as every member's forecast rain (the diagnostics'
    oracle, :func:`watch_diagnostics.oracle`)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from watch_diagnostics import oracle as diagnostics_oracle

    return diagnostics_oracle(model)


class Probe:
    """The reference forecasts of every cycle (see the module)."""

    def __init__(self, tw, truth_net, rf_truth, truth, wet, unobserved, pipes=()):
        from twin.ops.members import MemberStates

        self.tw, self.rf = tw, float(rf_truth)
        opts = tw.options
        self.perfect = MemberStates(truth_net, 1, opts, rain_sigma=0.0)
        self.tm = MemberStates(truth_net, tw.members.n, opts, rain_sigma=0.0)
        self.truth = truth
        self.wet, self.unobserved = wet, unobserved
        self.rows = []
        self.factor_rows = []  # the truth-modified pipes' mean factor, every cycle
        self.pipes = np.asarray(pipes, int)  # the truth-modified conduits
        self.arrays = {k: [] for k in ("fc", "fc_rf", "tm", "pm", "truth")}

    def _horizon(self, m, t0):
        """Run ``m`` (already at ``t0``) for the horizon; depth (n_leads, n_members, n_nodes)."""
        from twin.networks.units import FT_TO_M

        tw = self.tw
        f = tw.forecaster
        leads = np.arange(0.0, f.horizon_s + 1e-9, f.lead_step_s)
        depth = np.full((len(leads), m.n, m.n_nodes), np.nan)
        stack = m.batch._stack.arrays["node_state.depth"]
        for k, lead in enumerate(leads):
            t = t0 + lead
            if t > tw.end_s + 1e-6:
                break
            if lead > 0:
                m.advance_until(t)
            depth[k] = stack * FT_TO_M
        return depth

    def __call__(self, tw, fc):
        from twin.ops.forecast import run_members

        t0 = tw.t_s
        f = tw.forecaster
        snaps = tw.members.snapshots()
        times, rates = tw._nowcast
        lrf = np.array([s[1] for s in snaps])
        # fc_rf: the members' model, every rain factor the truth's
        snaps_rf = [(s[0], float(np.log(self.rf)), *s[2:]) for s in snaps]
        leads, d_rf, _, _ = run_members(f.members, snaps_rf, times, rates, t0, f.horizon_s,
                                        f.lead_step_s, f.sample_s, f.manhole)  # fmt: skip
        # the perfect model to now, then the truth's model from the analysed sewer state
        self.perfect.advance_until(t0)
        psnap = self.perfect.snapshots()[0]
        X = tw.members.read()
        n = self.tm.n
        self.tm.restore([(_copy(psnap[0]), 0.0, 0.0, None) for _ in range(n)])
        Xt = np.zeros((n, self.tm.n_state))
        cols = tw.members.n_nodes + tw.members.n_links
        Xt[:, :cols] = X[:, :cols]
        dv = self.tm.write(Xt)
        d_tm = self._horizon(self.tm, t0)
        self.perfect.restore([(_copy(psnap[0]), *psnap[1:])])
        d_pm = self._horizon(self.perfect, t0)
        self.perfect.restore([(_copy(psnap[0]), *psnap[1:])])
        valid = t0 + leads
        ok = valid <= tw.end_s + 1e-6
        tt = (self.truth.time.values - self.truth.time.values[0]) / np.timedelta64(1, "s")
        k_tr = np.array([int(np.argmin(np.abs(tt - v))) for v in valid])
        tr = self.truth.node_depth.values[k_tr]
        tr[~ok] = np.nan
        means = {"fc": fc.node_depth_mean, "fc_rf": d_rf.mean(axis=1),
                 "tm": d_tm.mean(axis=1), "pm": d_pm.mean(axis=1)}  # fmt: skip
        means["fc"] = np.where(ok[:, None], means["fc"], np.nan)
        means["fc_rf"] = np.where(ok[:, None], means["fc_rf"], np.nan)
        row = {"t_min": t0 / 60.0, "leads_min": (leads / 60.0).tolist(),
               "rain_factor_mean": float(np.exp(lrf).mean()),
               "rain_factor_sd": float(np.exp(lrf).std()),
               "tm_write_volume_m3": float(dv.mean()),
               "at_rim_fraction": _at_rim(X[:, : tw.members.n_nodes],
                                          tw.members.rim_depth_m, self.wet)}  # fmt: skip
        for name, d in means.items():
            for where, nodes in (("wet", self.wet), ("unobserved", self.unobserved)):
                e = d[:, nodes] - tr[:, nodes]
                row[f"{name}_rmse_{where}"] = [_rms(x) for x in e]
                row[f"{name}_bias_{where}"] = [_mean(x) for x in e]
            self.arrays[name].append(d)
        self.arrays["truth"].append(tr)
        self.rows.append(row)
        c = tw.members.conduits
        if c is not None:
            f = np.exp(c.log_factor)
            self.factor_rows.append({"t_min": t0 / 60.0,
                                     "mean": f[:, self.pipes].mean(axis=0).tolist(),
                                     "others_median": float(np.median(
                                         f.mean(axis=0)[c.mask])),
                                     "rain_factor_mean": row["rain_factor_mean"]})  # fmt: skip


def _settings(a):
    """FilterSettings keywords from the flags (``--set name=value``: numbers, booleans,
    strings)."""
    fs = {}
    if a.forecast_factor:
        fs["forecast_factor"] = a.forecast_factor
    if a.conduits:
        fs["estimate_conduits"] = True
    for kv in a.set or []:
        k, v = kv.split("=", 1)
        if v in ("True", "False", "true", "false"):
            fs[k] = v.lower() == "true"
        else:
            try:
                fs[k] = float(v)
            except ValueError:
                fs[k] = v
    return fs


def conduit_report(net, c, seed):
    """The learnt factors on Manning's n at the end: the truth-modified pipes (their
    ensemble mean, spread) and the distribution of the other conduits' means."""
    from twin.validation import twin_experiment as E

    rough, blocked = E.truth_pipes(net, seed=seed)
    f = np.exp(c.log_factor)
    mean = f.mean(axis=0)
    sd = f.std(axis=0, ddof=1)
    names = [str(x) for x in net.links.name]

    def one(j, kind):
        return {"link": names[j], "kind": kind, "factor_mean": float(mean[j]),
                "factor_sd": float(sd[j])}  # fmt: skip

    mod = set(rough.tolist()) | set(blocked.tolist())
    others = np.array([j for j in np.flatnonzero(c.mask) if j not in mod], int)
    lo = np.log(mean[others])
    return {"truth_pipes": [one(j, "rough x1.6") for j in rough]
            + [one(j, "half blocked") for j in blocked],
            "others": {"n": int(len(others)),
                       "quantiles_5_25_50_75_95": np.quantile(
                           mean[others], [0.05, 0.25, 0.5, 0.75, 0.95]).tolist(),
                       "mean_log": float(lo.mean()), "sd_log": float(lo.std()),
                       "max": float(mean[others].max()), "min": float(mean[others].min()),
                       "max_link": names[int(others[np.argmax(mean[others])])],
                       "min_link": names[int(others[np.argmin(mean[others])])]},
            "all_mean_log": float(np.log(mean[c.mask]).mean())}  # fmt: skip


def _at_rim(depth, rim, nodes):
    """The fraction of the members' wet manholes within 1 mm of the rim."""
    return float((depth >= rim - 1e-3)[:, nodes].mean())


def _copy(snap):
    tree, arrays = snap
    return tree, {k: np.array(v, copy=True) for k, v in arrays.items()}


def _clean(v):
    """NaN and infinities as null (JSON)."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _rms(x):
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x**2))) if len(x) else None


def _mean(x):
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if len(x) else None


def pooled(rows, name, where, lead_min):
    """RMSE over the cycles at ``lead_min`` (the cycles' squared errors pooled)."""
    out = []
    for r in rows:
        k = r["leads_min"].index(lead_min)
        v = r[f"{name}_rmse_{where}"][k]
        if v is not None:
            out.append(v**2)
    return float(np.sqrt(np.mean(out))) if out else None


def run(a):
    from twin.bench.report import source_commit
    from twin.ops.enkf import FilterSettings
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    net = network(a.network)
    rf = 1.2 + 0.1 * (a.seed % 3) if a.rain_factor is None else a.rain_factor
    ex = E.experiment(net, 6, seed=a.seed, rain_factor=rf)
    truth, nodes, sensors = ex.truth, ex.sensor_nodes, ex.sensors
    wet = E.wet_manholes(net, truth)
    unobserved = E.wet_manholes(net, truth, nodes)
    kw = {}
    if a.rain == "oracle":
        kw["nowcast"] = oracle(net)
    fs = _settings(a)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        c0 = time.process_time()
        tw = Twin(net, sensors, d, assimilation=a.method, members=a.members, seed=a.twin_seed,
                  end_hours=a.end_hours, filter_settings=FilterSettings(**fs), **kw)  # fmt: skip
        probe = None
        if a.probe:
            from twin.scenarios.modify import copy_network  # noqa: F401

            probe = Probe(tw, E.make_truth_network(net, rf, seed=a.seed), rf, truth, wet,
                          unobserved, np.concatenate(E.truth_pipes(net, seed=a.seed)))  # fmt: skip
            own = tw.forecast

            def forecast():
                fc = own()
                probe(tw, fc)
                return fc

            tw.forecast = forecast
        tw.ingest(ex.rows(), "watch-lead")
        cycles = tw.run()
        out = {"network": a.network, "seed": a.seed, "twin_seed": a.twin_seed,
               "method": a.method, "rain": a.rain,
               "members": a.members, "end_hours": a.end_hours, "rain_factor_truth": rf,
               "forecast_factor": a.forecast_factor or "member", "cycles": cycles,
               "conduits_estimated": bool(a.conduits),
               "wall_s": round(time.perf_counter() - t0, 1),
               "cpu_s": round(time.process_time() - c0, 1)}  # fmt: skip
        an = xr.open_dataset(Path(d) / "analysis.nc").load()
        fc = xr.open_dataset(Path(d) / "forecasts.nc").load()
        skill = E.depth_skill(net, ex, an, fc)
        out |= skill
        path = Path(d) / "warnings.jsonl"
        msgs = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
        out |= E.warning_scores(
            msgs,
            E.truth_floods(net, truth),
            tw.horizon_s / 60.0,
            flooding=E.truth_flood_times(net, truth),
        )
        out["rain_factor_final"] = float(np.exp(tw.members.log_rain_factor).mean())
        ok = np.isfinite(an.sensor_observed.values)
        inn = np.where(ok, an.sensor_observed.values - an.sensor_analysed.values, np.nan)
        rms = np.sqrt(np.nanmean(inn**2, axis=0))
        out["sensors"] = {"node": [str(net.nodes.name[i]) for i in nodes],
                          "qc_flag_fraction": an.sensor_qc_flag.values.mean(axis=0).tolist(),
                          "obs_minus_analysis_rms_m": rms.tolist()}  # fmt: skip
        out["filter_settings"] = fs
        if tw.members.conduits is not None:
            out["conduits"] = conduit_report(net, tw.members.conduits, a.seed)
            if probe is not None:
                out["conduits"]["truth_pipes_by_cycle"] = probe.factor_rows
        if probe is not None:
            out["cycles_detail"] = probe.rows
            summ = {}
            for name in ("fc", "fc_rf", "tm", "pm"):
                for where in ("wet", "unobserved"):
                    summ[f"{name}_{where}"] = {
                        str(lead): pooled(probe.rows, name, where, lead)
                        for lead in (0, 10, 20, 30, 40, 50, 60)
                    }
            out["by_lead"] = summ
            if a.keep:
                np.savez_compressed(
                    Path(a.keep) / f"{a.network}-s{a.seed}-{a.method}-{a.rain}.npz",
                    **{k: np.array(v) for k, v in probe.arrays.items()},
                    wet=wet,
                    unobserved=unobserved,
                )
    out["load_average"] = os.getloadavg()[0]
    out["commit"] = source_commit()
    out["note"] = a.note
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rain-factor", type=float,
                    help="the truth's (default 1.2 + 0.1 (seed mod 3))")  # fmt: skip
    ap.add_argument("--twin-seed", type=int, default=2, help="the members' seed (diagnostics: 2)")
    ap.add_argument("--method", default="enkf", choices=("enkf", "none"))
    ap.add_argument("--rain", default="oracle", choices=("oracle", "gauge"))
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument("--forecast-factor", help="FilterSettings.forecast_factor")
    ap.add_argument("--conduits", action="store_true",
                    help="FilterSettings(estimate_conduits=True): learn the pipes")  # fmt: skip
    ap.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help="any other FilterSettings field (repeatable)")  # fmt: skip
    ap.add_argument("--probe", action="store_true", help="the reference forecasts")
    ap.add_argument("--keep", help="folder for the forecasts' arrays (npz)")
    ap.add_argument("--note", default="")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    out = run(a)
    brief = {k: v for k, v in out.items() if k != "cycles_detail"}
    print(json.dumps(brief), flush=True)
    path = Path(a.o)
    old = json.loads(path.read_text()) if path.exists() else {"runs": []}
    old["runs"].append(out)
    path.write_text(json.dumps(_clean(old), indent=1, allow_nan=False))


if __name__ == "__main__":
    main()
