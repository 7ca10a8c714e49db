"""[ADJUSTMENTS] monthly factors on subcatchments, as SWMM 5.2 applies them.

CONDUCTIVITY and INFIL patterns on infiltration (``infil.c``):

SWMM multiplies each subcatchment's infiltration parameters by a monthly factor at every
runoff step (``infil_setInfilFactor``): the subcatchment's INFIL pattern if it has a
MONTHLY one, else the CONDUCTIVITY factor of the month (both of the step's start).
Horton and modified Horton take it on ``f0`` and ``fmin``, Green-Ampt on ``Ks`` and its
square root on the upper zone depth ``Lu`` (so also on the upper zone's moisture
capacity); Curve Number does not use it.  :class:`InfiltrationFactors` scales the
kernels' parameter rows the same way (the kernels' own ``cond_factor`` stays 1), so a
network without these adjustments runs exactly the code it ran before.

DSTORE and N-PERV patterns on the pervious subarea (``subcatch.c``'s
``adjustSubareaParams``, month of the step's start): depression storage times the
factor (a negative factor: unchanged), the runoff coefficient alpha over it (a factor
<= 0: no runoff).  :class:`SubareaFactors` scales the kernels' arrays.
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import InfilModel
from twin.kernels.runoff.runoff import PERV

_HORTONS = (int(InfilModel.HORTON), int(InfilModel.MODIFIED_HORTON))
_GREEN_AMPTS = (int(InfilModel.GREEN_AMPT), int(InfilModel.MODIFIED_GREEN_AMPT))


def infiltration_factors(net):
    """An :class:`InfiltrationFactors` for ``net``, or None when it sets no CONDUCTIVITY
    factor and no INFIL pattern."""
    adj = getattr(net, "adjustments", None)
    if adj is None:
        return None
    infil = [(j, name) for key, j, name in adj.patterns if key.startswith("INFIL")]
    if not infil and (adj.conductivity == 1.0).all():
        return None
    return InfiltrationFactors(net, adj, infil)


class InfiltrationFactors:
    """Monthly factors on the infiltration parameters of every subcatchment.

    Parameters
    ----------
    net : Network
    adj : Adjustments
    infil : list of (subcatchment id, pattern name)
    """

    def __init__(self, net, adj, infil):
        n = net.n_subcatchments
        self.by_month = np.tile(np.asarray(adj.conductivity, np.float64), (n, 1))  # (n, 12)
        for j, name in infil:
            pat = net.patterns.get(name)
            if pat is not None and pat.kind.upper() == "MONTHLY":
                self.by_month[j] = np.asarray(pat.factors, np.float64)[:12]
        self._month = -1
        self._base = None

    def apply(self, month: int, model: np.ndarray, par: np.ndarray) -> None:
        """Scale ``par`` (the kernels' rows, in place) to the factors of ``month`` (0-11)."""
        if month == self._month:
            return
        if self._base is None:
            self._base = par.copy()
        self._month = month
        f = self.by_month[:, month]
        base = self._base
        for j in range(len(model)):
            if model[j] in _HORTONS:
                par[j, 0] = base[j, 0] * f[j]
                par[j, 1] = base[j, 1] * f[j]
            elif model[j] in _GREEN_AMPTS:
                par[j, 1] = base[j, 1] * f[j]
                par[j, 3] = base[j, 3] * np.sqrt(f[j])


def subarea_factors(net):
    """A :class:`SubareaFactors` for ``net``, or None when it sets no DSTORE or N-PERV
    pattern (a MONTHLY one)."""
    adj = getattr(net, "adjustments", None)
    if adj is None:
        return None
    found = {"DSTORE": {}, "N-PERV": {}}
    for key, j, name in adj.patterns:
        pat = net.patterns.get(name)
        if key in found and pat is not None and pat.kind.upper() == "MONTHLY":
            found[key][j] = np.asarray(pat.factors, np.float64)[:12]
    if not found["DSTORE"] and not found["N-PERV"]:
        return None
    return SubareaFactors(found["DSTORE"], found["N-PERV"])


class SubareaFactors:
    """Monthly DSTORE and N-PERV factors on pervious subareas.

    Parameters
    ----------
    dstore, n_perv : dict of subcatchment id -> (12,) factors
    """

    def __init__(self, dstore: dict, n_perv: dict):
        self.dstore_by_month = dstore
        self.n_perv_by_month = n_perv
        self._month = -1
        self._base = None

    def apply(self, month: int, alpha: np.ndarray, dstore: np.ndarray) -> None:
        """Set the pervious subareas' ``alpha`` and ``dstore`` [ft] (the kernels' (n, 3)
        arrays, in place) to ``month``'s (0-11) values."""
        if month == self._month:
            return
        if self._base is None:
            self._base = (alpha[:, PERV].copy(), dstore[:, PERV].copy())
        self._month = month
        base_alpha, base_dstore = self._base
        for j, f in self.dstore_by_month.items():
            dstore[j, PERV] = base_dstore[j] * f[month] if f[month] >= 0.0 else base_dstore[j]
        for j, f in self.n_perv_by_month.items():
            alpha[j, PERV] = base_alpha[j] / f[month] if f[month] > 0.0 else 0.0
