"""Turn a finished (or paused) simulation into the results Dataset, in SI units."""

from __future__ import annotations

import json

import numpy as np

import twin
from twin.engine.dataset import build_dataset
from twin.engine.dataset_geometry import link_polylines
from twin.errors import SimulationError
from twin.kernels.codes import LinkKind, NodeKind
from twin.networks.units import CFS_TO_M3S, FT3_TO_M3, FT_TO_M

FT, CFS, FT3 = FT_TO_M, CFS_TO_M3S, FT3_TO_M3


def _node_coords(net) -> dict:
    nodes = net.nodes
    kind = np.asarray(nodes.kind)
    return {
        "node_x": np.asarray(nodes.x, dtype=np.float64),
        "node_y": np.asarray(nodes.y, dtype=np.float64),
        "node_invert": np.asarray(nodes.invert_m, dtype=np.float64),
        "node_rim": np.asarray(nodes.invert_m) + np.asarray(nodes.max_depth_m),
        "node_kind": np.asarray([NodeKind(k).name.lower() for k in kind], dtype=object),
    }


def _link_coords(net, router) -> dict:
    links = net.links
    names = np.asarray(net.nodes.name, dtype=object)
    return {
        "link_from": names[np.asarray(links.from_node, dtype=np.int64)],
        "link_to": names[np.asarray(links.to_node, dtype=np.int64)],
        "link_kind": np.asarray([LinkKind(k).name.lower() for k in links.kind], dtype=object),
        "link_length": np.asarray(links.length_m, dtype=np.float64),
        "link_full_depth": _section_depth_ft(router) * FT,
    }


def _sub_coords(net) -> dict:
    s = net.subcatchments
    return {
        "subcatchment_area": np.asarray(s.area_m2, dtype=np.float64),
        "subcatchment_outlet": np.asarray(s.outlet, dtype=object),
    }


def results_dataset(sim, rec):
    """The Dataset of ``sim`` (a :class:`Simulation`) sampled by ``rec`` (its Recorder)."""
    net, r, opts = sim.net, sim.router, sim.opts
    n_t = len(rec.times_s)
    times = opts.start + (np.asarray(rec.times_s) * 1000).round().astype("timedelta64[ms]")
    series = {}
    for k, v in rec.samples.items():
        if v:
            series[k] = np.stack(v)
        elif k.startswith("subcatchment") and net.n_subcatchments == 0:
            continue
        elif k.startswith("subcatchment"):
            series[k] = np.zeros((n_t, net.n_subcatchments))
        else:
            width = net.n_nodes if k.startswith("node") else net.n_links
            series[k] = np.zeros((n_t, width))
    a, b = rec.node_acc, rec.link_acc
    t0 = opts.start

    def when(t_s):
        return t0 + (np.asarray(t_s) * 1000).round().astype("timedelta64[ms]")

    summaries = {
        "node_max_depth": a["max_depth"] * FT,
        "node_max_head": (a["max_depth"] + rec.invert_ft) * FT,
        "node_max_depth_time": when(a["max_depth_t"]),
        "node_max_inflow": a["max_inflow"] * CFS,
        "node_max_lateral_inflow": a["max_lat"] * CFS,
        "node_max_flooding": a["max_overflow"] * CFS,
        "node_flood_volume": a["flood_vol"] * FT3,
        "node_flood_hours": a["flood_time"] / 3600.0,
        "node_surcharge_hours": a["surcharge_time"] / 3600.0,
        "node_max_ponded_volume": a["max_ponded"] * FT3,
        "node_lateral_volume": a["lat_vol"] * FT3,
        "node_critical_steps": rec.node_critical.astype(np.float64),
        "link_max_flow": b["max_flow"] * CFS,
        "link_max_flow_time": when(b["max_flow_t"]),
        "link_max_velocity": b["max_velocity"] * FT,
        "link_max_capacity": _ratio(b["max_depth"], _section_depth_ft(r)),
        "link_full_flow": r.links.q_full * r.links.barrels * CFS,
        "link_surcharge_hours": b["surcharge_time"] / 3600.0,
        "link_critical_steps": rec.link_critical.astype(np.float64),
    }
    vin = r.totals.inflow_volume
    vout = r.totals.outflow_volume + r.node_state.volume
    summaries["node_inflow_volume"] = vin * FT3
    summaries["node_continuity_error_percent"] = np.where(
        vin > 0, (vin - vout) / np.where(vin > 0, vin, 1.0) * 100.0, 0.0
    )
    if sim.runoff is not None:
        summaries.update(_runoff_summaries(sim.runoff))
        if sim.runoff.groundwater is not None:  # SWMM's "Groundwater Summary"
            gw = sim.runoff.groundwater
            summaries.update(gw.summaries(net.n_subcatchments, sim.runoff.t_new_s))
    if net.street_params:  # SWMM's "Street Flow Summary"
        from twin.engine.inlets import street_summaries

        summaries.update(street_summaries(net, r, b["max_flow"], b["max_depth"]))
    coords = {**_node_coords(net), **_link_coords(net, r)}
    coords["node_crown"] = (rec.invert_ft + r.nodes.crown_depth) * FT
    if net.n_subcatchments:
        coords.update(_sub_coords(net))
    names = {
        "node": np.asarray(net.nodes.name, dtype=object),
        "link": np.asarray(net.links.name, dtype=object),
        "subcatchment": np.asarray(net.subcatchments.name, dtype=object),
    }
    attrs = _attrs(sim)
    if r.inlets is not None:  # the design of each link's inlet, for the street table
        attrs["inlet_designs"] = json.dumps(r.inlets.design_of_link)
    ds = build_dataset(times, series, summaries, coords, names, attrs, _geometry(net))
    if sim.runoff is not None and sim.runoff.lids is not None:  # SWMM's LID Performance
        from twin.engine.lid import performance_dataset_vars

        ds = ds.assign(performance_dataset_vars(sim.runoff.lids.performance()))
    for c in sim.couplers:
        ds = ds.assign(c.dataset_vars())
        ds.attrs.update(c.attrs())
    crs = _crs(sim)
    if crs:
        from twin.engine.crs import with_crs

        ds = with_crs(ds, crs, source="the network's or the DEM's CRS")
    return ds


