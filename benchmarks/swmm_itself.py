"""EPA SWMM 5.2 against itself at other routing steps, judged as twin is.

    python benchmarks/swmm_itself.py MODEL.inp [MODEL.inp ...] [-o itself.jsonl]
        [--on-newton-steps]

For each model: EPA SWMM (swmm-toolkit) on the file as it is, and on a copy whose
[OPTIONS] ROUTING_STEP is halved (its VARIABLE_STEP, when on, left as it is); the
half-step run is judged against the file-step run with the criteria of `twin compare`
(:func:`twin.validation.with_swmm.judge`).  With ``--on-newton-steps`` also EPA SWMM
routed on the very steps twin's newton solver took on the model (``run_swmm(...,
routing_steps=...)``), judged the same way: where that disagrees with SWMM on its own
steps as newton does, the disagreement is the steps' (a rule's or a pump's timing, a
step-sensitive model), not newton's physics.  A model that SWMM does not reproduce
against itself at another step is step-sensitive: a twin run at other steps cannot be
expected to agree with it either.  One JSON object a line.
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


def _judged(ours, ref) -> dict:
    from twin.validation.with_swmm import judge

    rep = judge(ours.load(), ref.load(), top=3)
    out: dict = {"status": "agrees" if rep["agrees"] else "disagrees", "failed": rep["failed"]}
    out["criteria"] = {c["criterion"]: c["value"] for c in rep["criteria"]}
    for kind in ("nodes", "links"):
        out[f"worst_{kind}"] = [(w["name"], w["nse"], w["rmse_over_peak"])
                                for w in rep[f"worst_{kind}"]]  # fmt: skip
    return out


def newton_steps(path: Path) -> list[float]:
    """The routing steps [s] twin's newton solver takes on ``path``."""
    import twin

    times = [0.0]
    twin.simulate(twin.load_network(path), solver="newton",
                  progress=lambda t_s, _end: times.append(float(t_s)))  # fmt: skip
    return [b - a for a, b in zip(times, times[1:], strict=False) if b > a]


def one(path: Path, on_newton_steps: bool = False) -> dict:
    from twin.validation.swmm_run import run_swmm

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
    out.update(_judged(half, full))
    if on_newton_steps:
        steps = newton_steps(path)
        out["newton_steps"] = len(steps)
        out["on_newton_steps"] = _judged(run_swmm(path, routing_steps=steps), full)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=Path("swmm-itself.jsonl"))
    ap.add_argument("--on-newton-steps", action="store_true",
                    help="also EPA SWMM on the newton solver's steps")  # fmt: skip
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    with args.output.open("a") as f:
        for path in args.models:
            try:
                row = one(path, args.on_newton_steps)
            except Exception as e:  # noqa: BLE001 - one row per model
                row = {"file": str(path), "status": "error", "error": str(e)[:300]}
            f.write(json.dumps(row, default=str) + "\n")
            f.flush()
            on = row.get("on_newton_steps", {}).get("status", "")
            print(f"half step {row['status']:10s} newton steps {on:10s} {path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
