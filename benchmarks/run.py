"""Run the sewer-twin benchmark suite against EPA SWMM 5.2 and publish the results.

    python benchmarks/run.py                 # full suite (tens of minutes)
    python benchmarks/run.py --quick         # about 2 minutes
    python benchmarks/run.py --cases default district-1k --repeats 5
    python benchmarks/run.py --cases default --no-compile --no-surface \
        --ensemble-members 8 --ensemble-hours 0.5      # a small ensemble comparison

Writes ``benchmarks/results/bench-<date>.json`` (and ``latest.json``), the plots
``scaling.png``, ``throughput.png`` and ``ensemble.png`` beside them, and the table between the
BENCH markers of the top-level README.md (``--no-readme`` to leave it alone).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.bench import CASES, run_suite  # noqa: E402
from twin.bench.engine_child import option_values  # noqa: E402
from twin.bench.report import (  # noqa: E402
    markdown_table,
    plot_ensemble,
    plot_scaling,
    plot_throughput,
    update_readme,
    write_json,
)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="quick cases, one repetition")
    p.add_argument("--cases", nargs="+", choices=sorted(CASES), help="cases to run")
    p.add_argument("--repeats", type=int, help="alternating (SWMM, twin) pairs per case")
    p.add_argument("--timeout", type=float, default=900.0, help="longest engine run [s]")
    p.add_argument("--no-compile", action="store_true", help="skip the compile-time runs")
    p.add_argument("--no-surface", action="store_true", help="skip the 2D surface run")
    p.add_argument("--no-ensemble", action="store_true", help="skip the ensemble comparison")
    p.add_argument("--ensemble-members", type=int, help="members (64; quick: 4)")
    p.add_argument("--ensemble-network", help="bundled network (medium-conduits; quick: default)")
    p.add_argument("--ensemble-hours", type=float, default=1.0, help="simulated hours per member")
    p.add_argument("--solvers", nargs="+", choices=("swmm", "newton"), default=["swmm"],
                   help="twin's dynamic-wave solvers, one row each per case")  # fmt: skip
    p.add_argument(
        "--matched",
        nargs="+",
        default=[],
        choices=sorted(CASES),
        metavar="CASE",
        help="cases that also judge matched accuracy (SWMM at 1/8 step, 8x SWMM)",
    )
    p.add_argument("--newton-option", action="append", default=[], metavar="NAME=VALUE",
                   help="a simulation option of the newton rows (repeatable)")  # fmt: skip
    p.add_argument("--no-readme", action="store_true", help="do not update README.md")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    p.add_argument("--workdir", type=Path, help="inputs and scratch files (default: temporary)")
    p.add_argument("--from-json", type=Path, help="publish this results file, run nothing")
    a = p.parse_args(argv)
    if a.from_json:
        doc = json.loads(a.from_json.read_text())
        a.quick = doc.get("quick", False)
        print(f"results: {write_json(doc, a.results)}")
        write_json(doc, a.results, name="latest-quick" if a.quick else "latest")
    else:
        with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
            doc = run_suite(
                a.cases, a.workdir or tmp, quick=a.quick, repeats=a.repeats,
                compile=not a.no_compile, surface=not a.no_surface,
                ensemble=not a.no_ensemble, timeout_s=a.timeout,
                ensemble_members=a.ensemble_members, ensemble_network=a.ensemble_network,
                ensemble_duration_h=a.ensemble_hours, solvers=tuple(a.solvers),
                matched=tuple(a.matched), newton_options=option_values(a.newton_option),
                log=lambda msg: print(msg, flush=True),
            )  # fmt: skip
        path = write_json(doc, a.results)
        write_json(doc, a.results, name="latest-quick" if a.quick else "latest")
        print(f"results: {path}")
    if not a.quick:
        print(f"plot:    {plot_scaling(doc, a.results / 'scaling.png')}")
        print(f"plot:    {plot_throughput(doc, a.results / 'throughput.png')}")
        if (doc.get("ensemble") or {}).get("modes"):
            print(f"plot:    {plot_ensemble(doc, a.results / 'ensemble.png')}")
    table = markdown_table(doc)
    print(table)
    if not a.no_readme and not a.quick:
        print(f"table:   {update_readme(ROOT / 'README.md', table)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
