"""Many routing steps of one simulation in one compiled call (SWMM's ``execRouting`` loop).

:func:`run_steps` does what :class:`~twin.engine.simulation.Simulation` does in Python
for each routing step, in the same order and with the same arithmetic (its results are
those of the Python loop, bit for bit): the routing step size (SWMM's
``routing_getRoutingStep``), the end-of-run clip, the lateral inflows at the step's start
(external inflows from their time series, dry-weather flow, runoff interpolated between
the old and new runoff states), the system inflow volumes (trapezoidal), the routing
step, the clock, the step counters and the statistics.  It returns to Python, with a
reason in ``ints[I_REASON]``, whenever Python must act:

- ``STOP_RUNOFF``: the step (already sized, ``clock[C_PENDING_DT]``) ends after the
  runoff's new state; Python runs runoff steps and calls again (the step goes on);
- ``STOP_PATTERN``: the step starts outside the hour for which the inflow pattern
  factors were computed (``clock[C_PATTERN_LO]`` to ``clock[C_PATTERN_HI]``); Python
  computes them for the new hour and calls again;
- ``STOP_REPORT``: the step just taken reached the next report time; Python saves the
  report sample(s) (interpolated between the old and new states) and calls again;
- ``STOP_BAD``: the routing step found a bad node or link (``ints[I_BAD_NODE]``,
  ``ints[I_BAD_LINK]``; the clock not advanced); ``STOP_NOT_POSITIVE``: the routing
  step is not positive;
- ``STOP_DONE``: the clock reached the end of the run or ``clock[C_UNTIL]``, or
  ``ints[I_MAX_STEPS]`` steps were taken.

Scalars travel in ``clock`` (float64) and ``ints`` (int64), indexed by the ``C_*`` and
``I_*`` constants below, so a call passes no Python float back and forth.  Units ft,
cfs, ft3, s.
"""

from numba import prange, types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, Field, bind
from twin.kernels.bundle import node_field as _node
from twin.kernels.config import JIT, JIT_MEMBERS
from twin.kernels.jit import kernel, variant
from twin.kernels.routing.constants import SWMM_CLOCK_AHEAD_S
from twin.kernels.routing.step import route_step, route_step_conduits
from twin.kernels.routing.timestep import routing_step_size
from twin.kernels.runoff.runoff import add_runoff_to_nodes
from twin.kernels.stats import update_stats
from twin.kernels.tables import combine_inflows, scatter_add, series_at
from twin.kernels.view import view
from twin.kernels.views import Views  # noqa: F401 - registers the Views type with numba

__all__ = ["StepInputs", "run_members", "run_members_conduits", "run_steps", "run_steps_conduits"]

# -- clock (float64) slots
C_T = 0  # the simulation clock [s after the start]
C_DURATION = 1  # the run's length [s]
C_UNTIL = 2  # stop when the clock reaches this [s]
C_FIXED = 3  # the [OPTIONS] routing step [s]
C_RUNOFF_OLD = 4  # the runoff's old and new state times [s]
C_RUNOFF_NEW = 5
C_RUNOFF_END = 6  # when the runoff stops [s]
C_PATTERN_LO = 7  # the inflow pattern factors hold for LO <= t < HI [s]
C_PATTERN_HI = 8
C_NEXT_REPORT = 9  # the next report time [s]
C_PENDING_DT = 10  # the step sized but not taken yet [s]
C_MIN_STEP = 11  # the shortest and the longest step so far (the first not counted) [s]
C_MAX_STEP = 12
C_LAST_T = 13  # the start and length of the last step taken (or the bad one) [s]
C_LAST_DT = 14
C_CFS = 15  # cfs per flow unit of the external inflows
N_CLOCK = 16

# -- ints (int64) slots
I_STEPS = 0  # routing steps taken
I_ITERS = 1  # Picard passes summed
I_FIRST = 2  # 1 until the first step is sized
I_CRITICAL_LINK = 3  # the elements that limited the last step (-1: none)
I_CRITICAL_NODE = 4
I_PENDING = 5  # 1: clock[C_PENDING_DT] is sized and waits
I_REASON = 6  # why the call returned (STOP_*)
I_PASSES = 7  # the bad step's passes and elements
I_BAD_NODE = 8
I_BAD_LINK = 9
I_ROUTED = 10  # steps routed by this call
I_MAX_STEPS = 11  # the most steps one call takes
I_RUNOFF = 12  # 1: runoff feeds the nodes
I_EXTERNAL = 13  # 1: external inflows ([INFLOWS])
I_GENERATED = 14  # 1: add generated_cfs to the external inflows
N_INTS = 15

F, I = "float64", "int64"


@structref.register
class StepInputsType(types.StructRef):
    pass


