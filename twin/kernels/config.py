"""Numba settings in one place; every ``@njit`` in ``twin.kernels`` reads them."""

#: Every kernel: cached on disk (see :mod:`twin.kernels`), the GIL released, numpy's
#: floating-point semantics (a division by zero gives inf or NaN, as in C).
JIT = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")
#: Kernels with ``prange`` loops on numba's thread pool.
JIT_PARALLEL = dict(JIT, parallel=True)
#: The threaded variant of a loop whose serial variant is cached: compiled on first
#: use, never cached.  A cached function that calls a parallel one can load a broken
#: parallel region from the cache (numba issue 8578); no cached kernel calls these.
JIT_THREADS = dict(JIT, parallel=True, cache=False)
#: The member-parallel top-level kernel (``routing.batch``): threads over ensemble
#: members.  Cached like the rest: uncached, numba would re-optimise the whole routing
#: step it links in (10 s per process).  It is only ever called from Python, never
#: from another (cached) kernel (numba issue 8578).
JIT_MEMBERS = dict(parallel=True, nogil=True, cache=True, error_model="numpy")
