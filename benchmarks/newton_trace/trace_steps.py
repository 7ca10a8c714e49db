"""Trace one node of a newton run step by step (newton-surcharge notes).

python benchmarks/newton_trace/trace_steps.py MODEL.inp NODE START_S [STEPS]
"""

import sys
import warnings

import twin
from twin.engine.simulation import Simulation


def main(path, node, start_s, steps=60):
    warnings.filterwarnings("ignore")
    net = twin.load_network(path)
    sim = Simulation(net, solver="newton")
    i = list(net.nodes.name).index(node)
    ns = sim.router.node_state
    work = sim.router.newton.work
    sim.step_advance(start_s)
    for _ in range(steps):
        sim.step_advance(1e-6)  # one step
        print(
            f"{sim.t_s:8.1f} y={ns.depth[i]:.4f} yold={ns.depth_old[i]:.4f} in={ns.inflow[i]:.2f}"
            f" out={ns.outflow[i]:.2f} aold={ns.surf_area_old[i]:.1f} mode={work.mode[i]}"
            f" overflow={ns.overflow[i]:.2f} iterations={work.stats[0]}"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), *map(int, sys.argv[4:5]))