def _geometry(net) -> dict | None:
    """Link polylines (through [VERTICES]) and subcatchment outlines ([POLYGONS])."""
    nodes, links = net.nodes, net.links
    if not np.isfinite(np.asarray(nodes.x, np.float64)).any():
        return None  # no map at all: nothing to draw
    shapes = {
        "link": link_polylines(nodes.x, nodes.y, links.from_node, links.to_node, links.name,
                               net.vertices),
    }  # fmt: skip
    if net.n_subcatchments:
        shapes["subcatchment"] = list(net.subcatchments.polygon)
    return shapes


def _crs(sim) -> str:
    """The CRS of the map: the network's, else the one of the DEM a coupler runs on."""
    from twin.engine.crs import crs_of_dem

    crs = getattr(sim.net, "crs", "") or ""
    for c in sim.couplers:
        crs = crs or crs_of_dem(getattr(c, "dem", None))
    return str(crs)


def _runoff_summaries(ro) -> dict:
    return {
        "subcatchment_total_rainfall": np.asarray(ro.total_rain_in, dtype=np.float64) * 25.4,
        "subcatchment_total_infiltration": np.asarray(ro.total_infil_in, dtype=np.float64) * 25.4,
        "subcatchment_total_runoff": np.asarray(ro.total_runoff_ft3, dtype=np.float64) * FT3,
        "subcatchment_max_runoff": np.asarray(ro.max_runoff_cfs, dtype=np.float64) * CFS,
    }


def _section_depth_ft(router) -> np.ndarray:
    """Full depth [ft] of each link's cross section; 0 for a link without one (a pump,
    an outlet: the router keeps a token depth of 1e-6 ft for those)."""
    full = router.xsects.y_full
    return np.where(full > 1e-4, full, 0.0)  # 1e-4 ft: SWMM's FUDGE


def _ratio(x, full):
    full = np.asarray(full, dtype=np.float64)
    return np.where(full > 0, x / np.where(full > 0, full, 1.0), 0.0)


