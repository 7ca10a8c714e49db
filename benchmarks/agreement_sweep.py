"""Agreement with EPA SWMM 5.2 on every model in a folder (what `twin compare` does, for
many models at once).

    python benchmarks/agreement_sweep.py FOLDER [-o sweep.jsonl] [--timeout 600]
        [--solver swmm|newton] [--newton-option NAME=VALUE ...] [--only NAME ...]

Every ``*.inp`` below FOLDER runs in its own process (a crash or a hang is one row):
EPA SWMM 5.2 first (swmm-toolkit); a model SWMM refuses, or whose flow-routing continuity
error SWMM itself puts beyond 2 %, is listed but not counted (the reference of issue 19:
models SWMM runs well); then twin, judged with the suite's criteria
(:func:`twin.validation.with_swmm.judge`). One JSON object a line, then a summary.
``--solver`` picks twin's dynamic-wave solver (recorded in every row, with the newton
options); a network the newton solver refuses (conduit evaporation or [LOSSES] seepage)
is its own status, "newton refuses", counted apart from the models twin refuses.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SWMM_RUNS_WELL_PERCENT = 2.0


def one(path: str, solver: str = "swmm", newton_options: dict | None = None) -> dict:
    """Run both engines on ``path`` and judge (in this process)."""
    import warnings

    warnings.simplefilter("ignore")
    import twin
    from twin.validation.swmm_run import run_swmm
    from twin.validation.with_swmm import judge

    out: dict = {"file": path, "solver": solver}
    options: dict = {"solver": solver}
    if solver == "newton" and newton_options:
        out["newton_options"] = dict(newton_options)
        options.update(newton_options)
    t0 = time.perf_counter()
    try:
        ref = run_swmm(path)
    except Exception as e:  # noqa: BLE001 - a model SWMM refuses is a row, not a stop
        return {**out, "status": "swmm refuses", "error": str(e)[:300]}
    out["swmm_s"] = time.perf_counter() - t0
    cont = ref.attrs.get("flow_routing_continuity_error_percent")
    out["swmm_continuity_percent"] = cont
    if cont is not None and abs(cont) > SWMM_RUNS_WELL_PERCENT:
        return {**out, "status": "swmm beyond 2 %"}
    t0 = time.perf_counter()
    try:
        ours = twin.simulate(twin.load_network(path), **options)
    except Exception as e:  # noqa: BLE001
        text = f"{type(e).__name__}: {str(e)[:300]}"
        refused = "solver='newton' does not route" in str(e)
        return {**out, "status": "newton refuses" if refused else "twin refuses", "error": text}
    out["twin_s"] = time.perf_counter() - t0
    rep = judge(ours.load(), ref.load(), top=3)
    out["status"] = "agrees" if rep["agrees"] else "disagrees"
    out["failed"] = rep["failed"]
    out["criteria"] = {c["criterion"]: c["value"] for c in rep["criteria"]}
    for kind in ("nodes", "links", "subcatchments"):
        out[f"worst_{kind}"] = [(w["name"], w["nse"], w["rmse_over_peak"])
                                for w in rep[f"worst_{kind}"]]  # fmt: skip
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=Path("agreement-sweep.jsonl"))
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per model")
    ap.add_argument("--solver", choices=("swmm", "newton"), default="swmm",
                    help="twin's dynamic-wave solver")  # fmt: skip
    ap.add_argument("--newton-option", action="append", default=[], metavar="NAME=VALUE",
                    help="a simulation option of the newton solver (repeatable)")  # fmt: skip
    ap.add_argument("--only", nargs="+", metavar="NAME",
                    help="only these models (paths relative to FOLDER, or file stems)")  # fmt: skip
    ap.add_argument("--only-from", type=Path, metavar="FILE",
                    help="only the models listed in FILE, one a line (as --only)")  # fmt: skip
    ap.add_argument("--one", help=argparse.SUPPRESS)  # the child process
    args = ap.parse_args(argv)
    from twin.bench.engine_child import option_values

    newton_options = option_values(args.newton_option)
    if args.one:
        row = one(args.one, args.solver, newton_options)
        print("RESULT " + json.dumps(row, default=str))
        return 0
    rows = []
    models = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() == ".inp")
    if args.only or args.only_from:
        wanted = set(args.only or ())
        if args.only_from:
            wanted |= {x.strip() for x in args.only_from.read_text().splitlines() if x.strip()}
        models = [p for p in models
                  if p.stem in wanted or str(p.relative_to(args.folder)) in wanted]  # fmt: skip
    extra = ["--solver", args.solver] + [f"--newton-option={t}" for t in args.newton_option]
    with args.output.open("w") as f:
        for path in models:
            cmd = [sys.executable, __file__, str(args.folder), "--one", str(path), *extra]
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                lines = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
                row = json.loads(lines[-1][7:]) if lines else {
                    "file": str(path), "solver": args.solver, "status": "crashed",
                    "error": r.stderr[-300:]}  # fmt: skip
            except subprocess.TimeoutExpired:
                row = {"file": str(path), "solver": args.solver,
                       "status": f"timeout ({args.timeout:g} s)"}  # fmt: skip
            rows.append(row)
            f.write(json.dumps(row, default=str) + "\n")
            f.flush()
            print(f"{row['status']:16s} {path.relative_to(args.folder)}", flush=True)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    well = ("agrees", "disagrees", "twin refuses", "newton refuses")
    n = {k: counts.get(k, 0) for k in well}
    print(
        f"{len(rows)} models; SWMM runs {sum(n.values())} well; of them twin ({args.solver}) "
        f"agrees on {n['agrees']}, disagrees on {n['disagrees']}, refuses {n['twin refuses']}; "
        f"newton refuses {n['newton refuses']} (conduit losses); {counts}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
