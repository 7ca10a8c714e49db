"""Sensor placement from the twin's prior against the benchmark's truth-based choice and
random wet manholes: the same twin experiment, three ways of choosing its six sensors.

Truth and scores as in ``benchmarks/watch_twin.py`` (:mod:`twin.validation.twin_experiment`:
EPA SWMM 5.2 on the network with ``1.2 + 0.1 * (seed % 3)`` times the gauge rain, four
pipes 60 % rougher and two half blocked, chosen by the seed; 1 cm sensor noise).  The
sensor sets, all of ``--count`` depth sensors:

- ``truth``: :func:`~twin.validation.twin_experiment.choose_sensor_nodes` (manholes the
  TRUTH wets, farthest-first from a random start): what the benchmarks use; a city
  cannot, it reads the truth;
- ``placed``: :func:`twin.ops.placement.place_sensors` with ``criterion="total"`` (the
  greedy variance criterion) on the twin's own prior (``--place-members`` members,
  ``--place-seed``; no truth);
- ``local``, ``spread`` (``--criteria``): ``place_sensors`` with that criterion;
- ``random-R``: ``count`` manholes drawn among those the prior's mean wets (no truth),
  ``--random`` draws per case.

Each set runs the twin (EnKF, ``--members``, the case's seed) with the forecast rain
the gauges' own future record (``oracle``) and/or the decaying persistence nowcast
(``gauge``).  Scores [m]: analysis RMSE at the wet manholes no sensor of the set
observes (``analysis_rmse_unobserved``) and at all wet manholes (``analysis_rmse_all``,
the fair one: the unobserved manholes differ between sets), forecast RMSE at 30 and 60
minutes at all wet and at the unobserved wet manholes; also the fraction of the prior
depth variance each set explains (the placement's own criterion).

    python benchmarks/watch_place.py --cases small:1,small:2 [--rains oracle,gauge]
        [--gauge-sets truth,placed] [--random 2] [--members 16] [--end-hours 3] [--jobs 1]
        -o results/x.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

OUT = Path(__file__).parent / "results" / "watch-place.json"


def network(name):
    import twin

    if name.startswith("district-"):
        from twin.networks import generate_district

        return generate_district(conduits=int(name.split("-")[1]), seed=3)
    return twin.load_network(name)


@lru_cache(maxsize=4)
def prior(net_name, members, seed, end_hours):
    from twin.ops.placement import prior_depths

    return prior_depths(network(net_name), members, seed, end_hours=end_hours)


def sensor_sets(net_name, seed, count, n_random, place_members, place_seed, end_hours, criteria=()):
    """``{name: node positions}`` and ``{name: explained prior variance fraction}``."""
    from twin.ops.placement import explained_variance, place_sensors, random_wet_nodes
    from twin.validation import twin_experiment as E

    model = network(net_name)
    pr = prior(net_name, place_members, place_seed, end_hours)
    truth = E.run_truth(E.make_truth_network(model, 1.2 + 0.1 * (seed % 3), seed=seed), 60)
    sets = {"truth": E.choose_sensor_nodes(model, truth, count, seed=seed)}
    c0 = time.process_time()
    # the greedy variance criterion (the default until spread measured better)
    sets["placed"] = place_sensors(model, count, prior=pr, criterion="total").nodes
    place_cpu = time.process_time() - c0
    for crit in criteria:
        sets[crit] = place_sensors(model, count, prior=pr, criterion=crit).nodes
    for r in range(n_random):
        sets[f"random-{r}"] = random_wet_nodes(pr, count, seed=1000 * seed + r)
    explained = {k: explained_variance(model, pr, v) for k, v in sets.items()}
    return model, truth, sets, explained, place_cpu


def one(net_name, seed, set_name, nodes, rain, members, end_hours):
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    model = network(net_name)
    rf = 1.2 + 0.1 * (seed % 3)
    truth = E.run_truth(E.make_truth_network(model, rf, seed=seed), 60)
    nodes = np.asarray(nodes, np.int64)
    sensors = E.sensor_set(model, nodes, 0.01)
    t, y, _ = E.readings(truth, nodes, 0.01, seed=seed)
    kw = {}
    if rain == "oracle":
        import sys

        sys.path.insert(0, str(Path(__file__).parent))
        from watch_diagnostics import oracle

        kw["nowcast"] = oracle(model)
    with tempfile.TemporaryDirectory() as outdir:
        c0 = time.process_time()
        tw = Twin(model, sensors, outdir, members=members, seed=seed, end_hours=end_hours, **kw)
        tw.ingest(E.rows_of(t, y, sensors), "benchmark")
        tw.run()
        cpu = time.process_time() - c0
        an = xr.open_dataset(Path(outdir) / "analysis.nc").load()
        fc = xr.open_dataset(Path(outdir) / "forecasts.nc").load()
    wet = E.wet_manholes(model, truth)
    unobs = E.wet_manholes(model, truth, nodes)
    until = an.time.values[-1]
    out = {
        "network": net_name,
        "seed": seed,
        "set": set_name,
        "rain": rain,
        "nodes": [str(model.nodes.name[i]) for i in nodes],
        "nodes_wet_in_truth": int(np.isin(nodes, wet).sum()),
        "members": members,
        "cpu_s": round(cpu, 1),
        "rain_factor_truth": rf,
        "rain_factor_final": float(np.exp(tw.members.log_rain_factor).mean()),
        "analysis_rmse_unobserved": E.analysis_rmse(an, truth, unobs),
        "analysis_rmse_all": E.analysis_rmse(an, truth, wet),
        "load_average": os.getloadavg()[0],
    }
    # the analysed mean rain factor every cycle (a runaway shows here) and the 60-minute
    # forecast's RMSE at the wet manholes issued each cycle (nan: valid past the run)
    out["rain_factor_by_cycle"] = [round(float(np.exp(x)), 3) for x, _ in tw._factor_history]
    lead = np.timedelta64(3600, "s")
    k = int(np.argmin(np.abs(fc.lead.values - lead)))
    by_cycle = []
    for c in range(len(fc.cycle)):
        valid = fc.cycle.values[c] + fc.lead.values[k]
        if valid > until or valid > truth.time.values[-1]:
            by_cycle.append(None)
            continue
        tr = truth.node_depth.sel(time=valid, method="nearest").values[wet]
        by_cycle.append(round(E.depth_rmse(fc.node_depth_mean.values[c, k][wet], tr), 4))
    out["forecast_rmse_60_all_by_cycle"] = by_cycle
    for lead in (30, 60):
        out[f"forecast_rmse_{lead}_all"] = E.forecast_rmse(fc, truth, wet, lead, until)
        out[f"forecast_rmse_{lead}_unobserved"] = E.forecast_rmse(fc, truth, unobs, lead, until)
    return out


SCORES = (
    "analysis_rmse_unobserved",
    "analysis_rmse_all",
    "forecast_rmse_30_all",
    "forecast_rmse_60_all",
    "forecast_rmse_30_unobserved",
    "forecast_rmse_60_unobserved",
)


def summary(rows):
    """Per rain: each set kind's scores averaged over the cases, and the placed set's
    change against the truth-based one and against the random sets' mean, per case."""
    out = {}
    for rain in sorted({r["rain"] for r in rows}):
        rr = [r for r in rows if r["rain"] == rain]
        cases = sorted({(r["network"], r["seed"]) for r in rr})
        per_case = []
        for net, seed in cases:
            c = {r["set"]: r for r in rr if (r["network"], r["seed"]) == (net, seed)}
            row = {"network": net, "seed": seed}
            rnd = [v for k, v in c.items() if k.startswith("random")]
            for s in SCORES:
                if "placed" in c:
                    row[f"{s}_placed"] = round(c["placed"][s], 4)
                if "truth" in c:
                    row[f"{s}_truth"] = round(c["truth"][s], 4)
                if rnd:
                    row[f"{s}_random_mean"] = round(float(np.mean([v[s] for v in rnd])), 4)
            per_case.append(row)
        out[rain] = per_case
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="small:1,small:2")
    ap.add_argument("--rains", default="oracle,gauge")
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--random", type=int, default=2)
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--place-members", type=int, default=16)
    ap.add_argument("--place-seed", type=int, default=0)
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument(
        "--criteria",
        default="",
        help="other place_sensors criteria as sets of their own (local,spread)",
    )
    ap.add_argument("--sets", default="", help="only these sets (truth,placed,random-0,...)")
    ap.add_argument(
        "--gauge-sets",
        default="truth,placed",
        help="the sets also run with the gauge nowcast (the analysis is the same)",
    )
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    choices, runs = [], []
    for case in a.cases.split(","):
        net_name, seed = case.split(":")
        c0 = time.process_time()
        model, _, sets, explained, place_cpu = sensor_sets(
            net_name,
            int(seed),
            a.count,
            a.random,
            a.place_members,
            a.place_seed,
            a.end_hours,
            [c for c in a.criteria.split(",") if c],
        )
        choices.append({
            "network": net_name, "seed": int(seed),
            "sets": {k: [str(model.nodes.name[i]) for i in v] for k, v in sets.items()},
            "explained_prior_variance": {k: round(v, 4) for k, v in explained.items()},
            "place_cpu_s": round(place_cpu, 2),
            "choose_cpu_s_incl_prior_and_truth": round(time.process_time() - c0, 1),
        })  # fmt: skip
        print(choices[-1], flush=True)
        keep = set(a.sets.split(",")) if a.sets else None
        gauge_sets = set(a.gauge_sets.split(","))
        for rain in a.rains.split(","):
            for name, nodes in sets.items():
                if (keep is None or name in keep) and (rain != "gauge" or name in gauge_sets):
                    runs.append((net_name, int(seed), name, nodes.tolist(), rain, a.members,
                                 a.end_hours))  # fmt: skip

    # the most telling runs first over all cases (a run cut short by the deadline costs
    # the least): the oracle runs of truth, placed and the first random set, then the
    # gauge nowcast, then the other random sets
    def phase(r):
        if r[4] == "gauge":
            return 1
        return 0 if r[2] in ("truth", "placed", "random-0") else 2

    runs.sort(key=phase)
    rows = []
    import multiprocessing

    # spawn: the parent already ran numba's OpenMP threads (a fork would abort)
    with ProcessPoolExecutor(a.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futs = [pool.submit(one, *r) for r in runs]
        for f in as_completed(futs):
            rows.append(f.result())
            print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rows[-1].items()},
                  flush=True)  # fmt: skip
            result = {"settings": vars(a), "choices": choices, "runs": rows,
                      "summary": summary(rows)}  # fmt: skip
            Path(a.o).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
