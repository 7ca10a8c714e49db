"""Run a model under newton until a step fails, then redo that step's Newton iterations
in Python (the kernels of ``newton_step``), printing two nodes each iteration
(newton-surcharge notes).

    python benchmarks/newton_trace/trace_iterations.py MODEL.inp NODE OTHER_NODE START_S
"""

import sys
import warnings

import twin
from twin.engine import newton as nw
from twin.engine.simulation import Simulation
from twin.kernels.newton import nodes as nd
from twin.kernels.newton import step as st
from twin.kernels.newton.sparse_lu import lu_factor, lu_solve
from twin.kernels.routing.boundary import set_outfall_depths
from twin.kernels.routing.step import _step_begin


def main(path, node, other, start_s, iterations=16):
    warnings.filterwarnings("ignore")
    net = twin.load_network(path)
    sim = Simulation(net, solver="newton")
    r = sim.router
    ns, ls, work, sysm = r.node_state, r.link_state, r.newton.work, r.newton.system
    i, o = (list(net.nodes.name).index(n) for n in (node, other))
    sim.step_advance(start_s)
    bundles = [ns, ls, r.totals, work]
    while sim.t_s < sim.duration_s - 1e-6:
        saved = [nw._copy_arrays(b) for b in bundles]
        t = sim.t_s
        try:
            sim.step_advance(1e-6)
        except twin.errors.SimulationError as e:
            print(e)
            break
    else:
        print("no step failed")
        return
    for b, s in zip(bundles, saved, strict=True):
        nw._restore_arrays(b, s)
    dt = r.newton.last_step_s
    print("step from", t, "of", dt, "s")
    _step_begin(dt, sim._lat, r.nodes, r.links, r.xsects, r.curves, r.options, ns, ls, r.totals)
    a1, a2, beta = st.bdf2_coefficients(dt, work.stats[st.STAT_LAST_DT])
    for j in range(ls.flow.shape[0]):
        work.q_prev[j] = ls.flow_old[j]
        work.a_prev[j] = ls.a2[j]
        work.restart[j] = 1.0 if ls.normal_flow_limited[j] == 1.0 else 0.0
    st.start_step(dt, t + dt, r.nodes, r.curves, ns, ls)
    work.dh[:] = 0.0
    max_iter = max(r.options.max_trials, st.MIN_NEWTON_TRIALS)
    for it in range(iterations):
        st.evaluate_links(a1, a2, beta, dt, it == 0, -1.0, it >= st.HOLD_PUMPS_AFTER, r.nodes,
                          r.links, r.xsects, r.curves, r.options, ns, ls, work)  # fmt: skip
        set_outfall_depths(r.nodes, r.links, r.xsects, ns, ls)
        nd.assemble(dt, r.nodes, r.links, r.options, ns, sysm, work)
        pos = sysm.position_of_node
        before = {
            k: (ns.depth[k], -work.rhs[pos[k]], work.diag[pos[k]], work.mode[k]) for k in (i, o)
        }
        lu_factor(work.diag, work.upper, work.lower, sysm.edge_second, sysm.pivot_start,
                  sysm.pivot_edges, sysm.pair_start, sysm.pair_target)  # fmt: skip
        lu_solve(work.diag, work.upper, work.lower, sysm.edge_second, sysm.pivot_start,
                 sysm.pivot_edges, work.rhs)  # fmt: skip
        worst = nd.update_heads(r.nodes, r.links, r.options, ns, ls, sysm, work,
                                2 * it < max_iter)  # fmt: skip
        for k in (i, o):
            y, f, d, mode = before[k]
            print(f"{it:2d} {net.nodes.name[k]} y {y:.3f}->{ns.depth[k]:.3f} f {f:.1f}"
                  f" diag {d:.2f} mode {mode} net {ns.inflow[k] - ns.outflow[k]:.2f}"
                  f" worst {worst[0]:.3f}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
