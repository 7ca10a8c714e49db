"""The child side of one timed engine run (started by :mod:`twin.bench.runner`).

``python -m twin.bench.engine_child {swmm,twin,compile} INP ... --record FILE`` runs
SWMM 5.2 or twin once (or twin twice, to time the compile) and writes the JSON record
that :func:`~twin.bench.runner.run_engine` and
:func:`~twin.bench.runner.measure_compile` return.  Memory is the peak resident set
of this process (``VmHWM``: ``ru_maxrss`` would also count the parent's memory at
``fork`` time, which Linux carries over the ``exec``).
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

from twin.bench.cluster import peak_rss_mb

__all__: list[str] = []


def _maxrss_mb() -> float:
    """Peak resident memory of this process [MiB] since its ``exec``."""
    hwm = peak_rss_mb()
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _quiet_fd1:
    """SWMM prints progress on file descriptor 1; send it to /dev/null."""

    def __enter__(self):
        sys.stdout.flush()
        self._saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)

    def __exit__(self, *exc):
        os.dup2(self._saved, 1)
        os.close(self._saved)


#: The Newton solver's counters a twin record carries (results attributes).
_NEWTON_ATTRS = ("newton_unconverged_steps", "newton_retry_substeps", "newton_conduit_evaluations",
                 "newton_step_limits")  # fmt: skip
_AVG_STEP = re.compile(r"Average Time Step\s*:\s*([\d.]+)")


def _child_swmm(inp: Path, save, workdir) -> dict:
    from swmm.toolkit import solver

    tmp = tempfile.TemporaryDirectory(prefix="twin-bench-swmm-") if workdir is None else None
    wd = Path(tmp.name if tmp else workdir)
    rpt, out = wd / (inp.stem + ".rpt"), wd / (inp.stem + ".out")
    os.chdir(inp.parent)
    base = _maxrss_mb()
    with _quiet_fd1():
        c0, t0 = time.process_time(), time.perf_counter()
        solver.swmm_run(str(inp), str(rpt), str(out))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rec = {"wall_s": wall, "cpu_s": cpu, "base_rss_mb": base, "peak_rss_mb": _maxrss_mb()}
    text = rpt.read_text(errors="replace")
    m = _AVG_STEP.search(text)
    rec["average_step_s"] = float(m.group(1)) if m else None
    if save is not None:
        from swmm.toolkit import output, shared_enum

        from twin.validation import swmm_run as sr

        ds = sr._read_out(output, shared_enum, out)
        ds.attrs.update(sr._read_rpt(rpt))
        _write_nc(ds, save)
    if tmp is not None:
        tmp.cleanup()
    else:
        out.unlink(missing_ok=True)
    return rec


def _child_twin(inp: Path, warmup, save, solver: str = "swmm", options=None) -> dict:
    import twin

    options = options or {}
    for w in warmup:
        try:
            twin.simulate(w, solver=solver, **options)
        except Exception:  # noqa: BLE001 - a feature the engine lacks: the timed run says so
            pass
    base = _maxrss_mb()
    c0, t0 = time.process_time(), time.perf_counter()
    ds = twin.simulate(inp, solver=solver, **options)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rec = {"wall_s": wall, "cpu_s": cpu, "base_rss_mb": base, "peak_rss_mb": _maxrss_mb()}
    rec["routing_steps"] = int(ds.attrs.get("routing_steps", 0)) or None
    it = ds.attrs.get("mean_iterations")
    rec["mean_iterations"] = None if it is None else float(it)
    for k in _NEWTON_ATTRS:  # the Newton solver's counters (absent with solver="swmm")
        if k in ds.attrs:
            v = ds.attrs[k]
            rec[k] = v if isinstance(v, str) else int(v)
    if save is not None:
        _write_nc(ds, save)
    return rec


def _write_nc(ds, path) -> None:
    keep = [v for v in ("node_depth", "link_flow", "node_flooding") if v in ds]
    sub = ds[keep]
    sub.attrs = {k: v for k, v in ds.attrs.items() if k == "flow_routing_continuity_error_percent"}
    for name in list(sub.coords):
        if name not in ("time", "node", "link"):
            sub = sub.drop_vars(name)
    from twin.files import netcdf_bytes, write_bytes

    write_bytes(path, netcdf_bytes(sub))


def _child_compile(inp: Path) -> dict:
    t0 = time.perf_counter()
    import twin
    import twin.engine.simulation  # noqa: F401  (the engine's imports, numba included)

    t1 = time.perf_counter()
    twin.simulate(inp)
    t2 = time.perf_counter()
    twin.simulate(inp)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "first_s": t2 - t1, "second_s": t3 - t2}


def option_values(texts) -> dict:
    """``{"name": value}`` of ``NAME=VALUE`` texts (numbers as int or float, else text)."""
    out = {}
    for text in texts:
        name, _, value = text.partition("=")
        for kind in (int, float):
            try:
                out[name] = kind(value)
                break
            except ValueError:
                pass
        else:
            out[name] = value
    return out


def _child_main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m twin.bench.engine_child")
    p.add_argument("mode", choices=("swmm", "twin", "compile"))
    p.add_argument("inp", type=Path)
    p.add_argument("--warmup", action="append", default=[])
    p.add_argument("--save")
    p.add_argument("--workdir")
    p.add_argument("--solver", default="swmm", choices=("swmm", "newton"))
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="twin: a simulation option (e.g. newton_error_floor=2)")  # fmt: skip
    p.add_argument("--record", required=True)
    a = p.parse_args(argv)
    if a.mode == "swmm":
        rec = _child_swmm(a.inp, a.save, a.workdir)
    elif a.mode == "twin":
        rec = _child_twin(a.inp, a.warmup, a.save, a.solver, option_values(a.option))
    else:
        rec = _child_compile(a.inp)
    Path(a.record).write_text(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
