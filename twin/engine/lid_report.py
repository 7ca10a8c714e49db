"""SWMM's detailed LID report files ([LID_USAGE] RptFile), written as SWMM 5.2 writes them.

For each LID unit whose [LID_USAGE] line names a file, SWMM (``lid.c``'s
``initLidRptFile``, ``lidproc.c``'s ``lidproc_saveResults``) writes a heading and then, at
every runoff step, one tab-separated row: the date and time and elapsed hours at the
step's end, the unit's inflow, evaporation, surface infiltration, pavement and soil
percolation, storage exfiltration, surface runoff and drain outflow (in/hr or mm/hr), its
surface, pavement and storage levels (in or mm) and soil moisture content.  Dry stretches
are shortened: the first dry step after a wet one is written, the others are skipped
but the last of them is written when the unit gets wet again (a unit dry from the start
has only that last row).

The file name is opened as SWMM opens it: as written, a relative name against the
working directory of the run (SWMM does not prefix it with the input file's folder, as
it does for rain and climate files).  :class:`LidReportFiles` keeps the rows and writes
each file whole when the runoff clock reaches the end of the run.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.files.output import write_text
from twin.kernels.runoff import lid as kl

_COLS = 14
_HEAD1 = ("\n                    \t", "  Elapsed\t", "    Total\t", "    Total\t", "  Surface\t",
          " Pavement\t", "     Soil\t", "  Storage\t", "  Surface\t", "    Drain\t", "  Surface\t",
          " Pavement\t", "     Soil\t", "  Storage")  # fmt: skip
_HEAD2 = ("\n                    \t", "     Time\t", "   Inflow\t", "     Evap\t", "    Infil\t",
          "     Perc\t", "     Perc\t", "    Exfil\t", "   Runoff\t", "  OutFlow\t", "    Level\t",
          "    Level\t", " Moisture\t", "    Level")  # fmt: skip
_UNITS = {
    "US": ("\nDate        Time    \t", "    Hours\t", *("    in/hr\t",) * 8, "   inches\t",
           "   inches\t", "  Content\t", "   inches"),
    "SI": ("\nDate        Time    \t", "    Hours\t", *("    mm/hr\t",) * 8, "       mm\t",
           "       mm\t", "  Content\t", "       mm"),
}  # fmt: skip
#: SWMM's row format (lidproc_saveResults)
_ROW = ("\n%20s\t %8.3f\t %8.3f\t %8.4f\t %8.3f\t %8.3f\t %8.3f\t %8.3f\t"
        "%8.3f\t %8.3f\t %8.3f\t %8.3f\t %8.3f\t %8.3f")  # fmt: skip


def heading(title: str, lid: str, subcatchment: str, unit_system: str) -> str:
    """The file's title lines and column headings (``initLidRptFile``)."""
    parts = ["SWMM5 LID Report File\n", f"\nProject:  {title}",
             f"\nLID Unit: {lid} in Subcatchment {subcatchment}\n"]  # fmt: skip
    parts += [*_HEAD1, *_HEAD2, *_UNITS[unit_system]]
    parts.append("\n----------- --------" + "\t ---------" * (_COLS - 1))
    return "".join(parts)


def report_path(name: str, net, line: int) -> Path:
    """The file a [LID_USAGE] RptFile names, as SWMM's ``fopen`` finds it (relative to
    the working directory); its folder must exist (else SWMM's error 309 is raised)."""
    path = Path(os.path.abspath(name))
    if not path.parent.is_dir():
        raise InputError(
            f"cannot open the LID report file {name[:80]!r}: no folder {str(path.parent)[:80]!r}",
            file=getattr(net, "source", "") or None,
            line=line,
            section="LID_USAGE",
            field="RptFile",
            code=309,
        )
    return path


class LidReportFiles:
    """The detailed report files of the LID units that name one.

    Parameters
    ----------
    net : Network
    rows : list of (unit row, path, LID name, subcatchment name)
        The units (rows of :class:`~twin.engine.lid.LidUnits`' kernel arrays) that report.
    unit_system : "US" or "SI"
    start : numpy.datetime64
        The run's start.
    """

    def __init__(self, net, rows, unit_system: str, start):
        title = net.title[0] + " " if getattr(net, "title", None) else ""
        self.rows = np.asarray([r[0] for r in rows], np.int64)
        self.paths = [r[1] for r in rows]
        self._parts = [[heading(title, r[2], r[3], unit_system)] for r in rows]
        self._was_dry = [1] * len(rows)
        self._saved = [""] * len(rows)
        self._start = start.astype("datetime64[ms]").astype(dt.datetime)
        ucf_rate = 43200.0 if unit_system == "US" else 1097280.0
        ucf_depth = 12.0 if unit_system == "US" else 304.8
        self._scale = np.array([ucf_rate] * 8 + [ucf_depth, ucf_depth, 1.0, ucf_depth])
        self.written = False

    def record(self, t_new_s: float, rpt_at_unit: np.ndarray) -> None:
        """Add the step ending ``t_new_s`` s after the start (``lidproc_saveResults``)."""
        stamp = None
        for i, m in enumerate(self.rows):
            r = rpt_at_unit[m]
            if stamp is None:
                # SWMM's getDateTime adds 1 ms; the clock prints rounded seconds
                when = self._start + dt.timedelta(milliseconds=round(t_new_s * 1000.0) + 1)
                when += dt.timedelta(microseconds=500_000)
                stamp = when.strftime("%m/%d/%Y %H:%M:%S")
            values = r[: kl.R_DRY] * self._scale
            row = _ROW % (stamp, t_new_s / 3600.0, *values)
            dry = r[kl.R_DRY] > 0.0
            parts = self._parts[i]
            if not dry and self._was_dry[i] > 1:
                parts.append(self._saved[i])
            self._saved[i] = row
            if dry:
                if self._was_dry[i] == 0:
                    parts.append(row)
                self._was_dry[i] += 1
            else:
                parts.append(row)
                self._was_dry[i] = 0

    def write(self) -> None:
        """Write every file whole (once)."""
        if self.written:
            return
        for path, parts in zip(self.paths, self._parts, strict=True):
            write_text(path, "".join(parts))
        self.written = True
