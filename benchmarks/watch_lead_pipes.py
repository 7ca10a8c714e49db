"""What the pipes the twin does not know cost with perfect rain and state (issue 17): the
engine on the twin's network with the truth's rain (the designed pipes) and on the
truth's network (four pipes 60 % rougher, two half blocked), both run from the start
without updates, against EPA SWMM on the truth's network; RMSE at the wet manholes every
10 minutes of 3 h.

    python benchmarks/watch_lead_pipes.py benchmarks/results/watch-lead-pipes.json
"""

import json
import sys
from pathlib import Path

import numpy as np

from twin.engine.simulation import Simulation
from twin.scenarios.modify import copy_network, scale_rainfall
from twin.validation import twin_experiment as E

sys.path.insert(0, str(Path(__file__).parent))
from watch_lead import network  # noqa: E402

out = []
for name, seed in [
    ("small", 1),
    ("small", 2),
    ("small", 3),
    ("district-100", 1),
    ("district-100", 2),
]:
    net = network(name)
    rf = 1.2 + 0.1 * (seed % 3)
    ex = E.experiment(net, 6, seed=seed, rain_factor=rf)
    wet = E.wet_manholes(net, ex.truth)
    tt = (ex.truth.time.values - ex.truth.time.values[0]) / np.timedelta64(1, "s")
    row = {"network": name, "seed": seed}
    for label, model in (
        ("nominal_pipes", scale_rainfall(copy_network(net), rf)),
        ("truth_pipes", E.make_truth_network(net, rf, seed=seed)),
    ):
        sim = Simulation(model, report_step_s=86400.0, end_hours=3.0)
        err = []
        for t in np.arange(600.0, 3 * 3600.0 + 1, 600.0):
            sim.step_advance(t - sim.t_s)
            d = np.array([sim.nodes[i].depth for i in wet])
            k = int(np.argmin(np.abs(tt - t)))
            err.append(d - ex.truth.node_depth.values[k, wet])
        err = np.array(err)
        row[label + "_rmse"] = float(np.sqrt(np.mean(err**2)))
        row[label + "_rmse_by_10min"] = [float(np.sqrt(np.mean(e**2))) for e in err]
        row[label + "_bias"] = float(err.mean())
    print(json.dumps({k: v for k, v in row.items() if "by_10" not in k}), flush=True)
    out.append(row)
json.dump({"runs": out}, open(sys.argv[1], "w"), indent=1)
