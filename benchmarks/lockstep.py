"""Lockstep ensembles (issue 16, section 3) against SWMM and today's batch, same run.

    python benchmarks/lockstep.py                      # 64 members of medium-conduits, 1 h
    python benchmarks/lockstep.py --members 8 --sizes 1 4 --step-hours 0.1   # a quick look

Two parts, results in ``benchmarks/results/lockstep.json``:

1. **Throughput** (:func:`twin.bench.ensemble.measure_ensemble`): the same perturbed
   members run as SWMM 5.2 sequentially and on ``--processes`` processes, twin's batch
   (``run_ensemble(scheduler="local")``, members on their own clocks) and twin in
   lockstep (``lockstep=True``), each in its own child process, SWMM and twin
   alternating; the checked members of each twin way compared with SWMM
   (``agrees``).  Ratios are against SWMM sequential of the same run.
2. **CPU per member-step** at M members in one process, one thread: a
   :class:`~twin.engine.lockstep.LockstepBatch` of M members against a
   :class:`~twin.engine.batch.MemberBatch` of the same M (``threads=1``), interleaved
   (A, B, A, B) over ``--repeats``; process CPU time of ``run()`` over the member-steps
   taken, and the share of it inside compiled code: the lockstep's routing call (the
   rest is each member's Python half-step: step size, runoff, inflows, statistics,
   recording), the batch's compiled member loop (whole steps, runoff and recording
   included, between the stops where Python acts).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setups(network: str, members: int, hours: float, seed: int):
    import twin
    from twin.bench.ensemble import bench_members
    from twin.ensemble.runner import _member_setup

    net = twin.load_network(network)
    return [_member_setup(net, m, {"end_hours": hours}) for m in bench_members(members, seed=seed)]


def _timed_run(kind, setups, module, name, start_s=0.0):
    """CPU [s] of ``kind(setups).run()`` from ``start_s`` [s] (reached untimed), member-steps
    taken from there, CPU inside the compiled routing: ``module.name`` for the lockstep,
    for the batch the kernels it binds on the instance when it is made (its compiled
    member loop ``_run_members``, or ``_route_members`` a step at a time), which the
    module's name is not."""
    spent = [0.0]

    def timing(inner):
        def timed(*args):
            t = time.process_time()
            try:
                return inner(*args)
            finally:
                spent[0] += time.process_time() - t

        return timed

    batch = kind(setups, threads=1) if kind.__name__ == "MemberBatch" else kind(setups)
    batch.advance_until(start_s)
    steps0 = sum(s.steps for s in batch.sims)
    lock0 = getattr(batch, "steps", 0)
    inner = getattr(module, name)
    if kind.__name__ == "MemberBatch":
        for attr in ("_run_members", "_route_members"):
            if getattr(batch, attr, None) is not None:
                setattr(batch, attr, timing(getattr(batch, attr)))
    else:
        setattr(module, name, timing(inner))
    try:
        t0 = time.process_time()
        res = batch.run()
        cpu = time.process_time() - t0
    finally:
        setattr(module, name, inner)
    assert all(r[0] == 0 for r in res), [r[1] for r in res if r[0]]
    steps = sum(s.steps for s in batch.sims) - steps0
    lock = getattr(batch, "steps", None)
    return cpu, steps, spent[0], None if lock is None else lock - lock0


def per_member_step(network, sizes, hours, repeats, seed, log, start_h=0.0) -> list[dict]:
    import twin.engine.batch as eb
    import twin.engine.lockstep as el
    from twin.engine.batch import MemberBatch
    from twin.engine.lockstep import LockstepBatch

    _timed_run(LockstepBatch, _setups(network, 2, 0.02, seed), el, "route_lockstep")  # load
    _timed_run(MemberBatch, _setups(network, 2, 0.02, seed), eb, "route_members")
    rows = []
    for m in sizes:
        setups = _setups(network, m, hours, seed)
        best = {}
        for _ in range(repeats):
            for label, kind, mod, name in (
                ("lockstep", LockstepBatch, el, "route_lockstep"),
                ("batch", MemberBatch, eb, "route_members"),
            ):
                cpu, steps, kernel, lock_steps = _timed_run(kind, setups, mod, name,
                                                            3600.0 * start_h)  # fmt: skip
                if label not in best or cpu < best[label][0]:
                    best[label] = (cpu, steps, kernel, lock_steps)
        row = {"members": m, "hours": hours, "start_hours": start_h}
        for label, (cpu, steps, kernel, lock_steps) in best.items():
            row[label] = {
                "cpu_s": cpu, "member_steps": steps, "us_per_member_step": 1e6 * cpu / steps,
                "kernel_share": kernel / cpu, "kernel_us_per_member_step": 1e6 * kernel / steps,
                "lockstep_steps": lock_steps,
            }  # fmt: skip
        row["lockstep_speedup_per_member_step"] = (
            row["batch"]["us_per_member_step"] / row["lockstep"]["us_per_member_step"]
        )
        row["lockstep_speedup_cpu"] = row["batch"]["cpu_s"] / row["lockstep"]["cpu_s"]
        log(f"M={m}: lockstep {row['lockstep']['us_per_member_step']:.0f} us/member-step "
            f"(kernel {100 * row['lockstep']['kernel_share']:.0f} %), batch "
            f"{row['batch']['us_per_member_step']:.0f} us (kernel "
            f"{100 * row['batch']['kernel_share']:.0f} %), CPU ratio "
            f"{row['lockstep_speedup_cpu']:.2f}x")  # fmt: skip
        rows.append(row)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", type=int, default=64)
    p.add_argument("--network", default="medium-conduits")
    p.add_argument("--hours", type=float, default=1.0, help="simulated hours (throughput)")
    p.add_argument("--sizes", type=int, nargs="*", default=[1, 4, 16, 64])
    p.add_argument("--step-hours", type=float, default=0.25, help="simulated hours (CPU part)")
    p.add_argument("--start-hours", type=float, default=0.0,
                   help="CPU part: run to this hour untimed first (medium-conduits is dry "
                        "until about 0.5 h)")  # fmt: skip
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-throughput", action="store_true")
    p.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "work")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "lockstep.json")
    a = p.parse_args(argv)

    def log(msg):
        print(msg, flush=True)

    doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": platform.processor()
           or platform.machine(), "network": a.network, "seed": a.seed}  # fmt: skip
    try:
        import os

        doc["load_average_start"] = os.getloadavg()
    except OSError:
        pass
    if not a.no_throughput:
        from twin.bench.ensemble import measure_ensemble

        doc["throughput"] = measure_ensemble(
            a.members, a.workdir, network=a.network, duration_h=a.hours,
            modes=("swmm-sequential", "swmm-processes", "twin-local", "twin-lockstep"),
            processes=a.processes, workers=a.processes, seed=a.seed, log=log,
        )  # fmt: skip
    doc["per_member_step"] = per_member_step(a.network, a.sizes, a.step_hours, a.repeats,
                                             a.seed, log, a.start_hours)  # fmt: skip
    try:
        doc["load_average_end"] = os.getloadavg()
    except (OSError, NameError):
        pass
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1, default=float) + "\n")
    log(f"results: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
