"""The routing balance of every newton step, and the nodes that moved most in the steps
that miss it by more than LIMIT ft3 (newton-surcharge notes).

    python benchmarks/newton_trace/step_balance.py MODEL.inp [LIMIT]
"""

import sys
import warnings

import numpy as np

import twin
from twin.engine.simulation import Simulation


def main(path, limit=200.0):
    warnings.filterwarnings("ignore")
    net = twin.load_network(path)
    sim = Simulation(net, solver="newton")
    tot = sim.router.totals
    ns = sim.router.node_state
    work = sim.router.newton.work
    names = list(net.nodes.name)

    def balance():
        inflow = tot.lateral[0] + tot.outfall_in[0]
        out = tot.outfall[0] + tot.flooding[0] + tot.evaporation[0] + tot.seepage[0]
        return float(tot.storage[0] - (inflow - out))

    b0 = balance()
    big = []
    while sim.t_s < sim.duration_s - 1e-6:
        y0, t0 = ns.depth.copy(), sim.t_s
        sim.step_advance(1e-6)
        b1 = balance()
        err, b0 = b1 - b0, b1
        if abs(err) > limit:
            big.append(err)
            if len(big) <= 12 or abs(err) > 3000.0:
                dy = ns.depth - y0
                moved = [(names[k], round(y0[k], 2), round(ns.depth[k], 2))
                         for k in np.argsort(-np.abs(dy))[:3]]  # fmt: skip
                print(f"{sim.t_s:8.1f} err {err:9.1f} ft3 iterations {work.stats[0]}"
                      f" dt {sim.t_s - t0:.2f} {moved}")  # fmt: skip
    print(f"total {balance():.0f} ft3, lateral {tot.lateral[0]:.0f} ft3;"
          f" {len(big)} steps beyond {limit} ft3, together {sum(big):.0f} ft3")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], *map(float, sys.argv[2:3]))
