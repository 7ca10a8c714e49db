"""[HYDROGRAPHS] and [RDII]: rainfall-dependent infiltration/inflow, read as SWMM 5.2 reads it.

``rdii.c``'s ``rdii_readUnitHydParams`` and ``rdii_readRdiiInflow``::

    [HYDROGRAPHS]
    Name  Gauge                                      the set's rain gauge
    Name  Month  SHORT|MEDIUM|LONG  R  T  K  [Dmax  Drecov  Dinit]
    Name  Month  R1 T1 K1  R2 T2 K2  R3 T3 K3  [Dmax  Drecov  Dinit]   (the older form)
    [RDII]
    Node  Name  SewerArea

``Month`` is JAN..DEC or ALL; R is the fraction of rain that becomes inflow, T the time
to peak [h], K the recession limb over T; Dmax, Drecov and Dinit the initial
abstraction's maximum depth, recovery rate per day and initial depth used (in or mm).
SWMM keeps the times in whole seconds (``tPeak = (long)(T * 3600)``, ``tBase =
(long)(T (1 + K) 3600)``); so does :class:`UnitHydrographs`.  A bad field is an
InputError naming file, line, section and field (SWMM's error codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.networks import units
from twin.networks.inp_context import ReadContext, Row

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
UH_KINDS = ("SHORT", "MEDIUM", "LONG")  # SWMM's UHTypeWords
_NEW_FIELDS = ["Name", "Month", "Response", "R", "T", "K", "Dmax", "Drecov", "Dinit"]
_OLD_FIELDS = ["Name", "Month", "R1", "T1", "K1", "R2", "T2", "K2", "R3", "T3", "K3",
               "Dmax", "Drecov", "Dinit"]  # fmt: skip


@dataclass(eq=False)
class UnitHydrographs:
    """The unit hydrograph sets of [HYDROGRAPHS], each 3 hydrographs (short, medium,
    long term) for each of the 12 months.

    Attributes
    ----------
    names : list of str
    gauge : (n,) int64
        Rain gauge id of each set (-1: none named).
    r : (n, 12, 3) float64
        Fraction of the rain volume that enters the sewer.
    t_peak_s, t_base_s : (n, 12, 3) int64
        Time to peak and base time [s] (0 base time: no hydrograph).
    ia_max, ia_recovery, ia_initial : (n, 12, 3) float64
        Initial abstraction: maximum depth, recovery per day and depth used at the start,
        in the file's rain depth unit (in or mm), as SWMM keeps them.
    """

    names: list[str] = field(default_factory=list)
    gauge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    r: np.ndarray = field(default_factory=lambda: np.zeros((0, 12, 3)))
    t_peak_s: np.ndarray = field(default_factory=lambda: np.zeros((0, 12, 3), np.int64))
    t_base_s: np.ndarray = field(default_factory=lambda: np.zeros((0, 12, 3), np.int64))
    ia_max: np.ndarray = field(default_factory=lambda: np.zeros((0, 12, 3)))
    ia_recovery: np.ndarray = field(default_factory=lambda: np.zeros((0, 12, 3)))
    ia_initial: np.ndarray = field(default_factory=lambda: np.zeros((0, 12, 3)))

    def __len__(self) -> int:
        return len(self.names)


@dataclass(eq=False)
class RdiiInflows:
    """[RDII]: nodes that receive RDII, the unit hydrograph set and the sewershed area.

    Attributes
    ----------
    node, unit_hydrograph : (k,) int64
        Node id and unit hydrograph set id of each line (one line per node: a later line
        for the same node replaces the earlier, as in SWMM).
    area_m2 : (k,) float64
        Sewershed area [m2].
    """

    node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unit_hydrograph: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    area_m2: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.node)


def read_hydrographs(ctx: ReadContext, sec) -> UnitHydrographs:
    """The unit hydrograph sets of a [HYDROGRAPHS] section (names registered as
    ``"unithyd"`` by the reader's first pass)."""
    names = list(ctx.names.get("unithyd", []))
    n = len(names)
    uh = UnitHydrographs(
        names=names,
        gauge=np.full(n, -1, np.int64),
        r=np.zeros((n, 12, 3)),
        t_peak_s=np.zeros((n, 12, 3), np.int64),
        t_base_s=np.zeros((n, 12, 3), np.int64),
        ia_max=np.zeros((n, 12, 3)),
        ia_recovery=np.zeros((n, 12, 3)),
        ia_initial=np.zeros((n, 12, 3)),
    )
    for line in sec.lines if sec else []:
        toks = line.tokens
        row = Row(ctx, "HYDROGRAPHS", line, _NEW_FIELDS)
        j = row.ref(0, "unithyd")
        if len(toks) == 2:
            uh.gauge[j] = Row(ctx, "HYDROGRAPHS", line, ["Name", "Gauge"]).ref(1, "raingage")
            continue
        row.need(6)
        month = toks[1].upper()
        if month.startswith("ALL"):
            months = range(12)
        elif month[:3] in MONTHS:
            months = [MONTHS.index(month[:3])]
        else:
            row.fail(1, f"unknown month {toks[1][:40]!r} (expected JAN..DEC or ALL)", 205)
        kind = next((i for i, w in enumerate(UH_KINDS) if toks[2].upper().startswith(w)), -1)
        if kind >= 0:
            rtk = [[row.num(i) for i in (3, 4, 5)]]
            kinds = [kind]
            ia = [row.num(i, default=0.0) for i in (6, 7, 8)]
        else:
            row = Row(ctx, "HYDROGRAPHS", line, _OLD_FIELDS)
            row.need(11)
            p = [row.num(i) for i in range(2, 11)]
            rtk = [p[0:3], p[3:6], p[6:9]]
            kinds = [0, 1, 2]
            ia = [row.num(i, default=0.0) for i in (11, 12, 13)]
        for k, (r, t, kk) in zip(kinds, rtk, strict=True):
            for m in months:
                uh.r[j, m, k] = r
                uh.t_peak_s[j, m, k] = int(t * 3600.0)
                uh.t_base_s[j, m, k] = int(t * (1.0 + kk) * 3600.0)
                uh.ia_max[j, m, k], uh.ia_recovery[j, m, k], uh.ia_initial[j, m, k] = ia
    _validate(ctx, uh)
    return uh


def _validate(ctx: ReadContext, uh: UnitHydrographs) -> None:
    """SWMM's ``validateRdii`` on the sets, and a gauge for every set."""
    for j, name in enumerate(uh.names):
        if uh.gauge[j] < 0:
            ctx.fail_at("unithyd", j, f"unit hydrograph {name} names no rain gauge", "Gauge",
                        209)  # fmt: skip
        exists = uh.t_base_s[j] != 0
        if (uh.t_peak_s[j][exists] < 0).any() or (uh.t_base_s[j] < 0).any():
            ctx.fail_at("unithyd", j, f"unit hydrograph {name} has a negative time", "T", 151)
        if (uh.r[j][exists] < 0.0).any() or (np.where(exists, uh.r[j], 0.0).sum(1) > 1.01).any():
            ctx.fail_at("unithyd", j, f"unit hydrograph {name} has response ratios below 0 "
                        "or summing to more than 1", "R", 153)  # fmt: skip


def read_rdii(ctx: ReadContext, sec) -> RdiiInflows:
    """The RDII inflows of an [RDII] section; areas in m2."""
    by_node: dict[int, tuple[int, float]] = {}
    area_to_m2 = units.land_area_to_m2(ctx.unit_system)  # acres or hectares -> m2
    for line in sec.lines if sec else []:
        row = Row(ctx, "RDII", line, ["Node", "UnitHydrograph", "SewerArea"])
        row.need(3)
        node = row.ref(0, "node")
        uh = row.ref(1, "unithyd")
        area = row.num(2, minimum=0.0)  # SWMM's parser: 211, before its 155
        by_node[node] = (uh, area * area_to_m2)
    nodes = sorted(by_node)  # SWMM lists RDII nodes in node order
    return RdiiInflows(
        node=np.asarray(nodes, np.int64),
        unit_hydrograph=np.asarray([by_node[i][0] for i in nodes], np.int64),
        area_m2=np.asarray([by_node[i][1] for i in nodes], np.float64),
    )
