"""How much work and memory a run asks for, known before it starts.

Each step size has its own range (:data:`twin.limits.OPTION_RANGES`: a routing step
of at least 1 ms, a report step of 1 s to a year), but ten years at 1 ms, a report
every second for ten years or a hundred million ensemble members would still run for
years or fill the memory; :func:`estimate_work` counts the work from the options
alone and :func:`check_work` refuses what is beyond bounds, with the numbers, before
anything runs.  The CLI prints :meth:`Workload.describe` when a run is large
(:meth:`Workload.is_large`).

Bounds (in :mod:`twin.limits`, documented in the README's Reliability section):

* at most :data:`~twin.limits.MAX_ROUTING_STEPS` routing steps per run;
* at most :data:`~twin.limits.MAX_ELEMENT_STEPS` element-steps (routing steps x
  elements) over all members;
* the report samples of all members must fit in this machine's memory.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from twin.errors import InputError
from twin.limits import MAX_ELEMENT_STEPS, MAX_ROUTING_STEPS

__all__ = [
    "MAX_ELEMENT_STEPS",
    "MAX_ROUTING_STEPS",
    "Workload",
    "check_work",
    "estimate_work",
    "physical_memory_bytes",
]

#: Above these the CLI prints the estimate before it starts.
LARGE_ELEMENT_STEPS = 1e9
LARGE_RESULT_BYTES = 1 << 30

# values kept per report sample: node depth, head, inflow, lateral inflow, flooding,
# ponded volume; link flow, depth, velocity, capacity, setting, status; subcatchment
# rainfall, runoff, infiltration (float64); the Dataset built from them is a second copy
_NODE_VALUES, _LINK_VALUES, _SUB_VALUES, _COPIES = 6, 6, 3, 2
_SAMPLE_OVERHEAD_BYTES = 15 * 112  # one small numpy array per series and sample


@dataclass(frozen=True)
class Workload:
    """The size of a run (or of an ensemble of like runs).

    Attributes
    ----------
    routing_steps : float
        Routing steps of one run, at least (the duration over the routing step; a
        variable step is never longer).
    elements : int
        Nodes and links routed at every step.
    report_times : float
        Report samples of one run.
    result_bytes : float
        Memory of the report samples of all members, and the Dataset made of them [bytes].
    members : int
    """

    routing_steps: float
    elements: int
    report_times: float
    result_bytes: float
    members: int = 1

    @property
    def element_steps(self) -> float:
        """Routing steps x elements, summed over members."""
        return self.routing_steps * self.elements * self.members

    def is_large(self) -> bool:
        return self.element_steps >= LARGE_ELEMENT_STEPS or self.result_bytes >= LARGE_RESULT_BYTES

    def describe(self) -> str:
        """``at least 720 routing steps x 139 elements = 1.0e+05 element-steps; results
        3.1 MiB`` (members counted when there are several)."""
        who = f" x {self.members:,} members" if self.members > 1 else ""
        return (
            f"at least {_count(self.routing_steps)} routing steps x {self.elements:,} "
            f"elements{who} = {self.element_steps:.2g} element-steps; "
            f"{_count(self.report_times)} report times, results {_bytes(self.result_bytes)}"
        )


def _count(x: float) -> str:
    return f"{x:,.0f}" if x < 1e12 else f"{x:.2g}"


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def estimate_work(net, opts, *, surface_cells: int = 0, members: int = 1) -> Workload:
    """The :class:`Workload` of ``members`` runs of ``net`` with ``opts`` (SimOptions).

    ``surface_cells``: cells of the 2D street surface, whose depth is sampled at every
    report time.
    """
    duration = max(float(opts.duration_s), 0.0)
    step = float(opts.routing_step_s)
    steps = math.ceil(duration / step) if step > 0 else math.inf
    period = max(duration - max(float(opts.report_start_s), 0.0), 0.0)
    # samples at report_start + k * report_step, k = 1, 2, ... (the Recorder's grid)
    report = math.floor(period / float(opts.report_step_s) + 1e-9) if opts.report_step_s > 0 else 0
    per_sample = 8 * (
        _NODE_VALUES * net.n_nodes
        + _LINK_VALUES * net.n_links
        + _SUB_VALUES * net.n_subcatchments
        + surface_cells
    )
    result = float(members) * report * (_COPIES * per_sample + _SAMPLE_OVERHEAD_BYTES)
    return Workload(float(steps), int(net.n_nodes + net.n_links), float(report), result,
                    int(members))  # fmt: skip


def physical_memory_bytes() -> float:
    """This machine's memory [bytes] (infinite when the system does not say)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_work(
    work: Workload, *, step_field: str = "routing_step_s", report_field: str = "report_step_s",
    members_field: str = "members",
) -> None:  # fmt: skip
    """Refuse a workload beyond the bounds (an InputError naming the setting to change).

    The ``*_field`` names are what the messages call the routing step, the report
    step and the member count (``--routing-step`` in the CLI).
    """
    if work.routing_steps > MAX_ROUTING_STEPS:
        raise InputError(
            f"the run would take {work.describe()}; more than {MAX_ROUTING_STEPS:.0e} routing "
            "steps: use a longer routing step",
            field=step_field,
        )
    if work.element_steps > MAX_ELEMENT_STEPS:
        field = members_field if work.members > 1 else step_field
        raise InputError(
            f"the run would take {work.describe()}; more than {MAX_ELEMENT_STEPS:.0e} "
            "element-steps: use a longer routing step"
            + (" or fewer members" if work.members > 1 else ""),
            field=field,
        )
    memory = physical_memory_bytes()
    if work.result_bytes > memory:
        field = members_field if work.members > 1 else report_field
        raise InputError(
            f"the run would take {work.describe()}; its results need more memory than this "
            f"machine has ({_bytes(memory)}): use a longer report step"
            + (" or fewer members" if work.members > 1 else ""),
            field=field,
        )