class StepInputs(Bundle):
    """What :func:`run_steps` reads and writes besides the router's bundles and the
    statistics: the clock and counters, the inflows' tables and work arrays."""

    fields = (
        Field("clock", F, "s", "clock and scalars (C_* slots)", "clock"),
        Field("ints", I, "-", "counters and flags (I_* slots)", "ints"),
        Field("series_start", I, "-", "CSR offsets of the inflows' time series", "series+1"),
        Field("series_x", F, "s", "time series times", "point"),
        Field("series_y", F, "-", "time series values (flow units)", "point"),
        Field("series_value", F, "-", "each series at the step's start (work)", "series"),
        Field("sfactor", F, "-", "scale factor of each [INFLOWS] line", "series"),
        Field("base_cfs", F, "-", "baseline times pattern of each line (flow units)", "series"),
        Field("ext_node", I, "code", "node of each [INFLOWS] line", "series"),
        Field("dwf_cfs", F, "cfs", "dry-weather flow of each [DWF] line this hour", "dwf"),
        Field("dwf_node", I, "code", "node of each [DWF] line", "dwf"),
        _node("generated_cfs", F, "cfs", "inflow set through the node views"),
        Field("runoff_old_cfs", F, "cfs", "runoff at the old runoff state", "subcatchment"),
        Field("runoff_new_cfs", F, "cfs", "runoff at the new runoff state", "subcatchment"),
        Field("outlet_node", I, "code", "node each subcatchment drains to (-1: none)",
              "subcatchment"),
        _node("ext", F, "cfs", "external inflow at the step's start (work)"),
        _node("dwf", F, "cfs", "dry-weather inflow at the step's start (work)"),
        _node("ww", F, "cfs", "runoff inflow at the step's start (work)"),
        _node("lateral", F, "cfs", "the step's lateral inflow"),
        Field("volumes", F, "ft3", "dry weather, wet weather, external in and out", "four"),
        Field("rates_old", F, "cfs", "the last step's rates of the four volumes", "four"),
    )  # fmt: skip


bind(StepInputs, StepInputsType)

STOP_DONE, STOP_RUNOFF, STOP_PATTERN, STOP_REPORT, STOP_BAD, STOP_NOT_POSITIVE = range(6)

MIN_STEP_S = 0.001  # the shortest last step (twin.engine.simulation.MIN_STEP_S)
FLOW_TOL_CFS = 1e-5  # external inflows below this are 0 (twin.engine.inflows)
REPORT_TOL_S = 1e-6  # a step within this of a report time reaches it (recorder)
END_TOL_S = 1e-9  # a clock within this of the end (or the target) is there


@kernel(**JIT)
def _external_inflows(t, ints, clock, series_start, series_x, series_y, series_value, sfactor,
                      base_cfs, ext_node, generated_cfs, ext):  # fmt: skip
    """``ext`` (n_nodes,) the external inflow [cfs] at ``t`` [s], as
    :meth:`twin.engine.inflows.SystemInflows.external_cfs` (plus the generated inflows)."""
    ext[:] = 0.0
    if ints[I_EXTERNAL] != 0:
        series_at(t, series_start, series_x, series_y, series_value)
        cfs = clock[C_CFS]
        for k in range(ext_node.shape[0]):
            q = cfs * (series_value[k] * sfactor[k] + base_cfs[k])
            if abs(q) < FLOW_TOL_CFS:
                q = 0.0
            ext[ext_node[k]] += q
    if ints[I_GENERATED] != 0:
        for j in range(ext.shape[0]):
            ext[j] += generated_cfs[j]


