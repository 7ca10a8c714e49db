"""Numba settings in one place; every ``@njit`` in ``twin.kernels`` reads them."""

JIT = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")
JIT_PARALLEL = dict(JIT, parallel=True)
#: For kernels that never allocate (the routing hot path): numba's reference counting
#: off.  With it on, every call increments and decrements the count of each array
#: argument and of each view (``xs[j]``) with atomic operations, which cost more than
#: the table lookups themselves; without it a call passes plain pointers.  Such a
#: kernel must not create arrays (``np.zeros``, ``.copy()``): numba refuses to compile it.
JIT_HOT = dict(JIT, _nrt=False)
#: The member-parallel top-level kernel (``routing_batch``): threads over ensemble
#: members.  Cached like the rest: uncached, numba would re-optimise the whole routing
#: step it links in (10 s per process).  A parallel kernel is only ever called from
#: Python, never from another (cached) kernel: that combination can load a broken
#: parallel region from the cache (numba issue 8578).
JIT_MEMBERS = dict(parallel=True, nogil=True, cache=True, error_model="numpy")
