"""Evaporation and seepage for the router (SWMM 5.2 ``exfil.c``, ``node.c``, ``link.c``).

:class:`RoutingLosses` packs, once, the storage units that lose water (an evaporation
factor with a non-zero climate evaporation, or seepage from [STORAGE]) into the arrays
:func:`twin.kernels.routing.losses.storage_losses` reads, in SWMM's internal units
(ft, ft2, ft/s), and keeps their Green-Ampt states.  Conduits that evaporate (open
sections) or seep ([LOSSES]) are routed by the conduit kernel itself
(``options.conduit_losses``); this class gives it the climate rate of each step and
closes the step's loss totals.  Seepage, of storage units and conduits alike, is
scaled by the month's [ADJUSTMENTS] CONDUCTIVITY factor (SWMM's
``Adjust.hydconFactor``: a constant rate times it, Green-Ampt's conductivity times it
and its upper zone times its square root).  A network with neither has no :class:`RoutingLosses`
and its routing step is the one it always was.
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import NodeKind
from twin.kernels.routing import constants as R
from twin.kernels.routing.losses import finish_losses, storage_losses
from twin.kernels.runoff.infiltration import MODIFIED_GREEN_AMPT, N_INFIL_STATE, init_infil_state

MM_PER_FT = 304.8
MMH_PER_FPS = 1097280.0  # mm/h per ft/s
BIG = 1.0e10  # SWMM's BIG: banks without a top


def _bank_geometry(nodes, curves, options, i) -> tuple[float, float, float, float]:
    """SWMM's ``exfil_initState``: bottom area ft2, bank min / max depth ft, bank max area.

    For a shape given by coefficients (not a curve) SWMM 5.2.4 takes the bottom area in
    the file's units (m2 in an SI file) as if it were ft2; so do we, to agree with it.
    It matters only with Green-Ampt seepage (bottom and banks seep alike otherwise).
    """
    kind = int(nodes.storage_kind[i])
    if kind != R.STORAGE_TABULAR:
        btm = float(nodes.storage_a0[i])
        if kind == R.STORAGE_FUNCTIONAL and nodes.storage_a2[i] == 0.0:
            btm += float(nodes.storage_a1[i])
        return btm * options.ucf_length**2, 0.0, BIG, BIG
    c = int(nodes.curve[i])
    if c < 0:
        return 0.0, 0.0, 0.0, 0.0
    xs = curves.x[curves.start[c] : curves.start[c + 1]]
    ys = curves.y[curves.start[c] : curves.start[c + 1]]
    btm = ys[0] if xs[0] <= 0.0 else 0.0  # table_lookupEx at depth 0
    bank_min = bank_max = bank_area = 0.0
    last = ys[0]
    for d, a in zip(xs[1:], ys[1:], strict=True):
        if a < last:
            break
        if a > last:
            bank_area, bank_max = float(a), float(d)
        elif bank_area == 0.0:
            bank_min = float(d)
        else:
            break
        last = a
    return float(btm), bank_min, bank_max, bank_area


class RoutingLosses:
    """The storage units of ``net`` that evaporate or seep, their seepage state, and the
    climate rate the evaporating conduits read.

    Parameters
    ----------
    net : Network
    nodes, curves, options : the router's packed bundles (ft)
    evaporation : twin.engine.runoff.Evaporation
        The climate evaporation (its rate and recovery factor at a given time).
    """

    def __init__(self, net, nodes, curves, options, evaporation):
        self.evaporation = evaporation
        self.conduits = bool(options.conduit_losses)
        adjust = getattr(net, "adjustments", None)
        conductivity = None if adjust is None else adjust.conductivity
        self.cond_factor = np.ones(12) if conductivity is None else np.array(conductivity, float)
        nn = net.nodes
        seep = np.asarray(nn.seepage, dtype=np.float64)
        fevap = np.nan_to_num(np.asarray(nn.evap_factor, dtype=np.float64))
        evaporates = evaporation.any_rate()
        rows = []
        for i in np.flatnonzero(np.asarray(nn.kind) == NodeKind.STORAGE):
            ks = seep[i, 1]
            if (np.isfinite(ks) and ks > 0.0) or (evaporates and fevap[i] > 0.0):
                rows.append(int(i))
        self.n = len(rows)
        self.loss_node = np.asarray(rows, dtype=np.int64)
        self.evap_factor = fevap[self.loss_node].copy()
        self.has_exfil = np.zeros(self.n, dtype=np.int64)
        self.exfil_geom = np.zeros((self.n, 4))
        self.ga_par = np.zeros((self.n, 5))
        self.ga_bottom = np.zeros((self.n, N_INFIL_STATE))
        self.ga_bank = np.zeros((self.n, N_INFIL_STATE))
        for k, i in enumerate(rows):
            suction_mm, ks_mmh, imd = seep[i]
            if not (np.isfinite(ks_mmh) and ks_mmh > 0.0):
                continue
            self.has_exfil[k] = 1
            ks = ks_mmh / MMH_PER_FPS
            lu = 4.0 * np.sqrt(ks * 12.0 * 3600.0) / 12.0  # Mein's upper zone depth, ft
            self.ga_par[k, :4] = (suction_mm / MM_PER_FT, ks, imd, lu)
            self.exfil_geom[k] = _bank_geometry(nodes, curves, options, i)
        self.reset()

    @staticmethod
    def needed(net, options) -> bool:
        """Whether any storage unit of ``net`` has seepage or an evaporation factor, or
        any conduit evaporates or seeps (``options.conduit_losses``)."""
        if options.conduit_losses:
            return True
        nn = net.nodes
        storage = np.asarray(nn.kind) == NodeKind.STORAGE
        ks = np.nan_to_num(np.asarray(nn.seepage, dtype=np.float64)[:, 1])
        fevap = np.nan_to_num(np.asarray(nn.evap_factor, dtype=np.float64))
        return bool(np.any(storage & ((ks > 0.0) | (fevap > 0.0))))

    def reset(self) -> None:
        """Green-Ampt states at the start of a simulation (SWMM's ``grnampt_initState``)."""
        for k in range(self.n):
            init_infil_state(MODIFIED_GREEN_AMPT, self.ga_par[k], self.ga_bottom[k])
            init_infil_state(MODIFIED_GREEN_AMPT, self.ga_par[k], self.ga_bank[k])

    def begin(self, t_s: float, dt_s: float, nodes, curves, node_state, link_state,
              totals) -> None:  # fmt: skip
        """Before routing the step from ``t_s``: the storage units' loss rates from the
        last state (SWMM's node_getLosses) and the conduits' climate rate."""
        ev = self.evaporation
        month = ev.month_at(t_s)
        rate = ev.rate_fps(t_s)
        cond = float(self.cond_factor[month])
        if self.conduits:
            link_state.evap_rate[:] = rate
            link_state.seep_factor[:] = cond
        storage_losses(
            float(dt_s), rate, float(ev.recovery[month]), cond, self.loss_node,
            self.evap_factor, self.has_exfil, self.exfil_geom, self.ga_par, self.ga_bottom,
            self.ga_bank, nodes, curves, node_state, totals,
        )  # fmt: skip

    def finish(self, dt_s: float, links, link_state, totals) -> None:
        """After routing: the conduits' losses join the step's rates and totals."""
        finish_losses(float(dt_s), links, link_state, totals)
