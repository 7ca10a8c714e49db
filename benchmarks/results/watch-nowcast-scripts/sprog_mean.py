import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import watch_nowcast_error as W

import twin.ops.nowcast as N

W.VARIANTS["sprog-pairs5"] = (
    "storm",
    "radar",
    "flow",
    {"gauge_adjusted": True, "mean": "sprog", "motion_pairs": 5},
)
out = {}
for match in ("cdf", "mean"):
    N.SPROG_MATCHING = match
    for seed in (1, 2):
        r = W.case("small", seed, ["sprog-pairs5"])
        s = r["variants"]["sprog-pairs5"]["summary"]
        out[f"{match}-s{seed}"] = {
            k: s[k]
            for k in (
                "all_crps_30",
                "all_mae_30",
                "after_peak_max_ratio_30",
                "all_mae_10",
                "all_mae_60",
            )
        }
print(json.dumps(out, indent=0))
