"""Speed of the operational twin, written to ``benchmarks/results/watch-twin-speed.json``.

- ``cycle``: one forecast cycle on the ``medium`` network (1,495 conduits): the members
  are first brought to ``--warmup-min`` (not timed), then the cycle is timed in its
  parts: assimilation (the members step the 10-minute cycle, updated every 5 minutes
  by six depth sensors reading SWMM's truth), the forecast (32 members x 120 minutes)
  and writing the files.  Goal: within 2 minutes.
- ``replay``: a 6-hour replay of the ``small`` network's storm (16 members, 10-minute
  cycles, 120-minute horizon, assimilation of six sensors): wall time against the
  6 hours of event.  Goal: >= 30x real time.

The machine is shared: the load average before and after each part is recorded.

    python benchmarks/watch_speed.py [--part cycle|replay|both] [--warmup-min 50]
                                     [--solver swmm|newton] [-o FILE.json]

With ``--solver newton`` the members (analysis and forecast) route with the Newton
solver; the CPU time of each part (this process, all its threads) is recorded beside
the wall time, as the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import twin
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E

OUT = Path(__file__).parent / "results" / "watch-twin-speed.json"


def _case(name, hours):
    ex = E.experiment(twin.load_network(name), 6, seed=1)
    return ex.model, ex.sensors, ex.rows(hours * 60)


def cycle(warmup_min: float, members: int = 32, solver: str = "swmm") -> dict:
    net, sensors, rows = _case("medium", (warmup_min + 10.0) / 60.0)
    with tempfile.TemporaryDirectory() as d:
        tw = Twin(net, sensors, d, members=members, horizon_min=120.0, seed=1, forecast=True,
                  solver=solver)  # fmt: skip
        tw.ingest(rows, "benchmark")
        t0 = time.perf_counter()
        tw.assimilate(warmup_min * 60.0)  # members to the cycle's start (not timed)
        warm = time.perf_counter() - t0
        load0 = os.getloadavg()[0]
        t1, c1 = time.perf_counter(), time.process_time()
        tw.assimilate(warmup_min * 60.0 + 600.0)
        t2, c2 = time.perf_counter(), time.process_time()
        tw.forecast()
        t3, c3 = time.perf_counter(), time.process_time()
        tw.warnings()
        tw.write()
        t4, c4 = time.perf_counter(), time.process_time()
        settled = sum(s.router.newton.settled_steps for s in tw.members.sims
                      if s.router.newton is not None)  # fmt: skip
    return {
        "network": "medium",
        "solver": solver,
        "assimilation_cpu_s": round(c2 - c1, 1),
        "forecast_cpu_s": round(c3 - c2, 1),
        "write_cpu_s": round(c4 - c3, 1),
        "cycle_cpu_s": round(c4 - c1, 1),
        "swmm_steps_after_updates": settled,
        "conduits": int(np.sum(np.asarray(net.links.kind) == 0)),
        "members": members,
        "horizon_min": 120.0,
        "warmup_s": round(warm, 1),
        "assimilation_s": round(t2 - t1, 1),
        "forecast_s": round(t3 - t2, 1),
        "write_s": round(t4 - t3, 1),
        "cycle_s": round(t4 - t1, 1),
        "load_average_before": load0,
        "load_average_after": os.getloadavg()[0],
        "cores": os.cpu_count(),
    }


def replay(hours: float = 6.0, members: int = 16) -> dict:
    net, sensors, rows = _case("small", hours)
    with tempfile.TemporaryDirectory() as d:
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        tw = Twin(net, sensors, d, members=members, end_hours=hours + 2.0, seed=1)
        tw.ingest(rows, "benchmark")
        n = tw.run(until=tw._time(hours * 3600.0))
        wall = time.perf_counter() - t0
    return {
        "network": "small",
        "members": members,
        "event_h": hours,
        "cycles": n,
        "wall_s": round(wall, 1),
        "real_time_factor": round(hours * 3600.0 / wall, 1),
        "load_average_before": load0,
        "load_average_after": os.getloadavg()[0],
        "cores": os.cpu_count(),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="both", choices=["cycle", "replay", "both"])
    ap.add_argument("--warmup-min", type=float, default=50.0)
    ap.add_argument("--solver", default="swmm", choices=["swmm", "newton"])
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    out = Path(a.o)
    result = json.loads(out.read_text()) if out.exists() else {}
    if a.part in ("cycle", "both"):
        key = "cycle" if a.solver == "swmm" else f"cycle-{a.solver}"
        result[key] = cycle(a.warmup_min, solver=a.solver)
        print(result[key], flush=True)
        out.write_text(json.dumps(result, indent=1))
    if a.part in ("replay", "both"):
        result["replay"] = replay()
        print(result["replay"], flush=True)
        out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
