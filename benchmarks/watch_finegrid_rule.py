"""The lead's rule for ``--radar-rain auto`` (round 15, issue 17): at the fine grid, the
``subcatchment`` rows of a ``watch_radar.py`` results file against the default (gauge)
rows of the same network, seed and method, paired, over every case; and at the 1-km grid
what ``auto`` chooses on each network (:func:`twin.ops.radar_grid.auto_choice` on the
twin experiment's 1-km radar over it; no run needed: the choice is the grid's).

Met iff, over the cases, the mean analysis RMSE is lower, the mean 30-minute forecast not
higher by more than 2 %, the mean POD (0.5) not lower by more than 0.02, the mean FAR not
higher by more than 0.02, and at 1 km ``auto`` picks ``gauge`` on every network.

    python benchmarks/watch_finegrid_rule.py FILE [--cell-m 250] [--method enkf]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from watch_radargrid_rule import paired_table  # noqa: E402
from watch_twin import network  # noqa: E402


def auto_at(net_name, n_cells, cell_m, seed=1) -> tuple[str, int]:
    """What ``auto`` chooses for ``net_name`` on the twin experiment's radar grid."""
    from twin.engine.options import SimOptions
    from twin.ops.nowcast import RadarRain
    from twin.ops.radar_grid import auto_choice
    from twin.validation.radar_twin import draw, storm_frames

    net = network(net_name)
    frames = storm_frames(net, draw(seed), seed=seed, n_cells=n_cells, cell_m=cell_m,
                          duration_s=900.0)  # fmt: skip
    return auto_choice(RadarRain(frames, net, SimOptions.from_network(net).start))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--cell-m", type=float, default=250.0)
    ap.add_argument("--method", default="enkf")
    a = ap.parse_args()
    rows = [r for r in json.load(open(a.file))["runs"]
            if r["method"] == a.method and r.get("cell_m") == a.cell_m]  # fmt: skip
    cases, d, o, md, mo = paired_table(rows, "subcatchment", f"at {a.cell_m:g} m")
    nets = sorted({c[0] for c in cases})
    coarse = {n: auto_at(n, 64, 1000.0) for n in nets}
    fine = {n: auto_at(n, int(round(64_000.0 / a.cell_m)), a.cell_m) for n in nets}
    rule = {
        "cases": len(cases),
        "analysis_lower_mean": bool(mo[0] < md[0]),
        "analysis_lower_cases": int((o[:, 0] < d[:, 0]).sum()),
        "forecast30_not_higher_by_2pct": bool(mo[1] <= 1.02 * md[1]),
        "pod_not_lower_by_0.02": bool(mo[4] >= md[4] - 0.02),
        "far_not_higher_by_0.02": bool(mo[3] <= md[3] + 0.02),
        "auto_at_1km": {n: {"choice": c, "cells": k} for n, (c, k) in coarse.items()},
        "auto_at_fine": {n: {"choice": c, "cells": k} for n, (c, k) in fine.items()},
        "auto_picks_gauge_at_1km": all(c == "gauge" for c, _ in coarse.values()),
    }
    keys = ("analysis_lower_mean", "forecast30_not_higher_by_2pct", "pod_not_lower_by_0.02",
            "far_not_higher_by_0.02", "auto_picks_gauge_at_1km")  # fmt: skip
    rule["all"] = all(rule[k] for k in keys)
    print(json.dumps(rule, indent=1))


if __name__ == "__main__":
    main()
