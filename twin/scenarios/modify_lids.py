"""What-if LIDs: "add 20 % permeable pavement to these subcatchments", written as SWMM's
[LID_CONTROLS] and [LID_USAGE] lines so that SWMM runs the same scenario.

A scenario's ``lids`` entries (``[[modify.lids]]`` in a scenario file)::

    [[modify.lids]]
    control = "permeable_pavement"   # a preset below, or an LID control of the network
    subcatchments = ["S1", "S2"]     # or "all"
    area_pct = 20                    # of each subcatchment's area
    replaces = "impervious"          # impervious (default) | pervious | both
    from_impervious_pct = 0          # of the remaining impervious runoff it treats
    from_pervious_pct = 0
    to_pervious = false              # outflow onto the pervious area
    drain_to = ""                    # node or subcatchment for the under-drain
    initial_saturation_pct = 0

SWMM takes an LID's area out of its subcatchment and keeps the subcatchment's % impervious
for the rest.  ``replaces = "impervious"`` lowers that percentage so that the pervious
area stays as it was (the LID is built on impervious ground: the usual retrofit);
``"pervious"`` raises it so that the impervious area stays; ``"both"`` keeps the
percentage (the LID takes both kinds in proportion).  The presets are typical designs
(SWMM 5.2 user's manual, Table 6-3 ranges), in mm and mm/h.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError, checked_number
from twin.networks.inp_lid import lids_from_sections

__all__ = ["LID_PRESETS", "add_lids"]

#: preset LID controls: SWMM type and layer lines (SI: mm, mm/h)
LID_PRESETS = {
    "permeable_pavement": ("PP", [
        "SURFACE 2 0 0.012 1 0",
        "PAVEMENT 150 0.15 0 250 0",
        "STORAGE 300 0.75 10 0",
    ]),
    "bioretention": ("BC", [
        "SURFACE 150 0.1 0 1 0",
        "SOIL 600 0.5 0.2 0.1 25 10 90",
        "STORAGE 300 0.75 10 0",
    ]),
    "rain_garden": ("RG", [
        "SURFACE 150 0.1 0 1 0",
        "SOIL 450 0.5 0.2 0.1 25 10 90",
    ]),
    "infiltration_trench": ("IT", [
        "SURFACE 50 0 0 1 0",
        "STORAGE 900 0.75 10 0",
    ]),
    "green_roof": ("GR", [
        "SURFACE 25 0 0.1 2 0",
        "SOIL 100 0.5 0.2 0.1 250 10 90",
        "DRAINMAT 25 0.5 0.1",
    ]),
}  # fmt: skip
#: depths of the presets' layer fields (mm -> the file's unit), per layer word
_DEPTH_FIELDS = {"SURFACE": (0,), "PAVEMENT": (0, 3), "SOIL": (0, 4, 6), "STORAGE": (0, 2),
                 "DRAINMAT": (0,)}  # fmt: skip
_KEYS = {"control", "subcatchments", "area_pct", "replaces", "from_impervious_pct",
         "from_pervious_pct", "to_pervious", "drain_to", "initial_saturation_pct"}  # fmt: skip


def _preset_lines(name: str, preset: str, us: bool) -> list[str]:
    kind, layers = LID_PRESETS[preset]
    lines = [f"{name} {kind}"]
    for layer in layers:
        word, *vals = layer.split()
        x = [float(v) for v in vals]
        if us:  # mm -> in, mm/h -> in/h
            for i in _DEPTH_FIELDS[word]:
                x[i] /= 25.4
        lines.append(f"{name} {word} " + " ".join(f"{v:.6g}" for v in x))
    return lines


def _subcatchments(net, entry, key) -> list[int]:
    names = entry.get("subcatchments", "all")
    index = {str(n).upper(): j for j, n in enumerate(net.subcatchments.name)}
    if names == "all":
        return list(range(len(index)))
    if isinstance(names, str) or not isinstance(names, list) or not names:
        raise InputError("expected a list of subcatchment names or 'all'",
                         field=f"{key}.subcatchments")  # fmt: skip
    out = []
    for n in names:
        j = index.get(str(n).upper())
        if j is None:
            raise InputError(f"no subcatchment named {n!r}", field=f"{key}.subcatchments")
        out.append(j)
    return out


def add_lids(net, entries: list) -> None:
    """Add the LID units of ``entries`` (see the module docstring) to ``net`` in place:
    [LID_CONTROLS] lines for presets, one [LID_USAGE] line per subcatchment, the
    subcatchments' % impervious adjusted, and ``net.lids`` read again from the lines."""
    us = net.unit_system == "US"
    m2_per_unit = 0.3048**2 if us else 1.0  # LID unit area: ft2 or m2
    m_per_unit = 0.3048 if us else 1.0
    sections = net.sections
    controls = list(sections.get("LID_CONTROLS", []))
    usage = list(sections.get("LID_USAGE", []))
    known = {c.upper() for c in net.lids.controls.names}
    s = net.subcatchments
    for k, entry in enumerate(entries):
        key = f"lids[{k}]"
        if not isinstance(entry, dict) or "control" not in entry:
            raise InputError("each entry needs 'control'", field=key)
        bad = set(entry) - _KEYS
        if bad:
            raise InputError(f"unknown keys {', '.join(sorted(bad))}", field=key)
        control = str(entry["control"])
        if control.upper() not in known:
            if control not in LID_PRESETS:
                presets = ", ".join(LID_PRESETS)
                raise InputError(f"{control!r} is neither an LID control of the network nor a "
                                 f"preset ({presets})", field=f"{key}.control")  # fmt: skip
            controls += _preset_lines(control, control, us)
            known.add(control.upper())
        pct = checked_number(entry.get("area_pct", 0.0), f"{key}.area_pct", 0.0, 100.0)
        replaces = str(entry.get("replaces", "impervious"))
        if replaces not in ("impervious", "pervious", "both"):
            raise InputError(f"expected impervious, pervious or both, got {replaces!r}",
                             field=f"{key}.replaces")  # fmt: skip
        f_imp = checked_number(entry.get("from_impervious_pct", 0.0),
                               f"{key}.from_impervious_pct", 0.0, 100.0)  # fmt: skip
        f_perv = checked_number(entry.get("from_pervious_pct", 0.0),
                                f"{key}.from_pervious_pct", 0.0, 100.0)  # fmt: skip
        init = checked_number(entry.get("initial_saturation_pct", 0.0),
                              f"{key}.initial_saturation_pct", 0.0, 100.0)  # fmt: skip
        to_perv = 1 if entry.get("to_pervious", False) else 0
        drain = str(entry.get("drain_to", "") or "*")
        for j in _subcatchments(net, entry, key):
            area = float(s.area_m2[j])
            lid_m2 = area * pct / 100.0
            if lid_m2 <= 0.0:
                continue
            name = str(s.name[j])
            imp = float(s.imperv_pct[j]) / 100.0
            rest = area - lid_m2
            if rest > 0.0 and replaces != "both":
                if replaces == "impervious":
                    new_imp = (imp * area - lid_m2) / rest
                else:
                    new_imp = imp * area / rest
                if not 0.0 <= new_imp <= 1.0 + 1e-12:
                    raise InputError(f"{pct:g} % of subcatchment {name} is more than its "
                                     f"{replaces} area", field=f"{key}.area_pct")  # fmt: skip
                s.imperv_pct[j] = min(max(new_imp, 0.0), 1.0) * 100.0
            width = np.sqrt(lid_m2) / m_per_unit
            usage.append(f"{name} {control} 1 {lid_m2 / m2_per_unit:.6f} {width:.4f} {init:g} "
                         f"{f_imp:g} {to_perv} * {drain} {f_perv:g}")  # fmt: skip
    sections["LID_CONTROLS"] = controls
    sections["LID_USAGE"] = usage
    net.lids = lids_from_sections(net, source="scenario [modify.lids]")
