"""Packed against scalar double-precision operations in the compiled lockstep step.

    python benchmarks/lockstep_asm.py [--out benchmarks/results/lockstep-asm.json]

Routes two members of ``medium-conduits`` in lockstep for a few steps (so that
:func:`twin.kernels.lockstep.step.route_lockstep` is compiled or loaded), then reads the
machine code of its compiled signature (numba links every callee into it) and counts
floating-point arithmetic instructions on doubles: packed (``...pd`` on xmm/ymm/zmm
registers: 2, 4 or 8 members at once) against scalar (``...sd``: one number).  What
the issue asks of the member loops is that they become packed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Arithmetic on doubles (add, sub, mul, div, sqrt, min, max, fused multiply-add);
#: logic (``vandpd`` for an absolute value, ``vxorpd`` to zero a register) is left out:
#: compilers use those packed forms on scalars too.
OPS = re.compile(
    r"^\s+(v?(?:add|sub|mul|div|sqrt|max|min|f(?:n?m(?:add|sub)(?:132|213|231)))(pd|sd))"
    r"\s+(.*)$"
)


def count(asm: str) -> dict:
    """Packed / scalar counts of :data:`OPS` in ``asm``, packed split by register width."""
    c = Counter()
    for line in asm.splitlines():
        m = OPS.match(line)
        if not m:
            continue
        kind = m.group(2)
        if kind == "sd":
            c["scalar"] += 1
        else:
            reg = "zmm" if "zmm" in m.group(3) else "ymm" if "ymm" in m.group(3) else "xmm"
            c[f"packed_{reg}"] += 1
    c["packed"] = c["packed_xmm"] + c["packed_ymm"] + c["packed_zmm"]
    return dict(c)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args(argv)
    import twin
    from twin.bench.ensemble import bench_members
    from twin.engine.lockstep import LockstepBatch
    from twin.ensemble.runner import _member_setup
    from twin.kernels.lockstep.step import route_lockstep

    net = twin.load_network("medium-conduits")
    setups = [_member_setup(net, m, {"end_hours": 0.01}) for m in bench_members(2, seed=0)]
    LockstepBatch(setups).run()
    sig = route_lockstep.signatures[0]
    asm = route_lockstep.inspect_asm(sig)
    row = {"function": "route_lockstep", "instructions": asm.count("\n"), **count(asm)}
    print(json.dumps(row))
    if a.out:
        a.out.write_text(json.dumps(row, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
