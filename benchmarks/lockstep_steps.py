"""Why a lockstep member parts from its own run: the kernels, or the step? (issue 16, part 3)

    python benchmarks/lockstep_steps.py                          # the test's ensemble
    python benchmarks/lockstep_steps.py --seed 1 --members 8     # another one

Per member of a perturbed-rain ensemble (default: the lockstep test's, 8 members of
``small-conduits`` under Seoul's 100 mm/h storm, 1 h), four runs and their report samples:

(i)   the member in a :class:`~twin.engine.lockstep.LockstepBatch` (the common step);
(ii)  its own run (:class:`~twin.engine.simulation.Simulation`, its own steps);
(iii) its own :class:`Simulation` driven with the lockstep's step sequence
      (``begin_step(dt)``, the router, ``end_step``), and the members' serial
      Simulations stepped in lockstep from Python (each proposes its step, all take the
      smallest: ``tests/engine/routing_harness.serial_lockstep``): if (i) == (iii) bit for
      bit, the lockstep kernels are right and (i) - (ii) is the step's doing;
(iv)  EPA SWMM 5.2 (swmm-toolkit) on the member's ``.inp``: at its own steps, on the
      lockstep's step sequence and on the twin's own run's (``run_swmm(routing_steps=)``:
      each step set through ``swmm_setValue(swmm_ROUTESTEP)``), at half the routing
      step and at a Courant factor lowered by the lockstep's step ratio (own steps /
      lockstep steps);
and the twin at a fixed 0.5 s step.  Distances: the largest node-depth [m] and
link-flow [m3/s] difference (where and when) and the SWMM agreement criteria
(:func:`twin.validation.agreement.criteria`, continuity left out) of one run against
another.  Results: ``benchmarks/results/lockstep-steps-<branch>-seed<seed>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setups(network: str, scenario: str, members: int, seed: int, hours: float):
    import twin
    from twin.ensemble.members import perturbed_forecast
    from twin.ensemble.runner import _member_setup
    from twin.scenarios.scenario import Scenario

    net = twin.load_network(network)
    ms = perturbed_forecast(Scenario.preset(scenario), members, seed=seed)
    return [_member_setup(net, m, {"end_hours": hours}) for m in ms]


def lockstep_run(setups):
    """(i): the members' results and the lockstep's step sequence [s]."""
    from twin.engine.lockstep import LockstepBatch

    class Recording(LockstepBatch):
        def _end_steps(self, begun, t, dt, res, until_s):
            self.dts.append(float(dt[begun[0]]))
            return super()._end_steps(begun, t, dt, res, until_s)

    batch = Recording(setups)
    batch.dts = []
    if len(batch.networks) != 1:
        raise SystemExit("the members' networks differ: more than one lockstep group")
    out = batch.run()
    bad = [k for k, r in enumerate(out) if r[0] != 0]
    if bad:
        raise SystemExit(f"members {bad} failed in lockstep: {[out[k][1] for k in bad]}")
    return [r[2] for r in out], batch.dts


def stepped_run(net, kw, dts=None):
    """A serial :class:`Simulation` stepped in Python: with its own steps (``dts``
    None) or with ``dts`` [s]; returns (results, the steps it took)."""
    from tests.engine.routing_harness import serial_lockstep

    (sim,), taken = serial_lockstep([(net, kw)], dts)
    return sim.results(), taken


def swmm_run(net, kw, routing_steps=None, **options):
    """EPA SWMM 5.2 on the member's network written as ``.inp`` (window of ``kw``;
    [OPTIONS] ``options`` changed; ``routing_steps``: see ``run_swmm``)."""
    from twin.engine.simulation import run_options
    from twin.scenarios.modify import copy_network, set_window
    from twin.validation.swmm_run import run_swmm

    opts = run_options(net, **kw)
    out = copy_network(net)
    set_window(out, opts.start, opts.end)
    for key, value in options.items():
        out.options[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "member.inp"
        out.to_inp(path)
        return run_swmm(path, routing_steps=routing_steps).load()


def distance(a, b) -> dict:
    """How far results ``a`` are from ``b``: the largest depth / flow differences and
    the agreement criteria of ``a`` against ``b`` (continuity not checked)."""
    import xarray as xr

    from twin.validation.agreement import criteria

    a, b = xr.align(a, b, join="inner")
    out: dict = {}
    for var, dim in (("node_depth", "node"), ("link_flow", "link")):
        x = np.asarray(a[var].transpose("time", dim).values, dtype=np.float64)
        y = np.asarray(b[var].transpose("time", dim).values, dtype=np.float64)
        d = np.abs(x - y)
        it, ie = np.unravel_index(int(np.argmax(d)), d.shape)
        out[var] = {"max": float(d[it, ie]), "time": str(a.time.values[it])[11:16],
                    dim: str(a[dim].values[ie]), "rmse": float(np.sqrt(np.mean(d**2)))}  # fmt: skip
    crit, _ = criteria(a, b, continuity="off")
    out["criteria"] = {c["key"]: c["value"] for c in crit}
    out["failed"] = [c["key"] for c in crit if not c["ok"]]
    return out


def identical(a, b) -> bool:
    """Every data variable and attribute of ``a`` and ``b`` equal bit for bit."""
    from tests.engine.routing_harness import assert_results_identical

    try:
        assert_results_identical(a, b)
    except AssertionError:
        return False
    return True


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--network", default="small-conduits")
    p.add_argument("--scenario", default="seoul-100mmh")
    p.add_argument("--members", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hours", type=float, default=1.0)
    p.add_argument("--no-swmm", action="store_true")
    p.add_argument("-o", "--output")
    args = p.parse_args(argv)
    branch = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--abbrev-ref", "HEAD"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    setups = _setups(args.network, args.scenario, args.members, args.seed, args.hours)
    from tests.engine.routing_harness import serial_lockstep
    from twin.engine.simulation import Simulation

    t0 = time.time()
    locked, dts = lockstep_run(setups)
    reference, ref_dts = serial_lockstep(setups)
    reference = [s.results() for s in reference]
    print(f"lockstep {len(dts)} steps, serial lockstep {len(ref_dts)}, same steps "
          f"{dts == ref_dts}", flush=True)  # fmt: skip
    members = []
    for k, ((net, kw), ds_i) in enumerate(zip(setups, locked, strict=True)):
        ds_ii, own = stepped_run(net, kw)
        ds_run = Simulation(net, **kw).run()
        ds_iii, _ = stepped_run(net, kw, dts)
        ds_fine, _ = stepped_run(net, {**kw, "variable_step": 0.0, "routing_step_s": 0.5})
        rec = {
            "member": k,
            "own_steps": len(own),
            "lockstep_steps": len(dts),
            "own_python_steps_equal_run": identical(ds_ii, ds_run),
            "lockstep_equals_own_on_lockstep_steps": identical(ds_i, ds_iii),
            "lockstep_equals_serial_lockstep": identical(ds_i, reference[k]),
            "lockstep_vs_own_on_lockstep_steps": distance(ds_i, ds_iii),
            "lockstep_vs_own": distance(ds_i, ds_ii),
            "own_fixed_0.5s_vs_own": distance(ds_fine, ds_ii),
        }
        if not args.no_swmm:
            ratio = len(own) / len(dts)
            factor = float(net.options.get("VARIABLE_STEP", 0.75))
            step = float(net.options.get("ROUTING_STEP", 20.0))
            s_own = swmm_run(net, kw)
            s_lock = swmm_run(net, kw, routing_steps=dts)
            s_twin = swmm_run(net, kw, routing_steps=own)
            s_short = swmm_run(net, kw, VARIABLE_STEP=f"{factor * ratio:.6g}")
            s_half = swmm_run(net, kw, ROUTING_STEP=f"{step / 2:.6g}")
            rec["swmm_courant_factor_short"] = factor * ratio
            rec["own_vs_swmm"] = distance(ds_ii, s_own)
            rec["lockstep_vs_swmm_on_lockstep_steps"] = distance(ds_i, s_lock)
            rec["swmm_on_own_steps_vs_swmm"] = distance(s_twin, s_own)
            rec["swmm_on_lockstep_steps_vs_swmm"] = distance(s_lock, s_own)
            rec["lockstep_vs_swmm"] = distance(ds_i, s_own)
            rec["swmm_short_courant_vs_swmm"] = distance(s_short, s_own)
            rec["swmm_half_step_vs_swmm"] = distance(s_half, s_own)
        members.append(rec)
        li, lo = rec["lockstep_vs_own"]["node_depth"], rec["lockstep_equals_own_on_lockstep_steps"]
        print(f"member {k}: own {len(own)} steps, lockstep {len(dts)}; (i)==(iii) {lo}; "
              f"(i)-(ii) depth {li['max']:.4f} m at {li['time']} {li['node']}; failed "
              f"{rec['lockstep_vs_own']['failed']}", flush=True)  # fmt: skip
        if not args.no_swmm:
            for key in (
                "own_vs_swmm",
                "lockstep_vs_swmm_on_lockstep_steps",
                "swmm_on_own_steps_vs_swmm",
                "swmm_on_lockstep_steps_vs_swmm",
                "swmm_short_courant_vs_swmm",
                "swmm_half_step_vs_swmm",
            ):
                d = rec[key]["node_depth"]
                print(f"    {key}: depth {d['max']:.4f} m at {d['time']} {d['node']}; failed "
                      f"{rec[key]['failed']}", flush=True)  # fmt: skip
    out = {
        "what": "lockstep member (i) vs own run (ii), own run on the lockstep's steps and "
                "serial members in lockstep (iii), EPA SWMM at its own steps, on the "
                "lockstep's and the twin's step sequences, at a shorter Courant step and "
                "at half the routing step; twin at a fixed 0.5 s step",
        "command": "python benchmarks/lockstep_steps.py " + " ".join(argv or sys.argv[1:]),
        "branch": branch,
        "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_average": list(np.round(np.array(__import__("os").getloadavg()), 1)),
        "machine": platform.machine(),
        "args": vars(args),
        "wall_s": time.time() - t0,
        "members": members,
    }  # fmt: skip
    path = Path(args.output or ROOT / "benchmarks" / "results" /
                f"lockstep-steps-{branch}-seed{args.seed}.json")  # fmt: skip
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
