"""Joint state-parameter estimation against an independent SWMM truth: does learning a
conveyance factor per conduit improve the analysis and the 30/60-minute forecasts, and
do the learnt factors point at the truth's rough and blocked pipes?

Truth and sensors as in ``benchmarks/watch_twin.py`` (EPA SWMM 5.2, ``1.2 + 0.1 (seed
mod 3)`` times the gauge's rain, four pipes 60 % rougher, two half blocked, six depth
sensors with 1 cm noise).  Per network, seed and forecast rain (``oracle``: the gauges'
own future record, which isolates what the state and parameters carry; ``nowcast``:
the twin's decaying gauge persistence), three runs of the same 16 members:

- ``none``: open loop (no updates);
- ``enkf``: the state filter (heads, flows, rain factor; the members' roughness
  perturbation, spread 0.2, fixed model error);
- ``enkf+conduits``: the same filter also estimating each conduit's log factor on
  Manning's n (prior spread ``--prior``, floor ``--min-sd``).

    python benchmarks/watch_conduits.py [--networks small,district-100] [--seeds 1,2]
        [--rain oracle,nowcast] [--prior 0.2] [--min-sd 0.05] [--jobs 2] [-o OUT]

Each run is appended to the JSON as it finishes, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
OUT = Path(__file__).parent / "results" / "watch-conduits.json"


def one(net_name, seed, rain, method, prior, min_sd, end_hours, centred=False):
    from watch_diagnostics import oracle
    from watch_twin import network

    from twin.ops.enkf import FilterSettings
    from twin.validation import twin_experiment as E

    model = network(net_name)
    rf = 1.2 + 0.1 * (seed % 3)
    ex = E.experiment(model, 6, seed=seed, rain_factor=rf)
    rough, blocked = E.truth_pipes(model, seed=seed)
    est = method == "enkf+conduits"
    fs = FilterSettings(estimate_conduits=est, roughness_sigma=prior if est else 0.2,
                        conduit_min_sd=min_sd, conduit_centred=centred)  # fmt: skip
    extra = {"nowcast": oracle(model)} if rain == "oracle" else {}
    tw, an, fc, wall = E.run_watch(model, ex, members=16, seed=seed, end_hours=end_hours,
                                   assimilation=method.split("+")[0], filter_settings=fs,
                                   **extra)  # fmt: skip
    out = {
        "network": net_name,
        "seed": seed,
        "rain": rain,
        "method": method,
        "prior": prior if est else None,
        "min_sd": min_sd if est else None,
        "centred": centred if est else None,
        "wall_s": round(wall, 1),
        "rain_factor_truth": rf,
        "rain_factor_final": float(np.exp(tw.members.log_rain_factor).mean()),
        **E.depth_skill(model, ex, an, fc),
        "load_average": os.getloadavg()[0],
    }
    if est:
        out.update(factor_scores(model, an, rough, blocked, ex.sensor_nodes, tw.settings.radius))
    return out


def factor_scores(model, an, rough, blocked, sensor_nodes, radius) -> dict:
    """Where the learnt factors (last analysis sample) point: the truth's rough and
    blocked pipes against the other conduits within the sensors' reach."""
    from twin.ops.localize import GraphDistance

    f = an.link_roughness_factor.values[-1]
    sd = an.link_roughness_factor_sd.values[-1]
    names = [str(x) for x in an.link.values]
    _, dl = GraphDistance.of_network(model, "links").from_nodes(sensor_nodes, radius)
    reach = np.isfinite(f) & (dl.min(axis=0) < radius)
    wrong = np.zeros(len(f), bool)
    wrong[list(rough) + list(blocked)] = True
    others = reach & ~wrong
    order = np.argsort(np.where(reach, -f, np.inf))
    top = order[: int(wrong.sum())]
    return {
        "factor_rough": {names[j]: [round(float(f[j]), 3), round(float(sd[j]), 3)] for j in rough},
        "factor_blocked": {
            names[j]: [round(float(f[j]), 3), round(float(sd[j]), 3)] for j in blocked
        },  # fmt: skip
        "factor_others_median": float(np.nanmedian(f[others])),
        "factor_others_p90": float(np.nanpercentile(f[others], 90)),
        "wrong_pipes_in_reach": int((wrong & reach).sum()),
        "top_factors": {names[j]: round(float(f[j]), 3) for j in top},
        "top_hits": int(wrong[top].sum()),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--rain", default="oracle,nowcast")
    ap.add_argument("--methods", default="none,enkf,enkf+conduits")
    ap.add_argument("--prior", default="0.2", help="prior spreads to run (comma-separated)")
    ap.add_argument("--min-sd", type=float, default=0.05)
    ap.add_argument("--centred", action="store_true", help="conduit_centred factors")
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    runs = []
    for seed in map(int, a.seeds.split(",")):
        for net in a.networks.split(","):
            for rain in a.rain.split(","):
                for m in a.methods.split(","):
                    for p in map(float, a.prior.split(",")) if m == "enkf+conduits" else [0.2]:
                        runs.append((net, seed, rain, m, p, a.min_sd, a.end_hours, a.centred))
    path = Path(a.o)
    rows = json.loads(path.read_text())["runs"] if path.exists() else []
    with ProcessPoolExecutor(a.jobs) as pool:
        futs = [pool.submit(one, *r) for r in runs]
        for fut in as_completed(futs):
            rows.append(fut.result())
            print(json.dumps(rows[-1]), flush=True)
            path.write_text(json.dumps({"settings": vars(a), "runs": rows}, indent=1))


if __name__ == "__main__":
    main()
