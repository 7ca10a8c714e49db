"""The tuning table of watch_nowcast_error.py's rows (the shipped window bias against the
Kalman variants): per variant the mean over the cases of the 30- and 60-minute town rain's
bias, MAE and CRPS [mm/h] (cycles with rain), after the peak too, and the bias factor at
the peak's cycle.

    python benchmarks/results/watch-mfb-scripts/tune_table.py results/watch-mfb-nowcast-error.json
"""

import json
import sys

import numpy as np

cases = json.load(open(sys.argv[1]))["cases"]
names = sorted({v for c in cases for v in c["variants"]}, key=lambda n: (n != "shipped", n))
cols = ("all_bias_30", "all_mae_30", "all_crps_30", "after_peak_bias_30", "all_bias_60",
        "all_mae_60", "all_crps_60")  # fmt: skip
print("| variant | n | " + " | ".join(cols) + " | per case all_bias_30 |")
print("|---" * (len(cols) + 3) + "|")
for n in names:
    rows = [c for c in cases if n in c["variants"]]
    s = [c["variants"][n]["summary"] for c in rows]
    vals = [float(np.mean([x[k] for x in s])) for k in cols]
    per = " ".join(f"{c['network'][0]}{c['seed']}:{c['variants'][n]['summary']['all_bias_30']:+.1f}"
                   for c in rows)  # fmt: skip
    print(f"| {n} | {len(rows)} | " + " | ".join(f"{v:.2f}" for v in vals) + f" | {per} |")
