"""Can depth sensors see the truth's pipes at all (issue 17)?  EPA SWMM runs of the
twin experiment's truth with one changed pipe at a time.

The truth of :func:`twin.validation.twin_experiment.make_truth_network` is the designed
network with more rain, four pipes rougher (n x 1.6) and two half blocked.  Here SWMM
runs the designed network with the truth's rain (the reference), the full truth, and the
reference with each of the six pipes changed alone (and, for a blocked pipe, with its n
times ``--n-equiv`` instead of the blockage).  For each: the RMS over the first
``--hours`` of the depth change against the reference at the six sensors (the largest
sensor) and at the unobserved wet manholes (pooled), in m: what a pipe costs where the
forecast is scored against what the filter can see of it.  Last, the pipes that move a
sensor by more than ``--visible-m`` (twice the sensors' 1 cm noise) taken as learnt
exactly: the error left against the truth (the designed network's beside it).  Results
appended to ``-o``::

    python benchmarks/watch_pipes_reach.py --network small --seed 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_lead import network  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-pipes-reach.json"


def run(a):
    from twin.bench.report import source_commit
    from twin.ops.localize import GraphDistance
    from twin.scenarios.modify import block_links, copy_network, scale_rainfall
    from twin.validation import twin_experiment as E

    net = network(a.network)
    rf = 1.2 + 0.1 * (a.seed % 3)
    ex = E.experiment(net, 6, seed=a.seed, rain_factor=rf)
    sensors = np.asarray(ex.sensor_nodes)
    unobs = E.wet_manholes(net, ex.truth, sensors)
    rough, blocked = E.truth_pipes(net, seed=a.seed)
    names = [str(x) for x in net.links.name]
    ref_net = scale_rainfall(copy_network(net), rf)
    ref = E.run_truth(ref_net)
    t = (ref.time.values - ref.time.values[0]) / np.timedelta64(1, "s")
    keep = t <= a.hours * 3600.0
    d0 = ref.node_depth.values[keep]
    dist = GraphDistance.of_network(net, "links")
    _, dl = dist.from_nodes(sensors, limit=1e9)
    _, fl = dist.along_flow_from_nodes(sensors, limit=1e9)

    def score(n, base=None):
        d = E.run_truth(n).node_depth.values[keep] - (d0 if base is None else base)
        rms = np.sqrt(np.mean(d**2, axis=0))
        return {"sensor_max_rms_m": float(rms[sensors].max()),
                "sensor_rms_m": float(np.sqrt(np.mean(d[:, sensors] ** 2))),
                "unobserved_wet_rms_m": float(np.sqrt(np.mean(d[:, unobs] ** 2))),
                "unobserved_wet_max_rms_m": float(rms[unobs].max())}  # fmt: skip

    truth_net = E.make_truth_network(net, rf, seed=a.seed)
    rows = [{"change": "the full truth (all six)"} | score(truth_net)]
    visible = []
    for j, kind in [(j, "rough") for j in rough] + [(j, "blocked") for j in blocked]:
        n = copy_network(ref_net)
        if kind == "rough":
            n.links.roughness[j] *= 1.6
        else:
            n = block_links(n, {names[j]: 0.5})
        row = {"change": f"{names[j]} {kind}", "link": names[j],
               "hops_to_nearest_sensor": float(dl[:, j].min()),
               "hops_along_flow_path": float(fl[:, j].min())} | score(n)  # fmt: skip
        rows.append(row)
        if row["sensor_max_rms_m"] > a.visible_m:
            visible.append((j, kind))
        if kind == "blocked":
            n = copy_network(ref_net)
            n.links.roughness[j] *= a.n_equiv
            rows.append({"change": f"{names[j]} n x {a.n_equiv}", "link": names[j]} | score(n))
    # the visible pipes learnt exactly: what the others still cost, against the truth
    n = copy_network(ref_net)
    for j, kind in visible:
        if kind == "rough":
            n.links.roughness[j] *= 1.6
        else:
            n = block_links(n, {names[j]: 0.5})
    d_truth = E.run_truth(truth_net).node_depth.values[keep]
    rows.append({"change": "the visible pipes learnt: error against the truth",
                 "visible": [names[j] for j, _ in visible]} | score(n, d_truth))  # fmt: skip
    rows.append({"change": "the designed pipes: error against the truth"} | score(ref_net, d_truth))
    return {"network": a.network, "seed": a.seed, "rain_factor_truth": rf, "hours": a.hours,
            "visible_threshold_m": a.visible_m,
            "sensors": [str(net.nodes.name[i]) for i in sensors],
            "n_unobserved_wet": int(len(unobs)), "rows": rows,
            "load_average": os.getloadavg()[0], "commit": source_commit()}  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--n-equiv", type=float, default=2.78,
                    help="n factor of a half-blocked circular pipe at full flow")  # fmt: skip
    ap.add_argument("--visible-m", type=float, default=0.02,
                    help="a pipe is visible when it moves a sensor by more (RMS, m)")  # fmt: skip
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    out = run(a)
    for r in out["rows"]:
        print(json.dumps(r))
    path = Path(a.o)
    old = json.loads(path.read_text()) if path.exists() else {"runs": []}
    old["runs"].append(out)
    path.write_text(json.dumps(old, indent=1))


if __name__ == "__main__":
    main()
