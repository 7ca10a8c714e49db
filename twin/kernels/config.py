"""Numba settings in one place; every ``@njit`` in ``twin.kernels`` reads them."""

JIT = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")
JIT_PARALLEL = dict(JIT, parallel=True)
