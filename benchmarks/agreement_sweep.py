"""Agreement with EPA SWMM 5.2 on every model in a folder (what `twin compare` does, for
many models at once).

    python benchmarks/agreement_sweep.py FOLDER [-o sweep.jsonl] [--timeout 600]

Every ``*.inp`` below FOLDER runs in its own process (a crash or a hang is one row):
EPA SWMM 5.2 first (swmm-toolkit); a model SWMM refuses, or whose flow-routing continuity
error SWMM itself puts beyond 2 %, is listed but not counted (the reference of issue 19:
models SWMM runs well); then twin, judged with the suite's criteria
(:func:`twin.validation.with_swmm.judge`). One JSON object a line, then a summary.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SWMM_RUNS_WELL_PERCENT = 2.0


def one(path: str) -> dict:
    """Run both engines on ``path`` and judge (in this process)."""
    import warnings

    warnings.simplefilter("ignore")
    import twin
    from twin.validation.swmm_run import run_swmm
    from twin.validation.with_swmm import judge

    out: dict = {"file": path}
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
        ours = twin.simulate(twin.load_network(path))
    except Exception as e:  # noqa: BLE001
        return {**out, "status": "twin refuses", "error": f"{type(e).__name__}: {str(e)[:300]}"}
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
    ap.add_argument("--one", help=argparse.SUPPRESS)  # the child process
    args = ap.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(one(args.one), default=str))
        return 0
    rows = []
    models = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() == ".inp")
    with args.output.open("w") as f:
        for path in models:
            cmd = [sys.executable, __file__, str(args.folder), "--one", str(path)]
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                lines = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
                row = json.loads(lines[-1][7:]) if lines else {
                    "file": str(path), "status": "crashed", "error": r.stderr[-300:]}  # fmt: skip
            except subprocess.TimeoutExpired:
                row = {"file": str(path), "status": f"timeout ({args.timeout:g} s)"}
            rows.append(row)
            f.write(json.dumps(row, default=str) + "\n")
            f.flush()
            print(f"{row['status']:16s} {path.relative_to(args.folder)}", flush=True)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    counted = counts.get("agrees", 0) + counts.get("disagrees", 0) + counts.get("twin refuses", 0)
    print(
        f"{len(rows)} models; SWMM runs {counted} well; twin agrees on "
        f"{counts.get('agrees', 0)} of them; {counts}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
