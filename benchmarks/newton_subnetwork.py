"""Cut a large conduits-only network down to the part one link drains through.

Usage::

    python benchmarks/newton_subnetwork.py BIG.inp LINK OUT.inp [--trunk] [--report-step HH:MM:SS]

Writes ``OUT.inp``: the whole drainage tree of the outfall ``LINK`` drains to (every node
connected to it, the conduits between them and the subcatchments on them; same options,
rain and inflow), so it routes exactly as inside ``BIG.inp`` when the trees are separate
(as in ``twin generate district``, conduits only).  ``--trunk``: only the tree's trunk
(from the outfall up, the branch that drains the most area), each trunk node given one
subcatchment with the area and width of everything that reaches it through side
branches.  Polygons, symbols and coordinates beyond the kept nodes are dropped.
Made for issue 16's district-100k (``benchmarks/results/newton/notes.md``).
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

KEEP_WHOLE = {"[TITLE]", "[OPTIONS]", "[EVAPORATION]", "[RAINGAGES]", "[TIMESERIES]", "[REPORT]",
              "[MAP]"}  # fmt: skip
DROP = {"[POLYGONS]", "[SYMBOLS]"}


def _rows(lines):
    sec = None
    for ln in lines:
        s = ln.strip()
        if s.startswith("["):
            sec = s.upper()
            continue
        if s and not s.startswith(";"):
            yield sec, s.split()


def subnetwork(lines: list[str], link: str, trunk: bool = False) -> tuple[list[str], dict]:
    """The lines of the sub-network and counts of what it kept."""
    cond, subs, outfalls = {}, {}, set()
    for sec, t in _rows(lines):
        if sec == "[CONDUITS]":
            cond[t[0]] = (t[1], t[2])
        elif sec == "[SUBCATCHMENTS]":
            subs[t[0]] = t
        elif sec == "[OUTFALLS]":
            outfalls.add(t[0])
    into, down = collections.defaultdict(list), collections.defaultdict(list)
    for c, (a, b) in cond.items():
        into[b].append(c)
        down[a].append(b)
    root, seen = cond[link][1], set()
    while down[root] and root not in seen:
        seen.add(root)
        root = down[root][0]
    sub_at = collections.defaultdict(list)
    for s, t in subs.items():
        sub_at[t[2]].append(s)
    keep, stack = {root}, [root]
    while stack:
        n = stack.pop()
        for m in [cond[c][0] for c in into[n]] + down[n]:
            if m not in keep:
                keep.add(m)
                stack.append(m)
    new_subs = {}
    if trunk:
        area: dict = {}
        order = []  # upstream-first order for the areas
        stack = [root]
        while stack:
            n = stack.pop()
            order.append(n)
            stack += [cond[c][0] for c in into[n]]
        for n in reversed(order):
            area[n] = sum(float(subs[s][3]) for s in sub_at[n]) + sum(
                area[cond[c][0]] for c in into[n])  # fmt: skip
        path, n = [root], root
        while into[n]:
            n = cond[max(into[n], key=lambda c: area[cond[c][0]])][0]
            path.append(n)
        on_trunk = set(path)
        for n in path:
            members, stack = [], [n]
            while stack:
                m = stack.pop()
                members += sub_at[m]
                stack += [cond[c][0] for c in into[m] if cond[c][0] not in on_trunk]
            if members:
                t = list(subs[members[0]])
                t[2] = n
                t[3] = f"{sum(float(subs[s][3]) for s in members):.4f}"
                t[5] = f"{sum(float(subs[s][5]) for s in members):.2f}"
                new_subs[t[0]] = t
        keep = on_trunk
    links = {c for c, (a, b) in cond.items() if a in keep and b in keep}
    kept_subs = set(new_subs) if trunk else {s for s, t in subs.items() if t[2] in keep}
    names = keep | links | kept_subs
    out, sec = [], None
    for ln in lines:
        s = ln.strip()
        if s.startswith("["):
            sec = s.upper()
            if sec not in DROP:
                out.append(ln)
            continue
        if sec in DROP:
            continue
        if sec in KEEP_WHOLE or not s or s.startswith(";"):
            out.append(ln)
            continue
        name = s.split()[0]
        if sec == "[SUBCATCHMENTS]" and trunk:
            if name in new_subs:
                out.append("  ".join(new_subs[name]))
        elif name in names:
            out.append(ln)
    return out, {"outfall": root, "nodes": len(keep), "conduits": len(links),
                 "subcatchments": len(kept_subs)}  # fmt: skip


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inp", type=Path)
    p.add_argument("link")
    p.add_argument("out", type=Path)
    p.add_argument("--trunk", action="store_true", help="the trunk only, side areas lumped")
    p.add_argument("--report-step", help="REPORT_STEP of the copy, HH:MM:SS")
    a = p.parse_args(argv)
    lines, counts = subnetwork(a.inp.read_text().split("\n"), a.link, a.trunk)
    if a.report_step:
        lines = [f"REPORT_STEP  {a.report_step}" if ln.split()[:1] == ["REPORT_STEP"] else ln
                 for ln in lines]  # fmt: skip
    a.out.write_text("\n".join(lines))
    print(counts)


if __name__ == "__main__":
    main()
