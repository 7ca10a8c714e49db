"""Structural checks of a Network: things SWMM accepts but a modeller should look at.

:func:`check_network` returns a list of :class:`CheckFinding`; nothing raises.
Severities: ``"error"`` (the model cannot be right: a link joining a node to
itself, a zero-length conduit, a subcatchment that drains nowhere, a referenced
file that does not exist), ``"warning"`` (suspicious: no path to an outfall,
disconnected parts, adverse slopes, offsets above the rim, duplicate parallel
links; a section SWMM would simulate and twin does not, such as inlets or
snowmelt), also ``"error"`` for an element twin cannot route yet (culvert inlet
control, IRREGULAR transects: ``twin run`` refuses them) and
``"info"`` (loops, which are normal in looped sewers; water-quality sections, which
do not change the flows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.kernels.codes import LinkKind, NodeKind
from twin.networks.model import Network

__all__ = ["CheckFinding", "check_network", "not_modelled_elements"]

SLOPE_TOL_M = 0.001 * 0.3048  # SWMM's MIN_DELTA_Z (0.001 ft)


@dataclass(frozen=True)
class CheckFinding:
    """One finding: ``severity`` (error/warning/info), element ``kind``
    (node, link, subcatchment, network), element ``name``, ``message``."""

    severity: str
    kind: str
    name: str
    message: str


def check_network(net: Network) -> list[CheckFinding]:
    """Structural findings about ``net`` (see the module docstring)."""
    out: list[CheckFinding] = [
        CheckFinding(
            "error",
            kind,
            name,
            f"not modelled by twin yet: {what} (SWMM models it; twin run refuses the network)",
        )
        for kind, name, what in not_modelled_elements(net)
    ]
    out += _links(net)
    out += _connectivity(net)
    out += _subcatchments(net)
    out += _not_simulated(net)
    out += _missing_files(net)
    return out


def not_modelled_elements(net: Network) -> list[tuple[str, str, str]]:
    """Elements the router cannot route yet, as ``(kind, name, what)``.

    None since issue 19: culvert inlet control, IRREGULAR transects and STREET cross
    sections are routed.  ``twin run`` refuses a network
    that has any (naming the first); ``twin check`` lists them all."""
    del net
    return []


def referenced_files(net: Network) -> list[tuple[str, str, str]]:
    """Files the network refers to, as ``(kind, name, path)``: time series and rain gauge
    ``FILE`` entries and the ``USE`` lines of ``[FILES]``; relative paths resolved against
    the folder of ``net.source`` as SWMM does."""
    from pathlib import Path

    base = Path(net.source).parent if net.source else Path.cwd()
    found = []
    for name, ts in (net.timeseries or {}).items():
        if ts.file:
            found.append(("timeseries", str(name), ts.file))
    gauges = net.raingages
    for i in range(len(gauges.name)):
        if gauges.file[i]:
            found.append(("raingage", str(gauges.name[i]), str(gauges.file[i])))
    from twin.networks.inp_tokens import tokenize

    for raw in (net.sections or {}).get("FILES", []):
        toks = tokenize(raw)
        if len(toks) >= 3 and toks[0].upper() == "USE":
            found.append(("network", f"[FILES] USE {toks[1].upper()}", toks[2]))
    return [(k, n, str(p if Path(p).is_absolute() else base / p)) for k, n, p in found]


def _missing_files(net: Network) -> list[CheckFinding]:
    from pathlib import Path

    return [
        CheckFinding("error", kind, name, f"referenced file does not exist: {path}")
        for kind, name, path in referenced_files(net)
        if not Path(path).exists()
    ]


#: Sections SWMM simulates and twin keeps verbatim without simulating: they change flows.
NOT_SIMULATED_FLOW = (
    "SNOWPACKS", "EVENTS", "FILES",
)  # fmt: skip
#: Water-quality sections (twin models no quality): the flows do not depend on them.
NOT_SIMULATED_QUALITY = (
    "POLLUTANTS", "LANDUSES", "COVERAGES", "BUILDUP", "WASHOFF", "TREATMENT", "LOADINGS",
)  # fmt: skip


def _not_simulated(net: Network) -> list[CheckFinding]:
    sections = net.sections or {}
    used = [s for s in (*NOT_SIMULATED_FLOW, *NOT_SIMULATED_QUALITY) if sections.get(s)]
    out = []
    for sec in used:
        if sec in NOT_SIMULATED_FLOW:
            msg = "not simulated by twin (SWMM would simulate it): flows differ where it acts"
            out.append(CheckFinding("warning", "network", f"[{sec}]", msg))
        else:
            msg = "water quality is not simulated; the flows do not depend on it"
            out.append(CheckFinding("info", "network", f"[{sec}]", msg))
    return out


def _links(net: Network) -> list[CheckFinding]:
    ln, nd = net.links, net.nodes
    out = []
    off_in, off_out = net.offsets_above_invert()
    seen: dict[tuple, str] = {}
    for j in range(len(ln)):
        name = str(ln.name[j])
        a, b = int(ln.from_node[j]), int(ln.to_node[j])
        if a == b:
            out.append(CheckFinding("error", "link", name, "link joins a node to itself"))
            continue
        key = (int(ln.kind[j]), min(a, b), max(a, b))
        if key in seen:
            out.append(
                CheckFinding(
                    "warning",
                    "link",
                    name,
                    f"duplicate parallel link of {seen[key]!r} between "
                    f"{nd.name[key[1]]!r} and {nd.name[key[2]]!r}",
                )
            )
        else:
            seen[key] = name
        if ln.kind[j] != LinkKind.CONDUIT:
            continue
        if not ln.length_m[j] > 0.0:
            out.append(CheckFinding("error", "link", name, "conduit has zero length"))
        z_in = nd.invert_m[a] + off_in[j]
        z_out = nd.invert_m[b] + off_out[j]
        if z_out > z_in + SLOPE_TOL_M:
            out.append(
                CheckFinding(
                    "warning",
                    "link",
                    name,
                    f"adverse slope: invert rises {z_out - z_in:.3f} m downstream",
                )
            )
        for node, off, end in ((a, off_in[j], "inlet"), (b, off_out[j], "outlet")):
            depth = nd.max_depth_m[node]
            if nd.kind[node] != NodeKind.OUTFALL and depth > 0.0 and off > depth + 1e-9:
                out.append(
                    CheckFinding(
                        "warning",
                        "link",
                        name,
                        f"{end} offset {off:.3f} m is above the rim of {nd.name[node]!r} "
                        f"(max depth {depth:.3f} m)",
                    )
                )
    return out


def _connectivity(net: Network) -> list[CheckFinding]:
    nd, ln = net.nodes, net.links
    n = len(nd)
    out = []
    up: list[list[int]] = [[] for _ in range(n)]  # node -> nodes draining into it
    nbr: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(ln.from_node, ln.to_node, strict=True):
        a, b = int(a), int(b)
        up[b].append(a)
        nbr[a].append(b)
        nbr[b].append(a)
    # nodes that reach an outfall following link directions
    reach = np.zeros(n, bool)
    stack = [i for i in range(n) if nd.kind[i] == NodeKind.OUTFALL]
    for i in stack:
        reach[i] = True
    while stack:
        i = stack.pop()
        for k in up[i]:
            if not reach[k]:
                reach[k] = True
                stack.append(k)
    for i in range(n):
        if not nbr[i]:
            out.append(CheckFinding("warning", "node", str(nd.name[i]), "node has no links"))
        elif not reach[i]:
            out.append(CheckFinding("warning", "node", str(nd.name[i]), "no path to an outfall"))
    # connected parts and loops (cyclomatic number per part)
    comp = np.full(n, -1)
    parts = []
    for s in range(n):
        if comp[s] >= 0 or not nbr[s]:
            continue
        comp[s] = len(parts)
        members, stack = [s], [s]
        while stack:
            i = stack.pop()
            for k in nbr[i]:
                if comp[k] < 0:
                    comp[k] = comp[s]
                    members.append(k)
                    stack.append(k)
        parts.append(members)
    if len(parts) > 1:
        biggest = max(range(len(parts)), key=lambda p: len(parts[p]))
        for p, members in enumerate(parts):
            if p != biggest:
                first = str(nd.name[min(members)])
                out.append(
                    CheckFinding(
                        "warning",
                        "network",
                        first,
                        f"disconnected part of {len(members)} nodes (containing {first!r})",
                    )
                )
    n_links_in = np.zeros(len(parts), int)
    for a in ln.from_node:
        if comp[int(a)] >= 0:
            n_links_in[comp[int(a)]] += 1
    for p, members in enumerate(parts):
        loops = int(n_links_in[p]) - len(members) + 1
        if loops > 0:
            first = str(nd.name[min(members)])
            out.append(
                CheckFinding(
                    "info",
                    "network",
                    first,
                    f"{loops} loop(s) in the part containing {first!r} (normal in looped sewers)",
                )
            )
    return out


def _subcatchments(net: Network) -> list[CheckFinding]:
    sc = net.subcatchments
    out = []
    for j in range(len(sc)):
        name = str(sc.name[j])
        if sc.outlet_node[j] < 0 and sc.outlet_subcatchment[j] < 0:
            out.append(CheckFinding("error", "subcatchment", name, "drains to nothing"))
            continue
        # follow subcatchment -> subcatchment routing until a node (or a cycle)
        seen, k = {j}, j
        while sc.outlet_node[k] < 0 and sc.outlet_subcatchment[k] >= 0:
            k = int(sc.outlet_subcatchment[k])
            if k in seen:
                out.append(
                    CheckFinding(
                        "error",
                        "subcatchment",
                        name,
                        "drains in a circle of subcatchments, never to a node",
                    )
                )
                break
            seen.add(k)
    return out
