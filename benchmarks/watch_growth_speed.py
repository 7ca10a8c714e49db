"""watch-growth (round 16, issue 17): the medium network's cycle with a radar nowcast's
mean (``RadarRain(mean=...)``), 32 members, 120-minute horizon.

The cycle of ``watch_speed.py`` (assimilation, forecast, warnings and writing; its
forecast rain the gauges' nowcast) is timed once; the radar nowcast's own time (the
gauge-adjusted extrapolation as ``twin watch`` runs it, with each mean) is timed on the
radar twin's frames of the medium network at the 50-minute cycle (64 x 64 1-km cells) and
added: a radar cycle's forecast runs the same members on the nowcast's rain.

    python benchmarks/watch_growth_speed.py [--means extrapolation,anvil] [-o OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

OUT = Path(__file__).parent / "results" / "watch-growth-speed.json"
MEMBERS = 32
HORIZON_S = 7200.0
NOW_S = 3000.0


def nowcast_s(mean: str) -> dict:
    """The radar nowcast's wall and CPU time [s] on the medium network, ``mean``."""
    import twin
    from twin.engine.options import SimOptions
    from twin.ops.nowcast import RadarRain
    from twin.ops.rain import ObservedRain
    from twin.validation.radar_twin import draw, networks_of_field, radar_view, storm_frames

    net = twin.load_network("medium")
    frames = storm_frames(net, draw(1), seed=1)
    model, _ = networks_of_field(net, frames)
    opts = SimOptions.from_network(model)
    rr = RadarRain(radar_view(frames, seed=1), model, opts.start, gauge_adjusted=True,
                   motion_pairs=5, motion_pert="pairs", spread="rate", bias="kalman",
                   mean=mean)  # fmt: skip
    rain = ObservedRain.of_network(model, opts)
    t0, c0 = time.perf_counter(), time.process_time()
    rr.nowcast(rain, NOW_S, HORIZON_S, MEMBERS, seed=1)
    return {"nowcast_s": round(time.perf_counter() - t0, 2),
            "nowcast_cpu_s": round(time.process_time() - c0, 2)}  # fmt: skip


def main():
    from watch_speed import cycle

    from twin.bench.report import source_commit

    ap = argparse.ArgumentParser()
    ap.add_argument("--means", default="extrapolation,anvil")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    base = cycle(50.0, members=MEMBERS)
    out = {"gauge_cycle": base, "commit": source_commit(),
           "command": f"python benchmarks/watch_growth_speed.py --means {a.means}"}  # fmt: skip
    for mean in a.means.split(","):
        r = nowcast_s(mean)
        r["cycle_s"] = round(base["cycle_s"] + r["nowcast_s"], 1)
        r["load_average"] = os.getloadavg()[0]
        out[mean] = r
        print(mean, r, flush=True)
    Path(a.o).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
