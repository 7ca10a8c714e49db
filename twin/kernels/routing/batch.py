"""One routing step of many ensemble members in one compiled call, members in parallel.

Each member has its own state bundles (``node_states[m]``...) and reads one set of
network bundles, ``table_of[m]``: members whose networks are equal share one copy
(members may differ, e.g. a blocked pipe changes its cross section).  Each member
keeps its own clock and step, ``t_s[m]`` and ``dt[m]`` [s].  The members listed in
``active`` each take one :func:`~twin.kernels.routing.step.route_step`, spread over
the threads with ``prange``; a member's step touches only its own state, so the
result is the same, bit for bit, as routing the members one after another.
Dynamic wave only (the kinematic-wave step is compiled only where it is used; a batch
routes such members one at a time).  The members' bundles come as
:class:`~twin.kernels.views.Views` (``node_states[m]`` is member m's view), which
compiles nothing per bundle type and is cached; :func:`route_members_conduits` is the
same call for networks of conduits only (the structures' kernels not compiled).
Units ft, ft3, cfs, s.
"""

from numba import prange

from twin.kernels.config import JIT, JIT_MEMBERS
from twin.kernels.jit import kernel, variant
from twin.kernels.routing.step import route_step, route_step_conduits
from twin.kernels.routing.timestep import routing_step_size
from twin.kernels.views import Views  # noqa: F401 - registers the Views type with numba


@kernel(**JIT_MEMBERS)
def route_members(
    active, t_s, dt, lateral, table_of, nodes, links, xsects, curves, options, node_states,
    link_states, totals, out,
):  # fmt: skip
    """Route one step of every member in ``active`` (k,) int64.

    ``t_s``/``dt`` (M,) s, ``lateral`` (M, n_nodes) cfs; ``table_of`` (M,) int64 the
    network set of each member, an index into ``nodes`` ... ``options`` (each a
    :class:`~twin.kernels.views.Views` of the sets' bundles); ``node_states``,
    ``link_states``, ``totals``: :class:`~twin.kernels.views.Views` of each member's state.
    Writes ``out[m] = (passes, bad_node, bad_link)`` (M, 3) int64.
    """
    for k in prange(active.shape[0]):
        m = active[k]
        s = table_of[m]
        steps, bad_node, bad_link = route_step(
            t_s[m], dt[m], lateral[m], nodes[s], links[s], xsects[s], curves[s], options[s],
            node_states[m], link_states[m], totals[m],
        )  # fmt: skip
        out[m, 0] = steps
        out[m, 1] = bad_node
        out[m, 2] = bad_link


#: :func:`route_members` for networks of conduits only (every set's ``links.kind`` a
#: true conduit): the same step, without compiling the structures' kernels.
route_members_conduits = variant(route_members, "conduits", route_step=route_step_conduits)


@kernel(**JIT)
def step_sizes_members(active, fixed_step, first, table_of, nodes, links, options, node_states,
                       link_states, dt, critical):  # fmt: skip
    """SWMM's routing step of every member in ``active`` (k,) int64, in one call:
    :func:`~twin.kernels.routing.timestep.routing_step_size` with the member's
    ``fixed_step[m]`` [s] and ``first[m]`` (M,) bool, its network set ``table_of[m]``
    and its state.  Writes ``dt[m]`` [s] and ``critical[m] = (link, node)`` (M, 2)."""
    for k in range(active.shape[0]):
        m = active[k]
        s = table_of[m]
        step, lk, nd = routing_step_size(fixed_step[m], first[m], nodes[s], links[s], options[s],
                                         node_states[m], link_states[m])  # fmt: skip
        dt[m] = step
        critical[m, 0] = lk
        critical[m, 1] = nd
