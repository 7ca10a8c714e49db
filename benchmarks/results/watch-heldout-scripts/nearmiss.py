"""False warnings of kept radar runs: how close the truth came to the rim at the
warned manhole."""

import json
import sys
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, "/work/wt/watch-heldout/benchmarks")
from watch_twin import network

from twin.validation import twin_experiment as E

for d in sys.argv[1:]:
    d = Path(d)
    net_name = "district-100" if d.name.startswith("district") else "small"
    net = network(net_name)
    tr = xr.open_dataset(d / "truth.nc").load()
    floods = E.truth_floods(net, tr)
    msgs = [json.loads(x) for x in (d / "warnings.jsonl").read_text().splitlines()]
    new = [m for m in msgs if m["kind"] == "manhole_overflow" and m["status"] == "new"]
    names = list(tr.node.values)
    full = np.asarray(net.nodes.max_depth_m, float)
    dmax = tr.node_depth.max("time").values
    false_nodes = [m["node"] for m in new if m["node"] not in floods]
    fr = [
        dmax[names.index(n)] / full[names.index(n)] for n in false_nodes if full[names.index(n)] > 0
    ]
    print(
        d.name,
        "floods",
        len(floods),
        "new",
        len(new),
        "to non-flooding manholes",
        len(false_nodes),
        "distinct",
        len(set(false_nodes)),
        f"truth max depth / full depth there: median {np.median(fr):.2f}, "
        f">=0.9: {sum(f >= 0.9 for f in fr)}, >=0.75: {sum(f >= 0.75 for f in fr)}"
        if fr
        else "",
    )