def _attrs(sim) -> dict:
    opts, r = sim.opts, sim.router
    v = dict(sim.volumes)
    rv = dict(r.volumes)
    # SWMM's External Inflow holds the water outfalls push into the system (massbal.c)
    v["external_inflow"] += rv.get("outfall_inflow", 0.0)
    gw_in = v.get("groundwater_inflow", 0.0)  # SWMM: an inflow if positive, else an outflow
    total_in = (
        max(gw_in, 0.0)
        + rv.get("initial_storage", 0.0)
        + v["dry_weather_inflow"]
        + v["wet_weather_inflow"]
        + v.get("rdii_inflow", 0.0)
        + v["external_inflow"]
        # water that couplers (e.g. the 2D surface draining into manholes) add to the pipes
        + sum(getattr(c, "routing_inflow_ft3", 0.0) for c in sim.couplers)
    )
    total_out = (
        rv.get("final_storage", 0.0)
        + rv.get("flooding", 0.0)
        + rv.get("outfall", 0.0)
        + rv.get("evaporation", 0.0)
        + rv.get("seepage", 0.0)
        + v["external_outflow"]
        - min(gw_in, 0.0)
    )
    if abs(total_in - total_out) < 1.0:
        err = 0.0
    elif total_in > 0:
        err = 100.0 * (1.0 - total_out / total_in)
    else:
        err = 0.0
    attrs = {
        "title": " ".join(sim.net.title),
        "source": sim.net.source,
        "engine": f"sewer-twin {twin.__version__}",
        "flow_routing": opts.flow_routing,
        "solver": opts.solver.lower(),
        "routing_step_s": opts.routing_step_s,
        "report_step_s": opts.report_step_s,
        "variable_step": opts.variable_step,
        "surcharge_method": opts.surcharge_method,
        "inertial_damping": opts.inertial_damping,
        "normal_flow_limited": opts.normal_flow_limited,
        "allow_ponding": int(opts.allow_ponding),
        "start": str(opts.start),
        "end": str(opts.end),
        "routing_steps": sim.steps,
        "mean_iterations": sim.iterations / max(sim.steps, 1),
        "min_step_s": float(sim.min_step_s) if np.isfinite(sim.min_step_s) else 0.0,
        "max_step_s": float(sim.max_step_s),
        "flow_routing_continuity_error_percent": float(err),
    }
    newton = getattr(sim.router, "newton", None)
    if newton is not None:
        attrs["newton_unconverged_steps"] = newton.unconverged_steps  # each routed again
        attrs["newton_retry_substeps"] = newton.retried_substeps
        attrs["newton_conduit_evaluations"] = newton.conduit_evaluations
        attrs["newton_step_limits"] = newton.step_limits()
    for key, val in v.items():
        attrs[f"routing_{key}_m3"] = float(val * FT3)
    for key in ("flooding", "outfall", "evaporation", "seepage", "initial_storage",
                "final_storage"):  # fmt: skip
        attrs[f"routing_{key}_m3"] = float(rv.get(key, 0.0) * FT3)
    if sim.rdii is not None:  # SWMM's "Rainfall Dependent I/I" table
        attrs["rdii_rainfall_m3"] = float(sim.rdii.rain_ft3 * FT3)
        attrs["rdii_produced_m3"] = float(sim.rdii.rdii_ft3 * FT3)
    if sim.runoff is not None:
        attrs["runoff_continuity_error_percent"] = float(sim.runoff.continuity_error_percent())
        for key, val in sim.runoff.volumes.items():
            attrs[f"runoff_{key}_m3"] = float(val * FT3)
        gw = sim.runoff.groundwater
        if gw is not None:  # SWMM's "Groundwater Continuity"
            attrs["groundwater_continuity_error_percent"] = float(gw.continuity_error_percent())
            for key, val in gw.volumes.items():
                attrs[f"groundwater_{key}_m3"] = float(val * FT3)
    bad = [k for k, x in attrs.items() if isinstance(x, float) and not np.isfinite(x)]
    if bad:  # an overflow somewhere: never a result with inf or NaN volumes
        raise SimulationError(
            f"the run's volumes are not finite ({', '.join(bad[:3])})",
            time=str(opts.end),
        )
    return attrs
