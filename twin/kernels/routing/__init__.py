"""Flow routing: SWMM 5.2's dynamic wave (Picard passes of conduit momentum and node
continuity), kinematic wave and steady flow, the boundary and initial conditions, and
the one compiled call that routes a whole step (:mod:`twin.kernels.routing.step`)."""
