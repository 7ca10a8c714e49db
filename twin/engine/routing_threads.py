"""Which routing kernel a Router runs: the serial one, or the threaded one for big networks.

SWMM's THREADS option (``SimOptions.threads``: 1 = serial, the default; 0 = all
cores; N = N threads at most) runs the dynamic-wave Picard passes on several threads.
Here that is :func:`twin.kernels.routing.dynwave.dynwave_step_threads`, the serial
step's loop compiled with ``parallel=True``, which gives the serial kernel's numbers
bit for bit.  Threads only pay off when a pass has enough
conduits to share out: below ``MIN_CONDUITS`` (measured, see
``benchmarks/profile_kernel.py --threads``) the serial kernel runs whatever the option
says, as SWMM falls back to one thread on small networks.

The threaded kernel is compiled (not cached) on its first use in a process, which
takes some tens of seconds: that is another reason to keep it for big networks.

Numba's OpenMP thread pool (its layer when TBB is not installed) by default keeps
its idle threads spinning between parallel regions: on a machine whose cores are
busy with other work that spinning took the cores from the serial parts of the step
and made a 2-thread step 2-3x *slower* than the serial one (measured at 10k
conduits).  Unless the user set it, ``OMP_WAIT_POLICY`` is made PASSIVE before the
pool starts (it is read once, when the pool is loaded).
"""

from __future__ import annotations

import os

import numba

#: Fewest conduits for which threads are used (below it the serial kernel is faster:
#: a parallel region costs some microseconds to start, a conduit about half of one).
MIN_CONDUITS = 2000


def thread_count(threads: int) -> int:
    """Threads to use for a THREADS option value: 0 = all of numba's, else at most those."""
    most = numba.config.NUMBA_NUM_THREADS
    return most if threads == 0 else max(1, min(int(threads), most))


def threaded_route_step(router):
    """The threaded routing step of ``router``, ``f(t_s, dt, lateral)``, or None to run
    serially.

    None unless ``router`` routes by dynamic wave, its options ask for more than one
    thread, and it has at least :data:`MIN_CONDUITS` conduits.  The step is the serial
    kernel's ``step_begin`` and ``step_finish`` around
    :func:`~twin.kernels.routing.dynwave.dynwave_step_threads`, called from Python (a
    cached kernel must not call a parallel one).
    """
    n = thread_count(router.opts.threads)
    if n == 1 or not router.dynwave:
        return None
    n_conduits = int((router.links.true_conduit == 1).sum())
    if n_conduits < MIN_CONDUITS:
        return None
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before numba starts its pool
    from twin.kernels.routing import dynwave, step

    if router.conduits_only:  # the same steps, without compiling the structures' kernels
        step_begin, dynwave_step_threads = (
            step.step_begin_conduits,
            dynwave.dynwave_step_threads_conduits,
        )
    else:
        step_begin, dynwave_step_threads = step.step_begin, dynwave.dynwave_step_threads
    step_finish = step.step_finish

    nodes, links, xsects, curves, options = router.network_bundles()
    node_state, link_state, totals = router.state_bundles()

    def route_step_on_threads(t_s, dt, lateral):
        step_begin(dt, lateral, nodes, links, xsects, curves, options, node_state, link_state,
                   totals)  # fmt: skip
        before = numba.get_num_threads()
        numba.set_num_threads(n)
        try:
            steps = dynwave_step_threads(dt, t_s + dt, nodes, links, xsects, curves, options,
                                         node_state, link_state)  # fmt: skip
        finally:
            numba.set_num_threads(before)
        bad_node, bad_link = step_finish(dt, nodes, links, xsects, options, node_state,
                                         link_state, totals)  # fmt: skip
        return steps, bad_node, bad_link

    return route_step_on_threads
