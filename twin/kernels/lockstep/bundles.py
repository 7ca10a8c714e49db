"""The lockstep state: node and link state of every member, laid out ``[element][member]``.

Each field is a C-contiguous ``(n_elements, n_members)`` array, so a loop over the
members of one element reads and writes consecutive numbers (what LLVM vectorises).
The fields are those of :class:`~twin.kernels.routing.bundles.NodeState` and
:class:`~twin.kernels.routing.bundles.LinkState` that a dynamic-wave Picard pass reads
or writes (same names, units and meanings); the rest of a member's state stays in its
own bundles.  :data:`NODE_FIELDS` / :data:`LINK_FIELDS` name them in order.
"""

from __future__ import annotations

from numba import types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, Field, bind
from twin.kernels.routing.bundles import LinkState, NodeState

__all__ = ["LINK_FIELDS", "NODE_FIELDS", "MembersLinkState", "MembersNodeState"]

#: NodeState fields a Picard pass reads or writes, in the order they are copied.
NODE_FIELDS = (
    "depth", "depth_old", "volume", "volume_old", "inflow", "outflow", "overflow", "lateral",
    "net_inflow_old", "losses", "surf_area", "surf_area_old", "sum_dqdh", "dydt", "converged",
    "stage",
)  # fmt: skip
#: LinkState fields a Picard pass reads or writes, in the order they are copied.
LINK_FIELDS = (
    "flow", "flow_old", "depth", "volume", "q1", "q2", "a1", "a2", "dqdh", "froude",
    "flow_class", "bypassed", "surf_area1", "surf_area2", "normal_flow_limited",
)  # fmt: skip


def _members(source, names, dim):
    declared = {f.name: f for f in source.fields}
    out = []
    for n in names:
        f = declared[n]
        out.append(Field(n, f.dtype, f.unit, f.meaning + ", per member", dim, f.fill, ndim=2))
    return tuple(out)


@structref.register
class MembersNodeStateType(types.StructRef):
    pass


class MembersNodeState(Bundle):
    """Node state of every member, ``(n_nodes, n_members)`` each."""

    fields = _members(NodeState, NODE_FIELDS, "node")


bind(MembersNodeState, MembersNodeStateType)


@structref.register
class MembersLinkStateType(types.StructRef):
    pass


class MembersLinkState(Bundle):
    """Link state of every member, ``(n_links, n_members)`` each."""

    fields = _members(LinkState, LINK_FIELDS, "link")


bind(MembersLinkState, MembersLinkStateType)
