"""Numba kernels: pure functions over arrays and scalars (numpy and numba only).

Kernels compute in SWMM's internal units (ft, ft2, cfs, s) so that SWMM's cutoffs
(FUDGE = 1e-4 ft, head tolerance 0.005 ft, minimum surface area 12.566 ft2) apply
verbatim; the engine converts to and from SI at its boundary.
"""
