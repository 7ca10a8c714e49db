"""The sweep's faulty-sensor runs (watch_twin.one with faults=True) for the given
cases, appended to a JSON."""

import json
import sys
from pathlib import Path

sys.path.insert(0, "/work/wt/watch-heldout/benchmarks")
from watch_twin import one

net, storm, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
r = one(net, storm, seed, 16, "enkf", 3.0, True)
print(r, flush=True)
rows = json.loads(out.read_text())["runs"] if out.exists() else []
out.write_text(json.dumps({"runs": rows + [r]}, indent=1))
