import warnings, numpy as np, twin, sys
warnings.filterwarnings("ignore")
from twin.engine.simulation import Simulation
net = twin.load_network(sys.argv[1])
sim = Simulation(net, solver="newton")
r = sim.router; T = r.totals; ns = r.node_state; w = r.newton.work
names = list(net.nodes.name)
yc = np.array(r.nodes.crown_depth); fd = np.array(r.nodes.full_depth)
def bal():
    return float(T.storage[0] - (T.lateral[0] + T.outfall_in[0] - T.outfall[0] - T.flooding[0] - T.evaporation[0] - T.seepage[0]))
b0 = bal(); errs = []
while sim.t_s < sim.duration_s - 1e-6:
    y_before = ns.depth.copy(); t_prev = sim.t_s
    sim.step_advance(1e-6)
    b1 = bal(); e = b1 - b0; b0 = b1
    if abs(e) > 200:
        cross = [(names[k], round(y_before[k],2), round(ns.depth[k],2), round(yc[k],2), round(fd[k],1)) for k in range(len(names)) if (y_before[k] - yc[k]) * (ns.depth[k] - yc[k]) < 0 or ns.depth[k] > yc[k] or ns.overflow[k] > 0]
        errs.append((sim.t_s, e))
        dy = ns.depth - y_before; k = np.argsort(-np.abs(dy))[:3]
        if len(errs) < 12 or abs(e) > 3000: print(f"{sim.t_s:8.1f} err {e:9.1f} it {w.stats[0]} dt {sim.t_s - t_prev:.2f}", [(names[q], round(y_before[q],2), round(ns.depth[q],2), round(ns.surf_area[q])) for q in k])
print("total err ft3", bal(), "n big", len(errs), "sum big", sum(e for _, e in errs), "lateral", T.lateral[0])
