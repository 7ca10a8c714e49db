"""Groundwater on SWMM's runoff clock: the aquifers of [AQUIFERS]/[GROUNDWATER] under
their subcatchments (:mod:`twin.kernels.runoff.groundwater`).

:class:`Groundwater` packs the network's aquifer-subcatchment pairs into the kernel's
units (ft, ft/s) with SWMM's own unit factors, sets their initial state as
``gwater_initState`` does, advances them after each runoff step (the surface step's
infiltration enters the upper zone; the step's evaporation left over reaches the
zones), and gives the routing the lateral flow to each node interpolated between the
old and new runoff states (SWMM's ``addGroundwaterInflows``).  Its arrays are state
that a hot start saves (:mod:`twin.engine.hotstart` walks them).  [GWF] custom lateral
and deep flow expressions run as programs in the kernel (:mod:`twin.networks.inp_gwf`).
"""

from __future__ import annotations

import numpy as np

from twin.engine.massbal import continuity_error_percent
from twin.kernels.runoff import groundwater as kg
from twin.networks.inp_gwf import gwf_programs

#: SWMM's UCF(LENGTH), UCF(RAINFALL) and UCF(GWFLOW) by unit system
UCF_LENGTH = {"US": 1.0, "SI": 0.3048}
UCF_RAINFALL = {"US": 43200.0, "SI": 1097280.0}
UCF_GWFLOW = {"US": 43560.0, "SI": 3048.0}
UCF_LANDAREA = {"US": 2.2956e-5, "SI": 0.92903e-5}


def has_groundwater(net) -> bool:
    """True when some subcatchment has an aquifer and IGNORE_GROUNDWATER is off."""
    ignore = str(net.options.get("IGNORE_GROUNDWATER", "NO")).upper().startswith("Y")
    return len(net.groundwater) > 0 and not ignore


