"""EPA SWMM 5.2 against itself at half its routing step, judged as twin is.

    python benchmarks/swmm_half_step.py MODEL.inp [MODEL.inp ...] [-o half.jsonl]

For each model: EPA SWMM (swmm-toolkit) on the file as it is, and on a copy whose
[OPTIONS] ROUTING_STEP is halved (its VARIABLE_STEP, when on, left as it is); the
half-step run is judged against the file-step run with the criteria of `twin compare`
(:func:`twin.validation.with_swmm.judge`).  A model that SWMM does not reproduce
against itself at another step is step-sensitive: a twin run at other steps (the
newton solver's) cannot be expected to agree with it either.  One JSON object a line.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
import warnings
from pathlib import Path


def routing_step_s(text: str) -> float:
    """ROUTING_STEP of an .inp's text [s] (seconds, or H:MM:SS)."""
    m = re.search(r"^\s*ROUTING_STEP\s+(\S+)", text, flags=re.M | re.I)
    if not m:
        raise ValueError("no ROUTING_STEP")
    value = m.group(1)
    if ":" in value:
        parts = [float(x) for x in value.split(":")]
        while len(parts) < 3:
            parts.append(0.0)
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    return float(value)


def with_routing_step(text: str, step_s: float) -> str:
    """The .inp ``text`` with its ROUTING_STEP set to ``step_s`` seconds."""
    return re.sub(r"^(\s*ROUTING_STEP\s+)\S+", rf"\g<1>{step_s:g}", text, count=1,
                  flags=re.M | re.I)  # fmt: skip


def one(path: Path) -> dict:
    from twin.validation.swmm_run import run_swmm
    from twin.validation.with_swmm import judge

    text = path.read_text(errors="replace")
    step = routing_step_s(text)
    out: dict = {"file": str(path), "routing_step_s": step}
    t0 = time.perf_counter()
    full = run_swmm(path)
    with tempfile.TemporaryDirectory(prefix="swmm-half-") as tmp:
        # beside the original, so that its relative file names still resolve
        half_inp = path.with_name(f".{path.stem}-half-step{path.suffix}")
        half_inp.write_text(with_routing_step(text, step / 2))
        try:
            half = run_swmm(half_inp, workdir=tmp)
        finally:
            half_inp.unlink()
    out["swmm_s"] = time.perf_counter() - t0
    rep = judge(half.load(), full.load(), top=3)
    out["status"] = "agrees" if rep["agrees"] else "disagrees"
    out["failed"] = rep["failed"]
    out["criteria"] = {c["criterion"]: c["value"] for c in rep["criteria"]}
    for kind in ("nodes", "links"):
        out[f"worst_{kind}"] = [(w["name"], w["nse"], w["rmse_over_peak"])
                                for w in rep[f"worst_{kind}"]]  # fmt: skip
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=Path("swmm-half-step.jsonl"))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    with args.output.open("a") as f:
        for path in args.models:
            try:
                row = one(path)
            except Exception as e:  # noqa: BLE001 - one row per model
                row = {"file": str(path), "status": "error", "error": str(e)[:300]}
            f.write(json.dumps(row, default=str) + "\n")
            f.flush()
            print(f"{row['status']:10s} {path} {row.get('failed', '')}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
