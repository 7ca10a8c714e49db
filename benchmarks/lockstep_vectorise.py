"""Can the lockstep's conduit momentum loop over members vectorise? SVML, and LLVM's word.

    python benchmarks/lockstep_vectorise.py [--svml-lib DIR] [--out FILE]

1. numba's SVML state (``numba -s``'s "SVML Information": llvmlite's LLVM patched for
   SVML, libsvml loaded, operational).  ``--svml-lib DIR``: a folder holding
   ``libsvml.so`` and ``libintlc.so.5`` (e.g. unpacked from the ``intel-cmplr-lib-rt``
   wheel) put on ``LD_LIBRARY_PATH`` of the child processes, to see whether the library
   alone makes SVML available.
2. :func:`twin.kernels.lockstep.conduit.conduit_flow_members` (the member loop around
   ``conduit_momentum``, 94 % of a Picard pass mid-storm) compiled on its own in a child
   process with an empty numba cache and LLVM's loop-vectoriser remarks on
   (``-pass-remarks*=loop-vectorize``): packed against scalar double operations in its
   machine code (:func:`lockstep_asm.count`) and the remarks emitted while it compiles,
   counted by message.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys
sys.path.insert(0, {root!r})
import numpy as np
import llvmlite.binding as llvm
from benchmarks.lockstep_asm import count
import twin
from twin.bench.ensemble import bench_members
from twin.engine.lockstep import LockstepBatch
from twin.ensemble.runner import _member_setup
from twin.kernels.lockstep.conduit import conduit_flow_members

net = twin.load_network("medium-conduits")
setups = [_member_setup(net, m, {{"end_hours": 0.01}}) for m in bench_members(4, seed=0)]
batch = LockstepBatch(setups)
batch.run()
nodes, links, xsects, curves, options = batch.networks[0]
ns, ls = batch._columns(0, 4)
sys.stderr.write("=== remarks on ===\n"); sys.stderr.flush()
for kind in ("", "-missed", "-analysis"):
    llvm.set_option("", f"-pass-remarks{{kind}}=loop-vectorize")
conduit_flow_members(0, 0, 1.0, np.ones(4, dtype=np.int64), nodes, links, xsects, options,
                     ns, ls)
sys.stderr.write("=== compiled ===\n"); sys.stderr.flush()
asm = conduit_flow_members.inspect_asm(conduit_flow_members.signatures[-1])
print(json.dumps(count(asm)))
"""


def svml_state(env) -> dict:
    """numba's "SVML Information" lines, as a dict."""
    out = subprocess.run([sys.executable, "-m", "numba", "-s"], env=env, capture_output=True,
                         text=True).stdout  # fmt: skip
    block = out[out.find("__SVML Information__") :].split("\n\n")[0].splitlines()[1:]
    return {k.strip(): v.strip() for k, v in (ln.rsplit(":", 1) for ln in block if ":" in ln)}


def conduit_loop(env) -> dict:
    """Packed/scalar counts and vectoriser remarks of ``conduit_flow_members`` compiled
    alone, in a child process with an empty numba cache."""
    with tempfile.TemporaryDirectory(prefix="twin-vec-") as cache:
        run = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT))],
                             env={**env, "NUMBA_CACHE_DIR": cache}, capture_output=True,
                             text=True, cwd=ROOT)  # fmt: skip
    if run.returncode:
        raise SystemExit(run.stderr[-3000:])
    err = run.stderr
    part = err[err.find("=== remarks on ===") : err.find("=== compiled ===")]
    remarks = Counter(ln.split("remark: ", 1)[1].split(": ", 1)[-1]
                      for ln in part.splitlines() if "remark: " in ln)  # fmt: skip
    return {"ops": json.loads(run.stdout.strip().splitlines()[-1]),
            "vectorised_loops": sum(n for r, n in remarks.items() if r.startswith("vectorized")),
            "remarks": dict(remarks.most_common())}  # fmt: skip


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--svml-lib", type=Path, default=None)
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args(argv)
    env = dict(os.environ)
    if a.svml_lib:
        env["LD_LIBRARY_PATH"] = f"{a.svml_lib}:{env.get('LD_LIBRARY_PATH', '')}".rstrip(":")
    import llvmlite
    import numba

    doc = {"numba": numba.__version__, "llvmlite": llvmlite.__version__,
           "svml_lib": str(a.svml_lib) if a.svml_lib else None, "svml": svml_state(env),
           "conduit_flow_members": conduit_loop(env)}  # fmt: skip
    print(json.dumps(doc, indent=1))
    if a.out:
        a.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
