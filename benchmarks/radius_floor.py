"""Does SWMM's R/Rfull floor of 0.01 at zero depth bring the swmm solver closer to EPA SWMM?

Usage::

    python benchmarks/radius_floor.py [--quick]

SWMM 5.2's tables of hydraulic radius against depth start at R/Rfull = 0.01 at zero depth
(``R_Circ[0]`` and the hand-tabulated shapes' first entries in ``xsect.dat``); tables drawn
from the geometry start at 0.  This runs every case of the agreement suite (the bundled
networks, the hand-made networks of ``tests/engine/data``, every model of pyswmm's test
corpus) with the swmm solver twice, once with each first entry (the choice is made in
:func:`twin.engine.routing_pack.radius_tables`), and scores both against EPA SWMM 5.2.4 on
SWMM's report times: RMSE of every node's depth [m] and every link's flow [m3/s] (all
elements and times), the worst and median NSE (nodes; links above 1 % of the largest peak)
and the fractions that agree under :mod:`twin.validation.agreement`.  Results:
``benchmarks/results/radius-floor.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "radius-floor.json"


def cases(quick: bool) -> list[tuple[str, Path]]:
    import importlib.util

    from twin.networks.catalog import network_path

    out = [(n, network_path(n)) for n in ("small", "small-conduits", "example", "rtc")]
    if not quick:
        out += [(n, network_path(n)) for n in ("medium", "medium-conduits")]
    out += [(f"tests {p.name}", p) for p in sorted((ROOT / "tests/engine/data").glob("*.inp"))]
    spec = importlib.util.find_spec("pyswmm")
    corpus = sorted((Path(spec.origin).parent / "tests" / "data").glob("*.inp"))
    out += [(f"pyswmm {p.name}", p) for p in corpus]
    return out


def scores(ours: xr.Dataset, swmm: xr.Dataset) -> dict:
    """RMSE, worst and median NSE and agreeing fractions of depths and flows."""
    from twin.validation.agreement import compare

    m = compare(ours, swmm)
    a, b = xr.align(ours, swmm, join="inner")
    out = {}
    for v in ("node_depth", "link_flow"):
        x = np.asarray(a[v].transpose("time", ...).values, dtype=float)
        y = np.asarray(b[v].transpose("time", ...).values, dtype=float)
        nse = m.nse[v]
        if v == "link_flow":
            peak = np.max(np.abs(y), axis=0)
            nse = nse[peak > 0.01 * max(peak.max(initial=0.0), 1e-12)]
        nse = nse[np.isfinite(nse)]
        out[v] = {
            "rmse": float(np.sqrt(np.mean((x - y) ** 2))),
            "max_abs": float(np.max(np.abs(x - y))),
            "nse_min": float(nse.min()) if nse.size else None,
            "nse_median": float(np.median(nse)) if nse.size else None,
            "agree": float(m.fraction[v]),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="leave out the medium networks")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import twin
    from twin.engine import routing_pack
    from twin.validation import run_swmm

    rows = {}
    for name, inp in cases(args.quick):
        t0 = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                swmm = run_swmm(inp, workdir=tmp)
            row = {}
            for floor in (False, True):
                routing_pack.RADIUS_FLOOR_IN_SWMM_SOLVER = floor
                row["floor" if floor else "geometry"] = scores(twin.simulate(str(inp)), swmm)
        except Exception as exc:  # noqa: BLE001 - a model either engine refuses is listed
            row = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        rows[name] = row
        print(json.dumps([name, row, round(time.perf_counter() - t0, 1)]), flush=True)
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": rows}
    OUT.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