@kernel(**JIT)
def _run_member(inp, stats, nodes, links, xsects, curves, options, node_state, link_state,
                totals):  # fmt: skip
    """Routing steps from ``inp.clock[C_T]`` until a stop (module docstring); returns the
    reason.  ``inp``: the :class:`StepInputs` (or its view); ``stats`` the
    :class:`~twin.kernels.stats.StepStats`; then the router's bundles."""
    clock = inp.clock
    ints = inp.ints
    ext, dwf, ww, lateral = inp.ext, inp.dwf, inp.ww, inp.lateral
    volumes, rates_old = inp.volumes, inp.rates_old
    taken = 0
    ints[I_REASON] = STOP_DONE
    duration = clock[C_DURATION]
    while True:
        t = clock[C_T]
        if t >= duration - END_TOL_S or t >= clock[C_UNTIL] - END_TOL_S:
            break
        if taken >= ints[I_MAX_STEPS]:
            break
        if ints[I_PENDING] != 0:
            dt = clock[C_PENDING_DT]
        else:
            dt, lk, nd = routing_step_size(clock[C_FIXED], ints[I_FIRST] != 0, nodes, links,
                                           options, node_state, link_state)  # fmt: skip
            ints[I_FIRST] = 0
            ints[I_CRITICAL_LINK] = lk
            ints[I_CRITICAL_NODE] = nd
            if not dt > 0.0:
                ints[I_REASON] = STOP_NOT_POSITIVE
                break
            if t + dt > duration:
                dt = max(duration - t, MIN_STEP_S)
            clock[C_PENDING_DT] = dt
            ints[I_PENDING] = 1
        t_next = t + dt
        if ints[I_RUNOFF] != 0 and clock[C_RUNOFF_NEW] < min(t_next, clock[C_RUNOFF_END]):
            ints[I_REASON] = STOP_RUNOFF
            break
        if not clock[C_PATTERN_LO] <= t < clock[C_PATTERN_HI]:
            ints[I_REASON] = STOP_PATTERN
            break
        ints[I_PENDING] = 0
        # the inflows at the step's start (Simulation._add_inflows), on SWMM's clock (+1 ms)
        _external_inflows(t + SWMM_CLOCK_AHEAD_S, ints, clock, inp.series_start, inp.series_x,
                          inp.series_y, inp.series_value, inp.sfactor, inp.base_cfs,
                          inp.ext_node, inp.generated_cfs, ext)  # fmt: skip
        dwf[:] = 0.0
        scatter_add(inp.dwf_cfs, inp.dwf_node, dwf)
        if ints[I_RUNOFF] != 0:
            ww[:] = 0.0
            span = clock[C_RUNOFF_NEW] - clock[C_RUNOFF_OLD]
            f = 1.0 if span <= 0.0 else (t - clock[C_RUNOFF_OLD]) / span
            f = min(max(f, 0.0), 1.0)
            add_runoff_to_nodes(f, inp.runoff_old_cfs, inp.runoff_new_cfs, inp.outlet_node, ww)
        dw_rate, ww_rate, ex_in, ex_out = combine_inflows(ext, dwf, ww, lateral)
        volumes[0] += 0.5 * dt * (rates_old[0] + dw_rate)
        volumes[1] += 0.5 * dt * (rates_old[1] + ww_rate)
        volumes[2] += 0.5 * dt * (rates_old[2] + ex_in)
        volumes[3] += 0.5 * dt * (rates_old[3] + ex_out)
        rates_old[0] = dw_rate
        rates_old[1] = ww_rate
        rates_old[2] = ex_in
        rates_old[3] = ex_out
        passes, bad_node, bad_link = route_step(
            t, dt, lateral, nodes, links, xsects, curves, options, node_state, link_state, totals
        )
        clock[C_LAST_T] = t
        clock[C_LAST_DT] = dt
        if bad_node >= 0 or bad_link >= 0:
            ints[I_PASSES] = passes
            ints[I_BAD_NODE] = bad_node
            ints[I_BAD_LINK] = bad_link
            ints[I_REASON] = STOP_BAD
            break
        ints[I_ROUTED] += 1
        t_new = t + dt
        clock[C_T] = t_new
        ints[I_STEPS] += 1
        ints[I_ITERS] += abs(passes)
        if t > 0:
            clock[C_MIN_STEP] = min(clock[C_MIN_STEP], dt)
        clock[C_MAX_STEP] = max(clock[C_MAX_STEP], dt)
        update_stats(dt, t_new, lateral, stats, node_state, link_state,
                     ints[I_CRITICAL_NODE], ints[I_CRITICAL_LINK])  # fmt: skip
        taken += 1
        if t_new >= clock[C_NEXT_REPORT] - REPORT_TOL_S:
            ints[I_REASON] = STOP_REPORT
            break
    return ints[I_REASON]


@kernel(**JIT)
def run_steps(inp, stats, nodes, links, xsects, curves, options, node_state, link_state, totals):
    """Routing steps of one simulation until a stop; returns the reason (STOP_*).

    ``inp``: its :class:`StepInputs`, ``stats`` its
    :class:`~twin.kernels.stats.StepStats`, then the router's network and state bundles.
    """
    return _run_member(view(inp), stats, nodes, links, xsects, curves, options, node_state,
                       link_state, totals)  # fmt: skip


@kernel(**JIT_MEMBERS)
def run_members(active, inputs, stats, table_of, nodes, links, xsects, curves, options,
                node_states, link_states, totals):  # fmt: skip
    """:func:`run_steps` of every member ``m`` in ``active`` (k,) int64, members spread
    over the threads with ``prange``: each runs until its own stop (its reason in
    ``inputs[m].ints[I_REASON]``).  ``inputs``, ``stats`` and the states are
    :class:`~twin.kernels.views.Views` by member; the network bundles Views by set,
    ``table_of[m]`` member m's set.  A member touches only its own state and inputs,
    so each is the same, bit for bit, as its own run."""
    for k in prange(active.shape[0]):
        m = active[k]
        s = table_of[m]
        _run_member(inputs[m], stats[m], nodes[s], links[s], xsects[s], curves[s], options[s],
                    node_states[m], link_states[m], totals[m])  # fmt: skip


#: :func:`_run_member` for networks of conduits only (the structures' kernels not compiled).
_run_member_conduits = variant(_run_member, "conduits", route_step=route_step_conduits)
#: :func:`run_steps` for networks of conduits only.
run_steps_conduits = variant(run_steps, "conduits", _run_member=_run_member_conduits)
#: :func:`run_members` for networks of conduits only.
run_members_conduits = variant(run_members, "conduits", _run_member=_run_member_conduits)
