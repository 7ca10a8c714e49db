"""The truth's flood onsets (10/50/90 % quantiles, minutes) and the cycles at which the
kept runs first warned each manhole: python onsets.py "KEEP/*rp30*"."""

import glob
import json
import sys
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from watch_twin import network

from twin.validation import twin_experiment as E

for d in sorted(glob.glob(sys.argv[1])):
    d = Path(d)
    name = "district-100" if d.name.startswith("district-100") else "small"
    with xr.open_dataset(d / "truth.nc") as tr:
        fl = E.truth_floods(network(name), tr.load())
    t0 = np.datetime64("2024-07-15T00:00:00")
    on = np.array(
        sorted((np.datetime64(v, "s") - t0) / np.timedelta64(60, "s") for v in fl.values())
    )
    msgs = [json.loads(x) for x in (d / "warnings.jsonl").read_text().splitlines()]
    first = {}
    for m in msgs:
        if m["kind"] == "manhole_overflow" and m["status"] == "new":
            first.setdefault(
                m["node"], (np.datetime64(m["issued"][:-1], "s") - t0) / np.timedelta64(60, "s")
            )
    w = np.array(sorted(first.values()))
    print(
        d.name[:40],
        len(on),
        "onset min: q10/50/90",
        np.percentile(on, [10, 50, 90]).round(1) if len(on) else "-",
        "first warnings issued at (min):",
        np.unique(w, return_counts=True),
    )
