"""Subcatchment runoff: nonlinear reservoirs (:mod:`twin.kernels.runoff.runoff`) and the
five infiltration models (:mod:`twin.kernels.runoff.infiltration`)."""
