"""The trivial rule as a reference: warn every manhole once at the first cycle (00:10);
its POD / FAR / median lead by warning_scores (as issue 17 asks), from the kept truths."""

import glob
import json
import sys
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from watch_twin import network

from twin.validation import twin_experiment as E

out = {}
for d in sorted(glob.glob(sys.argv[1])):
    d = Path(d)
    if "-none-" in d.name:
        continue
    name = "district-100" if d.name.startswith("district-100") else "small"
    net = network(name)
    with xr.open_dataset(d / "truth.nc") as tr:
        tr = tr.load()
    fl = E.truth_floods(net, tr)
    ft = E.truth_flood_times(net, tr)
    manholes = [
        str(n) for n, k in zip(net.nodes.name, np.asarray(net.nodes.kind), strict=True) if k == 0
    ]
    msgs = [
        {"kind": "manhole_overflow", "status": "new", "node": n, "issued": "2024-07-15T00:10:00Z"}
        for n in manholes
    ]
    s = E.warning_scores(msgs, fl, 120.0, ft)
    print(
        d.name[:60],
        len(manholes),
        {k: (round(v, 2) if isinstance(v, float) else v) for k, v in s.items()},
    )
    out[d.name] = s
if len(sys.argv) > 2:
    Path(sys.argv[2]).write_text(json.dumps(out, indent=1))
