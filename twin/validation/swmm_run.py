"""Run EPA SWMM 5.2 on an ``.inp`` file and read its results into xarray (SI units).

``swmm-toolkit`` is an optional dependency (the ``test`` extra); this module
imports it only when called.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from twin.errors import TwinError

# SWMM output flow units code -> m3/s per unit (CFS GPM MGD CMS LPS MLD)
_FLOW_TO_M3S = [0.028316846592, 6.30901964e-05, 0.0438126364, 1.0, 0.001, 0.011574074074]
_FT = 0.3048


def run_swmm(inp, workdir=None, keep_files: bool = False, routing_steps=None) -> xr.Dataset:
    """Run SWMM 5.2 on ``inp`` and return its report-step results in SI.

    Parameters
    ----------
    inp : path-like
        A SWMM ``.inp`` file.
    workdir : path-like, optional
        Where the ``.rpt`` and ``.out`` files go (a temporary folder by default).
    routing_steps : sequence of float, optional
        Route with these steps [s], one per routing step, instead of SWMM's own
        (:func:`_run_on_steps`): e.g. the steps another run took.  SWMM raises a step
        below MINIMUM_STEP to it and cuts the last one at the end of the run.

    Returns
    -------
    xarray.Dataset
        ``node_depth``, ``node_head`` [m], ``node_inflow`` (total), ``node_lateral_inflow``,
        ``node_flooding`` [m3/s], ``node_volume`` [m3] (stored), ``link_flow`` [m3/s],
        ``link_depth`` [m], ``link_velocity`` [m/s], ``link_capacity`` [-],
        ``subcatchment_rainfall`` [mm/h], ``subcatchment_runoff`` [m3/s],
        ``subcatchment_infiltration`` [mm/h] on dims ``time``, ``node``, ``link``,
        ``subcatchment``; attributes ``runoff_continuity_error_percent`` and
        ``flow_routing_continuity_error_percent`` read from the report, and
        ``routing_evaporation_m3``, ``routing_seepage_m3`` (its flow routing
        "Evaporation Loss" and "Exfiltration Loss"), ``routing_rdii_inflow_m3`` (its
        "RDII Inflow"), ``rdii_rainfall_m3`` and ``rdii_produced_m3`` (its "Rainfall
        Dependent I/I" table) and ``runoff_evaporation_m3``
        (its runoff "Evaporation Loss"), to SWMM's printed precision.
    """
    from swmm.toolkit import output, shared_enum, solver

    inp = Path(inp).resolve()
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="twin-swmm-")
        workdir = tmp.name
    workdir = Path(workdir).resolve()
    rpt = workdir / (inp.stem + ".rpt")
    out = workdir / (inp.stem + ".out")
    # SWMM saves only the elements listed in [REPORT]: ask for all of them, in a copy
    # beside the original so that relative FILE references resolve the same way
    text = inp.read_text(errors="replace")
    text += "\n[REPORT]\nSUBCATCHMENTS ALL\nNODES ALL\nLINKS ALL\n"
    copy = inp.parent / f".{inp.stem}.twin-swmm-{os.getpid()}.inp"
    try:
        copy.write_text(text)
    except OSError:  # read-only folder: FILE references must then be absolute
        copy = workdir / (inp.stem + ".all.inp")
        copy.write_text(text)
    cwd = os.getcwd()
    try:
        os.chdir(inp.parent)  # relative FILE references resolve like SWMM's GUI
        with _quiet_stdout():
            if routing_steps is None:
                solver.swmm_run(str(copy), str(rpt), str(out))
            else:
                _run_on_steps(solver, str(copy), str(rpt), str(out), routing_steps)
    except Exception as exc:  # swmm-toolkit raises its own error types
        text = rpt.read_text(errors="replace") if rpt.exists() else ""
        errs = [ln.strip() for ln in text.splitlines() if "ERROR" in ln]
        raise TwinError(f"SWMM failed on {inp}: {'; '.join(errs[:3]) or exc}") from exc
    finally:
        os.chdir(cwd)
        copy.unlink(missing_ok=True)
    try:
        ds = _read_out(output, shared_enum, out)
        ds.attrs.update(_read_rpt(rpt))
        ds = ds.assign(_lid_performance(rpt.read_text(errors="replace")))
    finally:
        if tmp is not None and not keep_files:
            tmp.cleanup()
    return ds


#: SWMM 5.2's ``swmm_ROUTESTEP`` (swmm5.h): ``swmm_setValue`` of it sets the step of
#: the routing steps that follow (and the Courant factor to 0: a fixed step).
_SWMM_ROUTESTEP = 3


def _run_on_steps(solver, inp: str, rpt: str, out: str, steps) -> None:
    """SWMM's ``swmm_run`` with routing step ``k`` set to ``steps[k]`` [s] before it is
    taken (``swmm_setValue(swmm_ROUTESTEP)``: the toolkit's own setter refuses while a
    run is going, the engine's does not); raises when the steps end before the run
    does or the run before the steps."""
    import ctypes

    from swmm import toolkit

    # the library the toolkit's solver is linked to: loaded once, so one engine state
    engine = ctypes.CDLL(str(Path(toolkit.__file__).parent / "libswmm5.so"))
    engine.swmm_setValue.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_double]
    engine.swmm_setValue.restype = None
    steps = [float(s) for s in steps]
    solver.swmm_open(inp, rpt, out)
    try:
        solver.swmm_start(True)
        taken, ended, elapsed = 0, False, 0.0
        for dt in steps:
            engine.swmm_setValue(_SWMM_ROUTESTEP, 0, dt)
            taken += 1
            elapsed = solver.swmm_step()  # days; 0 once the run has ended
            if elapsed <= 0.0:
                ended = True
                break
        if not ended and _short_of_end_s(solver, elapsed) < 1e-3:
            # SWMM's clock (milliseconds) a hair short of the end where the caller's
            # (seconds) reached it: SWMM ends the run with a step of 1 ms, as on its own
            engine.swmm_setValue(_SWMM_ROUTESTEP, 0, 1e-3)
            ended = solver.swmm_step() <= 0.0
        solver.swmm_end()
        if not ended or taken != len(steps):
            how = "ended" if ended else "did not end"
            raise TwinError(f"SWMM took {taken} of the {len(steps)} routing steps given and "
                            f"{how}: they do not span the run")  # fmt: skip
        solver.swmm_report()
    finally:
        solver.swmm_close()


def _short_of_end_s(solver, elapsed_days: float) -> float:
    """How far [s] the running SWMM's clock, ``elapsed_days`` after the start, is from
    the end of its run."""
    from datetime import datetime

    start = datetime(*solver.simulation_get_datetime(0))  # START_DATE
    end = datetime(*solver.simulation_get_datetime(1))  # END_DATE
    return (end - start).total_seconds() - elapsed_days * 86400.0


class _quiet_stdout:
    """Silence SWMM's progress printing on file descriptor 1."""

    def __enter__(self):
        import sys

        sys.stdout.flush()
        self._saved = os.dup(1)
        self._null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(self._null, 1)

    def __exit__(self, *exc):
        os.dup2(self._saved, 1)
        os.close(self._saved)
        os.close(self._null)


def _read_out(output, enum, path: Path) -> xr.Dataset:
    h = output.init()
    output.open(h, str(path))
    try:
        n_sub, n_node, n_link, _n_pol = output.get_proj_size(h)[:4]
        units = output.get_units(h)
        us = units[0] == 0
        qf = _FLOW_TO_M3S[units[1]]
        lf = _FT if us else 1.0
        rain_f = 25.4 if us else 1.0
        vol_f = _FT**3 if us else 1.0
        n_t = output.get_times(h, enum.Time.NUM_PERIODS)
        step = output.get_times(h, enum.Time.REPORT_STEP)
        start = output.get_start_date(h)
        t0 = np.datetime64("1899-12-30T00:00:00") + np.timedelta64(int(round(start * 86400)), "s")
        time = t0 + np.arange(1, n_t + 1) * np.timedelta64(int(step), "s")

        def names(kind, n):
            return [output.get_elem_name(h, kind, i) for i in range(n)]

        et = enum.ElementType
        node_names = names(et.NODE, n_node)
        link_names = names(et.LINK, n_link)
        sub_names = names(et.SUBCATCH, n_sub)

        def series(getter, kind, n, attr, f):
            arr = np.empty((n_t, n), dtype=np.float64)
            for i in range(n):
                arr[:, i] = np.asarray(getter(h, i, attr, 0, n_t - 1), dtype=np.float64)
            return arr * f

        na, la, sa = enum.NodeAttribute, enum.LinkAttribute, enum.SubcatchAttribute
        g_n, g_l, g_s = output.get_node_series, output.get_link_series, output.get_subcatch_series
        data = {
            "node_depth": (("time", "node"), series(g_n, 0, n_node, na.INVERT_DEPTH, lf)),
            "node_head": (("time", "node"), series(g_n, 0, n_node, na.HYDRAULIC_HEAD, lf)),
            "node_lateral_inflow": (
                ("time", "node"),
                series(g_n, 0, n_node, na.LATERAL_INFLOW, qf),
            ),
            "node_inflow": (("time", "node"), series(g_n, 0, n_node, na.TOTAL_INFLOW, qf)),
            "node_flooding": (("time", "node"), series(g_n, 0, n_node, na.FLOODING_LOSSES, qf)),
            # SWMM's "PONDED_VOLUME" output is the node's stored volume
            "node_volume": (
                ("time", "node"),
                series(g_n, 0, n_node, na.PONDED_VOLUME, vol_f),
            ),
            "link_flow": (("time", "link"), series(g_l, 0, n_link, la.FLOW_RATE, qf)),
            "link_depth": (("time", "link"), series(g_l, 0, n_link, la.FLOW_DEPTH, lf)),
            "link_velocity": (("time", "link"), series(g_l, 0, n_link, la.FLOW_VELOCITY, lf)),
            "link_capacity": (("time", "link"), series(g_l, 0, n_link, la.CAPACITY, 1.0)),
            "subcatchment_rainfall": (
                ("time", "subcatchment"),
                series(g_s, 0, n_sub, sa.RAINFALL, rain_f),
            ),
            "subcatchment_runoff": (
                ("time", "subcatchment"),
                series(g_s, 0, n_sub, sa.RUNOFF_RATE, qf),
            ),
            "subcatchment_infiltration": (
                ("time", "subcatchment"),
                series(g_s, 0, n_sub, sa.INFIL_LOSS, rain_f),
            ),
            # 0 where a subcatchment has no aquifer
            "subcatchment_groundwater_flow": (
                ("time", "subcatchment"),
                series(g_s, 0, n_sub, sa.GW_OUTFLOW_RATE, qf),
            ),
            "subcatchment_groundwater_elevation": (
                ("time", "subcatchment"),
                series(g_s, 0, n_sub, sa.GW_TABLE_ELEV, lf),
            ),
        }
    finally:
        output.close(h)
    return xr.Dataset(
        data,
        coords={"time": time, "node": node_names, "link": link_names, "subcatchment": sub_names},
    )


_CONT_RE = re.compile(r"Continuity Error \(%\)\s*\.+\s*(-?[\d.]+)")


def _read_rpt(path: Path) -> dict:
    """Continuity errors from SWMM's report: runoff first, then flow routing."""
    text = path.read_text(errors="replace")
    attrs = {}
    runoff = text.find("Runoff Quantity Continuity")
    routing = text.find("Flow Routing Continuity")
    for key, pos in (
        ("runoff_continuity_error_percent", runoff),
        ("flow_routing_continuity_error_percent", routing),
    ):
        if pos >= 0:
            m = _CONT_RE.search(text, pos)
            if m:
                attrs[key] = float(m.group(1))
    if runoff >= 0:
        # the runoff evaporation, from the column in hectare-m (SI) or acre-feet (US)
        m3_per = 10000.0 if "hectare-m" in text[runoff : runoff + 200] else 1233.48183754752
        m = re.compile(r"Evaporation Loss\s*\.+\s*(-?[\d.]+)").search(text, runoff)
        if m and (routing < 0 or m.start() < routing):
            attrs["runoff_evaporation_m3"] = float(m.group(1)) * m3_per
        m = re.compile(r"LID Drainage\s*\.+\s*(-?[\d.]+)").search(text, runoff)
        if m and (routing < 0 or m.start() < routing):
            attrs["runoff_lid_drains_m3"] = float(m.group(1)) * m3_per
    attrs.update(_groundwater_continuity(text))
    rdii = text.find("Rainfall Dependent I/I")
    if rdii >= 0:
        # the sewershed rain and RDII produced, in hectare-m (SI) or acre-feet (US), as
        # SWMM converts them: ft3 * UCF(LENGTH) * UCF(LANDAREA) (its 2.2956e-5 acres/ft2)
        si = "hectare-m" in text[rdii : rdii + 200]
        m3_per = 0.028316846592 / (_FT * 0.92903e-5 if si else 2.2956e-5)
        for key, label in (("rdii_rainfall_m3", "Sewershed Rainfall"),
                           ("rdii_produced_m3", "RDII Produced")):  # fmt: skip
            m = re.compile(label + r"\s*\.+\s*(-?[\d.]+)").search(text, rdii)
            if m:
                attrs[key] = float(m.group(1)) * m3_per
    if routing >= 0:
        # the flow routing losses, from the column in 10^6 ltr (SI) or 10^6 gal (US)
        m3_per = 1000.0 if "10^6 ltr" in text[routing : routing + 400] else 3785.411784
        for key, label in (("routing_evaporation_m3", "Evaporation Loss"),
                           ("routing_seepage_m3", "Exfiltration Loss"),
                           ("routing_rdii_inflow_m3", "RDII Inflow"),
                           ("routing_groundwater_inflow_m3", "Groundwater Inflow")):  # fmt: skip
            m = re.compile(label + r"\s*\.+\s*(-?[\d.]+)\s+(-?[\d.]+)").search(text, routing)
            if m:
                attrs[key] = float(m.group(2)) * m3_per
    return attrs


def _lid_performance(text: str) -> dict:
    """SWMM's "LID Performance Summary" as the Dataset variables twin writes
    (:func:`twin.engine.lid.performance_dataset_vars`, depths in mm); {} without LIDs."""
    from twin.engine.lid import PERFORMANCE_KEYS, performance_dataset_vars

    pos = text.find("LID Performance Summary")
    if pos < 0:
        return {}
    lines = text[pos:].splitlines()
    mm = 1.0 if "mm" in " ".join(lines[:8]).split() else 25.4
    rows = []
    for line in lines[7:]:
        toks = line.split()
        if len(toks) != 10 or not all(_is_float(t) for t in toks[2:]):
            if rows:
                break
            continue
        vals = [float(t) for t in toks[2:]]
        row = {"subcatchment": toks[0], "lid": toks[1]}
        row.update({k: v * mm for k, v in zip(PERFORMANCE_KEYS, vals[:7], strict=True)})
        row["continuity_error_percent"] = vals[7]
        rows.append(row)
    return performance_dataset_vars(rows) if rows else {}


def _is_float(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


_GW_ROWS = (
    ("initial_storage", "Initial Storage"),
    ("infiltration", "Infiltration"),
    ("upper_evaporation", "Upper Zone ET"),
    ("lower_evaporation", "Lower Zone ET"),
    ("deep_percolation", "Deep Percolation"),
    ("lateral_outflow", "Groundwater Flow"),
    ("final_storage", "Final Storage"),
)


def _groundwater_continuity(text: str) -> dict:
    """SWMM's "Groundwater Continuity" volumes (hectare-m or acre-feet, to m3) and error."""
    pos = text.find("Groundwater Continuity")
    if pos < 0:
        return {}
    end = text.find("*****", text.find("Continuity Error", pos))
    part = text[pos:end]
    # printed as ft3 * UCF(LENGTH) * UCF(LANDAREA) (SWMM's 2.2956e-5 acres/ft2)
    m3_per = 0.028316846592 / (_FT * 0.92903e-5 if "hectare-m" in part[:200] else 2.2956e-5)
    attrs = {}
    for key, label in _GW_ROWS:
        m = re.compile(label + r"\s*\.+\s*(-?[\d.]+)").search(part)
        if m:
            attrs[f"groundwater_{key}_m3"] = float(m.group(1)) * m3_per
    m = _CONT_RE.search(part)
    if m:
        attrs["groundwater_continuity_error_percent"] = float(m.group(1))
    return attrs
