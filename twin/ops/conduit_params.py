"""Per-member conduit parameters the filter estimates: a conveyance factor per conduit.

The truth's persistent errors besides the rain are rougher and partly blocked pipes.
Both lower a conduit's conveyance ``A R^(2/3) / n``: from depth sensors a pipe 60 %
rougher and one whose full area is half blocked look alike (both back the water up
upstream and starve it downstream), so the filter estimates one number per conduit,
the factor ``f`` on its Manning's n (``log f`` in the state, joint state-parameter
estimation by state augmentation).  Its inverse ``1 / f`` is the conduit's full-flow
capacity as a fraction of the design: what an operator reads as "60 % rougher or
about 45 % blocked".

Each member's router has its own link bundle (the members are built with their own
perturbed roughness, see :func:`~twin.ops.members.member_networks`), so a member's
factor is written straight into the link parameters its routing kernel reads
(SWMM's ``link_validate`` terms that contain n):

* ``rough_factor = g (n / phi)^2`` (dynamic wave friction slope): times ``f^2``;
* ``beta = phi sqrt(S) / n`` (normal flow, kinematic wave): over ``f``;
* ``q_full`` and ``q_max`` (``beta`` times section factors): over ``f``.

Conduit lengthening (SWMM's ``LENGTHENING_STEP``) depends on n too; its factor is the
one the member was built with (the networks here do not lengthen).
"""

from __future__ import annotations

import numpy as np

from twin.kernels.routing.constants import KIND_CONDUIT

#: Bounds of a conduit's log factor: n between half and five times the design's.
LOG_FACTOR_BOUNDS = (float(np.log(0.5)), float(np.log(5.0)))


def estimable_conduits(links) -> np.ndarray:
    """(n_links,) bool: conduits with a real cross section and Manning's n (not DUMMY,
    not a force main, which uses Hazen-Williams or Darcy-Weisbach)."""
    return (
        (np.asarray(links.kind) == KIND_CONDUIT)
        & (np.asarray(links.true_conduit) == 1)
        & (np.asarray(links.force_main) == 0)
        & (np.asarray(links.beta) > 0.0)
    )


class ConduitFactors:
    """Writes each member's conduit factors into the link parameters its kernel reads.

    Parameters
    ----------
    links : sequence of Links
        Each member's link bundle (the ones the batch routes with: they must be
        distinct objects).
    log_factor0 : (n_members, n_links) float64
        The log factors the members were built with (their roughness perturbation);
        the design's values are recovered from it.
    """

    #: each field scales as ``f ** power``
    POWER = {"rough_factor": 2.0, "beta": -1.0, "q_full": -1.0, "q_max": -1.0}

    def __init__(self, links, log_factor0):
        self.links = list(links)
        if len({id(x) for x in self.links}) != len(self.links):
            raise ValueError("members share a link bundle: their factors cannot differ")
        self.mask = estimable_conduits(self.links[0])
        a0 = np.where(self.mask, np.asarray(log_factor0, np.float64), 0.0)
        self.log_factor = a0.copy()
        self._design = [
            {f: getattr(lk, f) * np.exp(-p * a0[k]) for f, p in self.POWER.items()}
            for k, lk in enumerate(self.links)
        ]

    def apply(self, k: int, log_factor) -> None:
        """Member ``k``'s conduits get n times ``exp(log_factor)`` (bounded, conduits only)."""
        a = np.clip(np.asarray(log_factor, np.float64), *LOG_FACTOR_BOUNDS)
        a = np.where(self.mask, a, 0.0)
        lk = self.links[k]
        for f, p in self.POWER.items():
            getattr(lk, f)[:] = self._design[k][f] * np.exp(p * a)
        self.log_factor[k] = a

    def apply_all(self, log_factor) -> None:
        for k in range(len(self.links)):
            self.apply(k, log_factor[k])