class Groundwater:
    """The aquifers under the subcatchments of ``net``.

    Parameters
    ----------
    net : Network
    area_ft2 : (n_subcatchments,) float64
        Subcatchment areas [ft2] as the runoff engine has them.
    frac_perv : (n_subcatchments,) float64
        Pervious fraction of each subcatchment.
    start : numpy.datetime64
        Start of the run (for the ETupat month).

    Attributes
    ----------
    subcatch, node : (k,) int64
        Subcatchment and node of each pair.
    state : (k, N_STATE) float64
        Upper moisture, lower zone depth [ft], old and new lateral flow [ft/s], zone
        evaporation [ft/s], upper zone room [ft] (:mod:`twin.kernels.runoff.groundwater`).
    totals : (N_TOTALS,) float64
        Infiltration, upper and lower ET, deep percolation and lateral flow [ft3].
    stats : (k, N_STATS) float64
        SWMM's groundwater statistics of each pair.
    """

    def __init__(self, net, area_ft2, frac_perv, start):
        gw, aq = net.groundwater, net.aquifers
        us = "US" if net.unit_system == "US" else "SI"
        lf, rf = UCF_LENGTH[us], UCF_RAINFALL[us]
        self.ucf = np.array([lf, UCF_GWFLOW[us], rf, UCF_LANDAREA[us]])
        self.start = start
        self.subcatch = np.asarray(gw.subcatchment, np.int64)
        self.node = np.asarray(gw.node, np.int64)
        k = len(self.subcatch)
        a = aq.params[gw.aquifer]  # (k, 12) as written
        g = gw.params  # (k, 11) as written, NaN where not given
        invert_ft = np.asarray(net.nodes.invert_m, np.float64)[self.node] / 0.3048
        bottom = np.where(np.isnan(g[:, 8]), a[:, 9], g[:, 8]) / lf
        table = np.where(np.isnan(g[:, 9]), a[:, 10], g[:, 9]) / lf
        moisture = np.where(np.isnan(g[:, 10]), a[:, 11], g[:, 10])
        node_elev = np.where(np.isnan(g[:, 7]), invert_ft, g[:, 7] / lf)
        par = np.zeros((k, kg.N_PAR))
        par[:, kg.P_POROSITY], par[:, kg.P_WILT], par[:, kg.P_FIELD_CAP] = a[:, 0], a[:, 1], a[:, 2]
        par[:, kg.P_KSAT], par[:, kg.P_KSLOPE] = a[:, 3] / rf, a[:, 4]
        par[:, kg.P_TSLOPE] = a[:, 5] / lf
        par[:, kg.P_UPPER_EVAP_FRAC] = a[:, 6]
        par[:, kg.P_LOWER_EVAP_DEPTH] = a[:, 7] / lf
        par[:, kg.P_SEEP] = a[:, 8] / rf
        par[:, kg.P_BOTTOM] = bottom
        par[:, kg.P_SURFACE] = g[:, 0] / lf
        par[:, kg.P_A1 : kg.P_A3 + 1] = g[:, 1:6]
        par[:, kg.P_FIXED_DEPTH] = g[:, 6] / lf
        par[:, kg.P_HSTAR] = node_elev - bottom
        par[:, kg.P_NODE_INVERT] = invert_ft
        par[:, kg.P_AREA] = np.asarray(area_ft2, np.float64)[self.subcatch]
        par[:, kg.P_FRAC_PERV] = np.asarray(frac_perv, np.float64)[self.subcatch]
        pair_of = {int(j): i for i, j in enumerate(self.subcatch)}
        exprs = [(j, kind, text) for j, kind, text, _ in gw.gwf]
        self._ops, self._args, span = gwf_programs(exprs, pair_of, k)
        par[:, kg.P_LAT_START], par[:, kg.P_LAT_LEN] = span[:, 0], span[:, 1]
        par[:, kg.P_DEEP_START], par[:, kg.P_DEEP_LEN] = span[:, 2], span[:, 3]
        self.par = par
        self._upper_pattern = np.ones((k, 12))
        for i, j in enumerate(gw.aquifer):
            name = aq.evap_pattern[j]
            if name:
                factors = np.asarray(net.patterns[name].factors, np.float64)[:12]
                self._upper_pattern[i, : len(factors)] = factors
        self.state = np.zeros((k, kg.N_STATE))
        self._init_state(table, moisture)
        self.initial_storage_ft3 = float(kg.stored_volume(self.par, self.state))
        self.totals = np.zeros(kg.N_TOTALS)
        self.stats = np.zeros((k, kg.N_STATS))
        self._work = np.zeros((k, kg.N_WORK))
        self._area = np.ascontiguousarray(par[:, kg.P_AREA])

    def _init_state(self, table, moisture) -> None:
        """SWMM's ``gwater_initState``."""
        p, s = self.par, self.state
        por = p[:, kg.P_POROSITY]
        total = p[:, kg.P_SURFACE] - p[:, kg.P_BOTTOM]
        s[:, kg.S_THETA] = np.where(moisture >= por, por - kg.XTOL, moisture)
        lower = table - p[:, kg.P_BOTTOM]
        s[:, kg.S_LOWER] = np.where(lower >= total, total - kg.XTOL, lower)
        fp = p[:, kg.P_FRAC_PERV]
        room = (p[:, kg.P_SURFACE] - table) * (por - s[:, kg.S_THETA])
        with np.errstate(divide="ignore", invalid="ignore"):
            s[:, kg.S_MAX_INFIL_VOL] = np.where(fp > 0.0, room / np.where(fp > 0, fp, 1.0),
                                                np.inf)  # fmt: skip

    def set_infiltration_room(self, max_infil_vol_at_subcatch: np.ndarray) -> None:
        """Write each aquifer's upper zone room [ft] where the runoff kernel reads it."""
        max_infil_vol_at_subcatch[self.subcatch] = self.state[:, kg.S_MAX_INFIL_VOL]

    def step(self, dt_s, t_new_s, evap_rate_fps, infil_loss_fps, evap_loss_fps, nodes,
             max_infil_vol_at_subcatch) -> None:  # fmt: skip
        """Advance the aquifers over the runoff step just taken (``dt_s`` long, ending at
        ``t_new_s`` s after the start).  ``nodes``: ``(depth_ft, inflow_cfs, volume_ft3)``
        of every node."""
        from twin.engine.rainfall import month_at

        month = month_at(self.start, t_new_s)
        self._work[:, kg.W_UPPER_FRAC] = (
            self.par[:, kg.P_UPPER_EVAP_FRAC] * self._upper_pattern[:, month]
        )
        depth, inflow, volume = nodes
        kg.groundwater_step(
            dt_s, evap_rate_fps, self.ucf, self.subcatch, self.node, self.par, self.state,
            infil_loss_fps, evap_loss_fps, depth, inflow, volume, max_infil_vol_at_subcatch,
            self._work, self._ops, self._args, self.totals, self.stats,
        )  # fmt: skip

    def node_inflow_cfs(self, f: float, out: np.ndarray) -> float:
        """ADD each aquifer's lateral flow [cfs] at weight ``f`` (0 old, 1 new) to ``out``
        (n_nodes,); returns the total added [cfs] (negative: the nodes lose water)."""
        return kg.add_groundwater_to_nodes(f, self._area, self.node, self.state, out)

    def flow_cfs(self, f: float) -> np.ndarray:
        """(k,) lateral flow [cfs] of each pair at weight ``f``, as SWMM reports it."""
        s = self.state
        return ((1.0 - f) * s[:, kg.S_OLD_FLOW] + f * s[:, kg.S_NEW_FLOW]) * self._area

    def table_elevation_ft(self) -> np.ndarray:
        """(k,) water table elevation [ft]."""
        return self.state[:, kg.S_LOWER] + self.par[:, kg.P_BOTTOM]

    @property
    def volumes(self) -> dict[str, float]:
        """SWMM's groundwater continuity volumes [ft3]."""
        t = self.totals
        return {
            "initial_storage": self.initial_storage_ft3,
            "infiltration": float(t[kg.T_INFIL]),
            "upper_evaporation": float(t[kg.T_UPPER_EVAP]),
            "lower_evaporation": float(t[kg.T_LOWER_EVAP]),
            "deep_percolation": float(t[kg.T_DEEP]),
            "lateral_outflow": float(t[kg.T_LATERAL]),
            "final_storage": float(kg.stored_volume(self.par, self.state)),
        }

    def continuity_error_percent(self) -> float:
        """SWMM's ``massbal_getGwaterError``."""
        v = self.volumes
        inflow = v["infiltration"] + v["initial_storage"]
        outflow = (v["upper_evaporation"] + v["lower_evaporation"] + v["deep_percolation"]
                   + v["lateral_outflow"] + v["final_storage"])  # fmt: skip
        return continuity_error_percent(inflow, outflow)

    def summaries(self, n_subcatchments: int, duration_s: float) -> dict[str, np.ndarray]:
        """SWMM's "Groundwater Summary" per subcatchment (NaN where no aquifer): totals
        [mm over the subcatchment], maximum lateral flow [m3/s], average and final upper
        moisture and water table elevation [m]."""
        g = self.stats
        mm, m = 304.8, 0.3048

        def per_sub(values):
            out = np.full(n_subcatchments, np.nan)
            out[self.subcatch] = values
            return out

        span = max(float(duration_s), 1e-9)
        return {
            "subcatchment_groundwater_infiltration": per_sub(g[:, kg.G_INFIL] * mm),
            "subcatchment_groundwater_evaporation": per_sub(g[:, kg.G_EVAP] * mm),
            "subcatchment_groundwater_deep_percolation": per_sub(g[:, kg.G_DEEP] * mm),
            "subcatchment_groundwater_lateral_outflow": per_sub(g[:, kg.G_LATERAL] * mm),
            "subcatchment_groundwater_max_flow": per_sub(g[:, kg.G_MAX_FLOW] * self._area * m**3),
            "subcatchment_groundwater_avg_moisture": per_sub(g[:, kg.G_THETA_INT] / span),
            "subcatchment_groundwater_avg_table": per_sub(g[:, kg.G_TABLE_INT] / span * m),
            "subcatchment_groundwater_final_moisture": per_sub(g[:, kg.G_FINAL_THETA]),
            "subcatchment_groundwater_final_table": per_sub(g[:, kg.G_FINAL_TABLE] * m),
        }
