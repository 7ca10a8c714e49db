import sys; NODE=sys.argv[1]; T0=float(sys.argv[2])
import numpy as np, twin, warnings
warnings.filterwarnings("ignore")
from twin.engine.simulation import Simulation
from twin.engine import newton as nw
from twin.kernels.newton import step as st, nodes as nd
from twin.kernels.routing.step import _step_begin
from twin.kernels.routing.boundary import set_outfall_depths
from twin.kernels.newton.sparse_lu import lu_factor, lu_solve
net = twin.load_network("extran7.inp")
sim = Simulation(net, solver="newton")
i = list(net.node_names) if False else list(net.nodes.name).index(NODE)
r = sim.router; N = r.newton; w = N.work; ns = r.node_state
sim.step_advance(T0)
while True:
    b = [r.node_state, r.link_state, r.totals, w]
    saved = [nw._copy_arrays(x) for x in b]
    t = sim.t_s
    try:
        sim.step_advance(1e-6)
    except Exception as e:
        print(e); break
for x, s in zip(b, saved): nw._restore_arrays(x, s)
dt = N.last_step_s; print("t", t, "dt", dt)
lat = sim._lat
_step_begin(dt, lat, r.nodes, r.links, r.xsects, r.curves, r.options, ns, r.link_state, r.totals)
a1,a2,be = st.bdf2_coefficients(dt, w.stats[6] if False else w.stats[st.STAT_LAST_DT])
for j in range(r.link_state.flow.shape[0]):
    w.q_prev[j]=r.link_state.flow_old[j]; w.a_prev[j]=r.link_state.a2[j]; w.restart[j]=1.0 if r.link_state.normal_flow_limited[j]==1.0 else 0.0
st.start_step(dt, t+dt, r.nodes, r.curves, ns, r.link_state); w.dh[:]=0
S=N.system
names=list(net.links.name)
for it in range(10):
    st.evaluate_links(a1,a2,be,dt,it==0,-1.0,it>=st.HOLD_PUMPS_AFTER,r.nodes,r.links,r.xsects,r.curves,r.options,ns,r.link_state,w)
    set_outfall_depths(r.nodes,r.links,r.xsects,ns,r.link_state)
    nd.assemble(dt,r.nodes,r.links,r.options,ns,S,w)
    p=S.position_of_node[i]; f=-w.rhs[p]; d=w.diag[p]
    y0=ns.depth[i]; y4=ns.depth[4]; p4=S.position_of_node[4]; f4=-w.rhs[p4]; d4=w.diag[p4]; m4=w.mode[4]
    lu_factor(w.diag,w.upper,w.lower,S.edge_second,S.pivot_start,S.pivot_edges,S.pair_start,S.pair_target)
    lu_solve(w.diag,w.upper,w.lower,S.edge_second,S.pivot_start,S.pivot_edges,w.rhs)
    raw=w.rhs[p]
    wr=nd.update_heads(r.nodes,r.links,r.options,ns,r.link_state,S,w,it<3)
    fl={names[j]:(round(r.link_state.flow[j],2),round(w.dqdh_up[j],3),round(w.dqdh_dn[j],3)) for j in range(len(names)) if r.links.node1[j]==i or r.links.node2[j]==i}
    pm=[(names[j], round(r.link_state.flow[j],2)) for j in range(len(names)) if r.links.kind[j]!=0 and False]
    print(it, f"82309 {y4:.3f}->{ns.depth[4]:.3f} f {f4:.1f} d {d4:.3f} m {m4} yold {ns.depth_old[4]:.3f} net {ns.inflow[4]-ns.outflow[4]:.2f} pump {r.link_state.flow[list(names).index('90010')]:.1f} 1602 {r.link_state.flow[list(names).index('1602')]:.2f}")
    print(it, f"y {y0:.3f}->{ns.depth[i]:.3f} raw {raw:.3f} f {f:.1f} diag {d:.2f} mode {w.mode[i]} in {ns.inflow[i]:.2f} out {ns.outflow[i]:.2f} yold {ns.depth_old[i]:.3f} worst {wr}", fl)
