"""Time the dynamic-wave routing kernel per step and per link-iteration, beside SWMM 5.2.

Usage::

    python benchmarks/profile_kernel.py [NETWORK] [--hours H] [--swmm] [--check]
        [--save-ref FILE] [--compare-ref FILE] [--threads N] [--min-conduits M]

* default: run ``NETWORK`` (``medium-conduits``) for ``--hours`` of simulated time,
  timing every ``Router.advance`` call in CPU time (the machine is shared); print the
  mean time per routing step, the mean Picard passes per step, and microseconds per
  link-iteration (advance time / (passes x links), bypassed links included).
* ``--swmm``: also time SWMM 5.2.4 (``swmm.toolkit.solver.swmm_run``) on the same
  ``.inp`` (whole run, so give ``--hours`` equal to the file's duration to compare) and
  print the twin/SWMM ratios of CPU times (whole time loop, and Router.advance only).
* ``--check``: run ``twin.simulate`` and SWMM on the same file and report agreement
  with the project's thresholds (:mod:`twin.validation.agreement`).
* ``--save-ref`` / ``--compare-ref``: save, or compare with, the final state and the
  per-step node depths and link flows of this run (a ``.npz``), to see whether an
  optimisation changed any number (bit-identical or the largest difference).
* ``--threads N``: SWMM's THREADS option (the threaded kernel from
  ``twin.engine.routing_threads.MIN_CONDUITS`` conduits, or ``--min-conduits M``);
  compare the printed *wall* time per step, CPU time adds up the threads.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def time_router(name: str, hours: float | None, record_every: int = 50, threads: int = 1):
    """Run ``name`` stepping ``Simulation``; return timings and sampled states.

    ``threads`` is SWMM's THREADS option (1 serial, 0 all cores); with more than one
    thread CPU time adds up the threads' times, so the wall time per step counts.
    """
    import twin
    from twin.engine.simulation import Simulation

    # the per-step Python loop, whose every step calls Router.advance (timed below); the
    # compiled step loop (twin.engine.stepping) calls the same kernels inside one call
    Simulation._python_loop = True
    net = twin.load_network(name)
    kw = {"threads": threads} if hours is None else {"end_hours": hours, "threads": threads}
    sim = Simulation(net, **kw)
    router = sim.router
    n_conduits = router.n_links
    advance = router.advance
    per_step = []
    per_step_wall = []
    passes = []
    samples_y, samples_q = [], []

    def timed_advance(t_s, dt_s, lateral):
        t0 = time.process_time()
        w0 = time.perf_counter()
        k = advance(t_s, dt_s, lateral)
        per_step_wall.append(time.perf_counter() - w0)
        per_step.append(time.process_time() - t0)
        passes.append(k)
        return k

    router.advance = timed_advance
    # compile outside the timing: one step on a throw-away copy of the network
    warm = Simulation(net, end_hours=0.01, threads=threads)
    warm.step()
    warm.step()
    t0 = time.perf_counter()
    c0 = time.process_time()
    n = 0
    while not sim.finished:
        sim.step()
        n += 1
        if n % record_every == 0:
            samples_y.append(router.node_state.depth.copy())
            samples_q.append(router.link_state.flow.copy())
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    per_step = np.asarray(per_step)
    per_step_wall = np.asarray(per_step_wall)
    passes = np.asarray(passes)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "steps": n,
        "advance_s": float(per_step.sum()),
        "step_us": 1e6 * float(per_step.mean()),
        "step_wall_us": 1e6 * float(per_step_wall.mean()),
        "step_wall_median_us": 1e6 * float(np.median(per_step_wall)),
        "kernel": getattr(getattr(router, "_route", None), "__name__", "?"),
        "passes": float(passes.mean()),
        "link_iter_us": 1e6 * float(per_step.sum()) / float(passes.sum() * n_conduits),
        "n_links": n_conduits,
        "y": np.asarray(samples_y),
        "q": np.asarray(samples_q),
        "y_end": router.node_state.depth.copy(),
        "q_end": router.link_state.flow.copy(),
    }


def time_swmm(path: Path) -> tuple[float, float]:
    """(CPU, wall) time [s] of SWMM 5.2.4 on ``path`` (report and output in a temp folder)."""
    from swmm.toolkit import solver

    with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
        rpt = str(Path(tmp) / "x.rpt")
        out = str(Path(tmp) / "x.out")
        t0 = time.perf_counter()
        c0 = time.process_time()
        solver.swmm_run(str(path), rpt, out)
        return time.process_time() - c0, time.perf_counter() - t0


def check_agreement(name: str) -> None:
    """Whole run of twin and SWMM; print the agreement metrics and pass / fail."""
    import twin
    from twin.networks.catalog import network_path
    from twin.validation.agreement import assert_agrees, compare
    from twin.validation.swmm_run import run_swmm

    path = network_path(name)
    t0 = time.perf_counter()
    ours = twin.simulate(name)
    t1 = time.perf_counter()
    ref = run_swmm(path)
    t2 = time.perf_counter()
    print(f"check: twin.simulate {t1 - t0:.1f} s, run_swmm {t2 - t1:.1f} s")
    m = compare(ours, ref, ("node_depth", "link_flow", "node_flooding"))
    print("check:", m.summary())
    try:
        assert_agrees(ours, ref)
        print("check: AGREES with SWMM within twin.validation.agreement thresholds")
    except AssertionError as e:
        print("check: DOES NOT AGREE:", str(e)[:400])


def main(argv=None) -> None:
    from twin.networks.catalog import network_path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("network", nargs="?", default="medium-conduits")
    ap.add_argument("--hours", type=float, default=None, help="simulated hours (default: all)")
    ap.add_argument("--swmm", action="store_true", help="time SWMM on the same file")
    ap.add_argument("--check", action="store_true", help="agreement with SWMM (whole run)")
    ap.add_argument("--threads", type=int, default=1, help="THREADS option (0 = all cores)")
    ap.add_argument("--min-conduits", type=int, default=None, help="threads from this size")
    ap.add_argument("--save-ref", type=Path, default=None)
    ap.add_argument("--compare-ref", type=Path, default=None)
    a = ap.parse_args(argv)

    if a.min_conduits is not None:
        from twin.engine import routing_threads

        routing_threads.MIN_CONDUITS = a.min_conduits
    r = time_router(a.network, a.hours, threads=a.threads)
    print(
        f"{a.network}: {r['n_links']} links, {r['steps']} steps; time loop CPU {r['cpu_s']:.2f} s "
        f"(wall {r['wall_s']:.2f} s), Router.advance CPU {r['advance_s']:.2f} s "
        f"({100 * r['advance_s'] / r['cpu_s']:.0f} %)"
    )
    print(
        f"  {r['step_us']:.0f} us/step, {r['passes']:.2f} Picard passes/step, "
        f"{r['link_iter_us']:.3f} us per link-iteration"
    )
    print(
        f"  threads {a.threads} ({r['kernel']}): Router.advance wall {r['step_wall_us']:.0f} "
        f"us/step (median {r['step_wall_median_us']:.0f})"
    )
    if a.swmm:
        c_swmm, w_swmm = time_swmm(network_path(a.network))
        print(
            f"  SWMM 5.2.4 whole run CPU {c_swmm:.2f} s (wall {w_swmm:.2f} s); "
            f"twin/SWMM CPU: time loop {r['cpu_s'] / c_swmm:.2f}, "
            f"Router.advance {r['advance_s'] / c_swmm:.2f}"
        )
    if a.save_ref is not None:
        np.savez(a.save_ref, y=r["y"], q=r["q"], y_end=r["y_end"], q_end=r["q_end"])
        print(f"  saved reference states to {a.save_ref}")
    if a.compare_ref is not None:
        ref = np.load(a.compare_ref)
        for key in ("y", "q", "y_end", "q_end"):
            x, y = r[key], ref[key]
            if x.shape != y.shape:
                print(f"  {key}: shape {x.shape} != reference {y.shape}")
                continue
            same = np.array_equal(x, y)
            d = float(np.max(np.abs(x - y))) if x.size else 0.0
            print(f"  {key}: {'bit-identical' if same else 'differs'}, max |diff| {d:.3g}")
    if a.check:
        check_agreement(a.network)


if __name__ == "__main__":
    main()
