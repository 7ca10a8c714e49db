"""Members pinned at a bound and the innovation gate (``FilterSettings.gate_censored``),
against an independent truth, written to ``benchmarks/results/watch-gate-<tag>.json``.

The case of ``tests/ops/test_watch_newton.py`` over networks, seeds and solvers: truth =
EPA SWMM 5.2 on the network with 1.3 times the gauge's rain and some pipes rougher or
partly blocked (:mod:`twin.validation.twin_experiment`, seed ``s``), six depth sensors
with 1 cm noise; the twin (8 members, seed ``s + 1``, 20-minute cycles, 150 minutes of
readings, no forecast, QC against its own prior) as open loop, EnKF with the plain gate
and EnKF with the censored gate.  Per update and sensor the trace records the members'
depths at the sensor's node, how many sit at the rim or dry, the normalised innovation
(all members, and off the bound) and whether the reading was used; the score is the
analysis RMSE at unobserved wet manholes.

    python benchmarks/watch_gate.py --cases small:1:newton,small:1:swmm [--members 8]
        [--variants none,gate,censored,pinned-qc,bound2,bound3,shared,...] [--jobs 2] [--trace]
        -o OUT.json
    python benchmarks/watch_gate.py --pinned RESULT.json ...   (the divergence summary)

(``censored`` and the variants before ``shared`` run the filter as it was before the
readings of an update shared one rain-factor increment; ``shared`` / ``default`` the
default since 2026-12-07.)

A case is ``network:seed:solver``, optionally ``:twin_seed`` (default ``seed + 1``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import xarray as xr

#: The filter as before the shared rain-factor increment became the default (2026-12-07,
#: watch-offrim): the variants recorded before then keep their meaning.
OLD = {"param_shared": False}
VARIANTS = {"none": ("none", {}, {}), "gate": ("enkf", {**OLD, "gate_censored": False}, {}),
            "censored": ("enkf", {**OLD, "gate_censored": True}, {}),
            "pinned-qc": ("enkf", {**OLD, "gate_censored": True}, {"pinned_spread": True}),
            # the rain factor's mean bounded to 2 or 3 prior sd (watch-factor, issue 17)
            "bound2": ("enkf", {**OLD, "param_bound_sd": 2.0}, {}),
            "bound3": ("enkf", {**OLD, "param_bound_sd": 3.0}, {}),
            # ... or each observation's whole update scaled so the factor stays inside
            "bound2u": ("enkf", {**OLD, "param_bound_sd": 2.0, "param_bound_in_update": True},
                        {}),
            # ... or its change per update limited to half its prior sd
            "step05": ("enkf", {**OLD, "param_step_sd": 0.5}, {}),
            # ... with the withheld QC ensembles' factor limited too (as before watch-step;
            # differs from step05 only with --withheld)
            "step05w": ("enkf", {**OLD, "param_step_sd": 0.5, "param_step_withheld": True},
                        {}),
            # ... with the way back toward the prior mean not limited (watch-step)
            "step05b": ("enkf", {**OLD, "param_step_sd": 0.5, "param_step_back": True}, {}),
            # what a reading may teach the factor (watch-offrim, twin.ops.rainfactor)
            "offrim": ("enkf", {**OLD, "param_censored": True}, {}),
            "respond": ("enkf", {**OLD, "param_responsive": True}, {}),
            "consensus": ("enkf", {**OLD, "param_consensus": True}, {}),
            "offrim-respond": ("enkf", {**OLD, "param_censored": True, "param_responsive": True},
                               {}),
            "explain": ("enkf", {**OLD, "param_censored": True, "param_responsive": True,
                                 "param_consensus": True}, {}),
            "offrim-consensus": ("enkf", {**OLD, "param_censored": True, "param_consensus": True},
                                 {}),
            "respond-consensus": ("enkf", {**OLD, "param_responsive": True,
                                           "param_consensus": True}, {}),
            "respond-ou60": ("enkf", {**OLD, "param_responsive": True, "param_tau_min": 60.0},
                             {}),
            "explain-ou60": ("enkf", {**OLD, "param_censored": True, "param_responsive": True,
                                      "param_consensus": True, "param_tau_min": 60.0}, {}),
            # the readings of an update share one increment of the factor (the default
            # since 2026-12-07)
            "shared": ("enkf", {"param_shared": True}, {}),
            "default": ("enkf", {}, {}),
            "shared-explain": ("enkf", {"param_shared": True, "param_censored": True,
                                        "param_responsive": True, "param_consensus": True},
                               {}),
            # ... or the factor relaxed toward its prior mean (Ornstein-Uhlenbeck, 60 min)
            "ou60": ("enkf", {**OLD, "param_tau_min": 60.0}, {})}  # fmt: skip


def network(name):
    import twin

    if name.startswith("district-"):
        from twin.networks import generate_district

        return generate_district(conduits=int(name.split("-")[1]), seed=3)
    return twin.load_network(name)


def one(net_name, seed, solver, variant, members=8, minutes=150, trace=False, twin_seed=None,
        withheld=False):  # fmt: skip
    import twin.ops.watch as W
    from twin.ops import enkf as K
    from twin.ops.qc import QCSettings
    from twin.validation import twin_experiment as E

    net = network(net_name)
    twin_seed = seed + 1 if twin_seed is None else twin_seed
    ex = E.experiment(net, 6, seed=seed)
    wet = E.wet_manholes(net, ex.truth, exclude=ex.sensor_nodes)
    method, filt, qc = VARIANTS[variant]
    names = list(net.nodes.name)
    log, now = [], [0.0]
    real = W.enkf_update

    def logged(X, obs, s, use=None, inflation=None):
        prior, cen = X.copy(), K.censored(X, obs)
        _, _, z = K.prior_statistics(X, obs)
        zc = K.gate_z(X, obs, z)
        rep = real(X, obs, s, use, inflation)
        for k, col in enumerate(obs.column):
            d, top = prior[:, col], K.RIM_FRACTION * obs.depth_max[col]
            log.append({"t_s": now[0], "sensor": k, "node": names[col],
                        "depth_max": float(obs.depth_max[col]), "reading": float(obs.value[k]),
                        "members": d.round(3).tolist(), "at_rim": int((d >= top).sum()),
                        "dry": int((d <= K.DRY_DEPTH_M).sum()), "censored": int(cen[:, k].sum()),
                        "z": float(z[k]), "z_off_bound": float(zc[k]), "used": bool(rep.used[k]),
                        "qc_ok": True if use is None else bool(use[k]),
                        "rain_factor": np.exp(prior[:, -1]).round(3).tolist(),
                        "rain_factor_after": np.exp(X[:, -1]).round(3).tolist()})  # fmt: skip
        return rep

    if trace:
        W.enkf_update = logged
    with tempfile.TemporaryDirectory() as outdir:
        tw = W.Twin(net, ex.sensors, outdir, members=members, assimilation=method, cycle_min=20,
                    seed=twin_seed, solver=solver, forecast=False,
                    qc_settings=QCSettings(withheld=withheld, **qc),
                    filter_settings=K.FilterSettings(**filt))  # fmt: skip
        tw.ingest(ex.rows(minutes), "benchmark")
        if trace:
            orig = tw._update

            def upd(X, y, t):
                now[0] = float(t)
                return orig(X, y, t)

            tw._update = upd
        c0 = time.process_time()
        tw.run()
        cpu = time.process_time() - c0
        with xr.open_dataset(Path(outdir) / "analysis.nc") as an:
            rmse = E.analysis_rmse(an, ex.truth, wet)
    W.enkf_update = real
    out = {"network": net_name, "seed": seed, "twin_seed": twin_seed, "solver": solver,
           "variant": variant, "members": members, "qc_withheld": withheld,
           "analysis_rmse": rmse, "cpu_s": round(cpu, 1),
           "load_average": os.getloadavg()[0]}  # fmt: skip
    if trace:
        out["rejected"] = sum(not r["used"] and r["qc_ok"] for r in log)
        out["rejected_pinned"] = sum(not r["used"] and r["qc_ok"] and r["censored"] >= members // 2
                                     for r in log)  # fmt: skip
        out["trace"] = log
    return out


def pinned(paths):
    """Per traced run of the JSON files: the updates at which four or more sensors have
    7 or 8 of 8 members at the rim, the updates with five or more sensors flagged by QC,
    and the members' largest mean rain factor."""
    for path in paths:
        for r in json.loads(Path(path).read_text())["runs"]:
            if "trace" not in r:
                continue
            tr, n = r["trace"], r["members"]
            times = sorted({x["t_s"] for x in tr})
            pin = [t for t in times
                   if sum(x["at_rim"] >= n - 1 for x in tr if x["t_s"] == t) >= 4]  # fmt: skip
            flag = [t for t in times if sum(not x["qc_ok"] for x in tr if x["t_s"] == t) >= 5]
            rf = max((sum(x["rain_factor"]) / n for x in tr if "rain_factor" in x), default=None)
            case = (r["network"], r["seed"], r["solver"], r.get("twin_seed", r["seed"] + 1))
            print(*case, r["variant"], round(r["analysis_rmse"], 4), "pinned updates",
                  len(pin), pin[:1], "QC-flagged updates", len(flag), flag[:1],
                  "rain factor", rf)  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pinned", nargs="+", help="only summarise these traced JSON files")
    ap.add_argument("--cases", default="small:1:newton,small:1:swmm")
    ap.add_argument("--variants", default="none,gate,censored")
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--withheld", action="store_true", help="QC against withheld ensembles")
    ap.add_argument("-o")
    a = ap.parse_args()
    if a.pinned:
        return pinned(a.pinned)
    runs = []
    for c in a.cases.split(","):
        net, seed, solver, *tws = c.split(":")  # an optional 4th field: the twin's seed
        tw = int(tws[0]) if tws else None
        runs += [(net, int(seed), solver, v, a.members, 150, a.trace and v != "none", tw,
                  a.withheld)
                 for v in a.variants.split(",")]  # fmt: skip
    rows = []
    with ProcessPoolExecutor(a.jobs) as pool:
        for f in as_completed([pool.submit(one, *r) for r in runs]):
            rows.append(f.result())
            r = rows[-1]
            print({k: v for k, v in r.items() if k != "trace"}, flush=True)
            summ = {}
            for x in rows:
                key = f"{x['network']}:{x['seed']}:{x['solver']}:{x['twin_seed']}"
                case = summ.setdefault(key, {})
                case[x["variant"]] = round(x["analysis_rmse"], 4)
            for v in summ.values():
                if "none" in v:
                    for m in [x for x in VARIANTS if x != "none"]:
                        if m in v:
                            v[m + "/open"] = round(v[m] / v["none"], 3)
            result = {"settings": vars(a), "summary": summ, "runs": rows}
            Path(a.o).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
