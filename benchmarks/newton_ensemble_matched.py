"""Matched accuracy of the ensemble benchmark's checked members, newton against SWMM's solver.

    python benchmarks/newton_ensemble_matched.py [--members 64] [--check p000 p063]
        [--newton-option NAME=VALUE ...] [-o benchmarks/results/newton/ensemble-matched.json]

The ensemble comparison of ``benchmarks/run.py`` checks members p000 and p063 of its 64
perturbed forecasts of ``medium-conduits`` (1 h) against EPA SWMM (agreement). This
asks the issue's second question of the same members' ``.inp`` files
(:mod:`twin.validation.matched`): is each run at least as close to SWMM at 1/8 of the
file's routing step as EPA SWMM at the file's step is?  Runs: EPA SWMM at the file's
step and at 1/8 of it; twin with ``solver="swmm"``, with ``solver="newton"`` at its
defaults, and with the given ``--newton-option`` values (if any).  Each twin run's CPU
time (this process) is recorded, and EPA SWMM's at the file step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.bench.cases import Case  # noqa: E402
from twin.bench.engine_child import option_values  # noqa: E402
from twin.bench.ensemble import bench_members, write_member_inputs  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--network", default="medium-conduits")
    p.add_argument("--hours", type=float, default=1.0)
    p.add_argument("--members", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", nargs="+", default=["p000", "p063"])
    p.add_argument("--newton-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("-o", "--output", type=Path,
                   default=ROOT / "benchmarks/results/newton/ensemble-matched.json")  # fmt: skip
    a = p.parse_args(argv)

    import twin
    from twin.validation.matched import accuracy_against, converged_reference, matched_accuracy
    from twin.validation.swmm_run import run_swmm
    from twin.validation.with_swmm import judge

    options = option_values(a.newton_option)
    ways = {"swmm": {"solver": "swmm"}, "newton": {"solver": "newton"}}
    if options:
        ways["newton-options"] = {"solver": "newton", **options}
    out = {"network": a.network, "hours": a.hours, "members": a.members, "seed": a.seed,
           "newton_options": options, "load_average_start": list(os.getloadavg()),
           "rows": []}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="twin-matched-") as tmp:
        inp = Case(f"{a.network}-{a.hours:g}h", a.network, duration_h=a.hours).prepare(tmp)
        mem = [m for m in bench_members(a.members, seed=a.seed) if m.name in a.check]
        files = write_member_inputs(inp, mem, Path(tmp) / "members")
        for m, path in zip(mem, files, strict=True):
            c0 = time.process_time()
            swmm = run_swmm(path).load()
            swmm_cpu = time.process_time() - c0
            ref = converged_reference(path).load()
            base = accuracy_against(swmm, ref)
            row = {"member": m.name, "epa_swmm_cpu_s": swmm_cpu,
                   "epa_swmm_at_file_step": base.as_dict(), "ways": {}}  # fmt: skip
            for way, opts in ways.items():
                c0 = time.process_time()
                ours = twin.simulate(str(path), **opts).load()
                cpu = time.process_time() - c0
                d = accuracy_against(ours, ref)
                verdict = judge(ours, swmm)
                row["ways"][way] = {"cpu_s": cpu, "distance": d.as_dict(),
                                    "matched": bool(matched_accuracy(d, base)),
                                    "agrees": verdict["agrees"], "failed": verdict["failed"],
                                    "steps": ours.attrs.get("routing_steps")}  # fmt: skip
                print(f"{m.name} {way}: cpu {cpu:.1f} s, agrees {verdict['agrees']}, matched "
                      f"{row['ways'][way]['matched']}, {d.as_dict()} (EPA SWMM {base.as_dict()})",
                      flush=True)  # fmt: skip
            out["rows"].append(row)
    out["load_average_end"] = list(os.getloadavg())
    a.output.parent.mkdir(parents=True, exist_ok=True)
    a.output.write_text(json.dumps(out, indent=1))
    print(f"results: {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
