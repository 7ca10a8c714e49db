import numpy as np, twin, warnings
warnings.filterwarnings("ignore")
from twin.engine.simulation import Simulation
net = twin.load_network("extran7.inp")
sim = Simulation(net, solver="newton")
i = list(net.nodes.name).index("82309")
print(i)
r = sim.router
ns = r.node_state
w = r.newton.work
sim.step_advance(2400)
t0=sim.t_s
for k in range(60):
    sim.step_advance(1e-6)
    print(f"{sim.t_s:8.1f} y={ns.depth[i]:.4f} yold={ns.depth_old[i]:.4f} in={ns.inflow[i]:.2f} out={ns.outflow[i]:.2f} aold={ns.surf_area_old[i]:.1f} a={ns.surf_area[i]:.1f} mode={w.mode[i]} vol={ns.volume[i]:.1f} ovf={ns.overflow[i]:.2f} it={w.stats[0]}")
