"""Every result variable's label is what the code computes: each declared name (series,
summaries, static properties) is recomputed here from other variables, the network or
geometry on one small case, in the units its ``units`` attribute names.

A variable declared in ``results_schema`` without a check here fails the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.results_schema import STATIC, VARIABLES
from twin.ensemble.summary import summarize
from twin.kernels.codes import LinkKind, Shape

H = 3600.0


@pytest.fixture(scope="module")
def net():
    return twin.load_network("example")  # every node and link kind, 3 subcatchments, SI


@pytest.fixture(scope="module")
def run(net):
    return twin.simulate(net, report_step_s=10.0)  # fine samples: integrals close to volumes


@pytest.fixture(scope="module")
def surface():
    from twin.scenarios import Scenario

    small = Scenario.preset("seoul-100mmh").apply(twin.load_network("small"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return twin.simulate(small, surface=True, end_hours=0.75)


@pytest.fixture(scope="module")
def groundwater():
    """Two aquifers (tests/engine/data/groundwater_cms.inp), fine report samples."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "groundwater_cms.inp"
    return twin.simulate(twin.load_network(path), end_hours=12.0, report_step_s=60.0)


def seconds(ds):
    t = ds["time"].values
    start = np.datetime64(ds.attrs["start"])
    return np.concatenate([[0.0], (t - start) / np.timedelta64(1, "s")])


def integral(ds, name, initial=0.0):
    """Trapezoid over the report times from the start (``initial`` at t = 0)."""
    v = ds[name].values
    v = np.concatenate([np.full((1, *v.shape[1:]), initial), v])
    return np.trapezoid(v, seconds(ds), axis=0)


def circle_area(y, d):
    """Flow area [m2] of a circle of diameter ``d`` filled to depth ``y``."""
    r = d / 2.0
    y = np.clip(y, 0.0, d)
    return r * r * np.arccos((r - y) / r) - (r - y) * np.sqrt(np.maximum(2 * r * y - y * y, 0))


def circular(ds, net):
    kind = np.asarray(net.links.kind)
    return (kind == LinkKind.CONDUIT) & (np.asarray(net.links.shape) == Shape.CIRCULAR)


# -- one check per declared variable --------------------------------------------------


def c_node_depth(ds, net):
    np.testing.assert_allclose(ds.node_depth + ds.node_invert, ds.node_head, atol=1e-9)
    assert (ds.node_depth >= 0).all()


def c_node_head(ds, net):
    c_node_depth(ds, net)


def c_node_inflow(ds, net):
    # total inflow = lateral + what the links bring in, at a junction fed by one conduit
    i = list(ds.node.values).index("J2")
    feeding = (ds.link_to == "J2").values
    into = ds.link_flow.values[:, feeding].clip(min=0).sum(axis=1)
    np.testing.assert_allclose(ds.node_inflow[:, i], ds.node_lateral_inflow[:, i] + into,
                               rtol=1e-6, atol=1e-9)  # fmt: skip


def c_node_lateral_inflow(ds, net):
    # m3/s: over the run, each node's lateral volume is its subcatchments' runoff + DWF
    assert (ds.node_lateral_inflow >= 0).all()
    np.testing.assert_allclose(integral(ds, "node_lateral_inflow").sum(),
                               float(ds.node_lateral_volume.sum()), rtol=0.02)  # fmt: skip


def c_node_flooding(ds, net):
    np.testing.assert_allclose(integral(ds, "node_flooding"), ds.node_flood_volume,
                               rtol=0.05, atol=1.0)  # fmt: skip


def c_node_ponded_volume(ds, net):
    assert (ds.node_ponded_volume >= 0).all()
    assert (ds.node_ponded_volume.max("time") <= ds.node_max_ponded_volume + 1e-9).all()


def c_link_flow(ds, net):
    # m3/s = m/s x m2: velocity times the flow area at the link's depth, circular conduits
    c = circular(ds, net)
    d = np.asarray(net.links.geom)[c, 0]
    q, v, y = (ds[n].values[:, c] for n in ("link_flow", "link_velocity", "link_depth"))
    wet = (y > 0.1 * d) & (y < 0.9 * d)  # SWMM's 51-point geometry table is coarse near 0
    assert wet.sum() > 50
    np.testing.assert_allclose(q[wet], (v * circle_area(y, d))[wet], rtol=0.01)


def c_link_depth(ds, net):
    c_link_flow(ds, net)
    full = ds.link_full_depth.values
    assert (ds.link_depth.values[:, full > 0] <= full[full > 0] + 1e-9).all()


def c_link_velocity(ds, net):
    c_link_flow(ds, net)


def c_link_capacity(ds, net):
    # conduits: flow area / full area (SWMM's output), not depth / full depth
    c = circular(ds, net)
    d = np.asarray(net.links.geom)[c, 0]
    y = ds.link_depth.values[:, c]
    area_ratio = circle_area(y, d) / (np.pi * d * d / 4)
    cap = ds.link_capacity.values[:, c]
    wet = (y > 0.1 * d) & (y < 0.9 * d)
    np.testing.assert_allclose(cap[wet], area_ratio[wet], rtol=0.01)
    # and not depth / full depth, which differs by more than 0.04 at these depths
    partly = (y > 0.1 * d) & (y < 0.3 * d)
    assert partly.sum() > 10 and (np.abs(cap - y / d)[partly] > 0.04).all()
    # other links: their setting
    other = (ds.link_kind != "conduit").values
    np.testing.assert_array_equal(ds.link_capacity[:, other], ds.link_setting[:, other])


def c_link_setting(ds, net):
    s = ds.link_setting.values
    assert (s >= 0).all() and (s <= 1).all()
    c_link_capacity(ds, net)


def c_link_status(ds, net):
    st = ds.link_status.values
    assert set(np.unique(st)) <= {0.0, 1.0}
    assert (st[ds.link_setting.values > 0] == 1).all()


def c_subcatchment_rainfall(ds, net):
    # mm/h integrated over hours gives the total in mm (a step series: left rectangles)
    t = seconds(ds)
    mm = (ds.subcatchment_rainfall.values * np.diff(t)[:, None] / H).sum(axis=0)
    np.testing.assert_allclose(mm, ds.subcatchment_total_rainfall, rtol=0.03)


def c_subcatchment_runoff(ds, net):
    np.testing.assert_allclose(integral(ds, "subcatchment_runoff"),
                               ds.subcatchment_total_runoff, rtol=0.03)  # fmt: skip


def c_subcatchment_infiltration(ds, net):
    t = seconds(ds)
    mm = (ds.subcatchment_infiltration.values * np.diff(t)[:, None] / H).sum(axis=0)
    np.testing.assert_allclose(mm, ds.subcatchment_total_infiltration, rtol=0.05, atol=0.5)


def _at_least_the_samples(series, summary, absolute=False):
    def check(ds, net):
        v = ds[series].values
        v = np.abs(v) if absolute else v
        assert (ds[summary].values >= v.max(axis=0) - 1e-9).all()
        # taken at every routing step, so not far above the report-time samples either
        assert np.allclose(ds[summary].values, v.max(axis=0), rtol=0.15, atol=0.02)

    return check


c_node_max_depth = _at_least_the_samples("node_depth", "node_max_depth")
c_node_max_inflow = _at_least_the_samples("node_inflow", "node_max_inflow")
c_node_max_lateral_inflow = _at_least_the_samples("node_lateral_inflow", "node_max_lateral_inflow")
c_node_max_flooding = _at_least_the_samples("node_flooding", "node_max_flooding")
c_link_max_flow = _at_least_the_samples("link_flow", "link_max_flow", absolute=True)
c_link_max_velocity = _at_least_the_samples("link_velocity", "link_max_velocity", absolute=True)
c_subcatchment_max_runoff = _at_least_the_samples("subcatchment_runoff", "subcatchment_max_runoff")


def c_node_max_head(ds, net):
    np.testing.assert_allclose(ds.node_max_head, ds.node_max_depth + ds.node_invert)


def _time_of(series, summary, absolute=False):
    def check(ds, net):
        when = ds[summary].values
        v = np.abs(ds[series].values) if absolute else ds[series].values
        start, end = np.datetime64(ds.attrs["start"]), np.datetime64(ds.attrs["end"])
        assert ((when >= start) & (when <= end)).all()
        # the sample nearest the time of the maximum is the largest sample (within a step;
        # not for pumps, whose flow jumps between curve steps within one)
        big = v.max(axis=0) > 1e-3
        if "link" in ds[series].dims:
            big &= (ds.link_kind != "pump").values
        near = np.abs(ds["time"].values[:, None] - when[None, :]).argmin(axis=0)
        at = v[near, np.arange(v.shape[1])]
        assert np.allclose(at[big], v.max(axis=0)[big], rtol=0.2)

    return check


c_node_max_depth_time = _time_of("node_depth", "node_max_depth_time")
c_link_max_flow_time = _time_of("link_flow", "link_max_flow_time", absolute=True)


def c_node_flood_volume(ds, net):
    c_node_flooding(ds, net)


def c_node_flood_hours(ds, net):
    h = ds.node_flood_hours.values
    assert (h >= 0).all() and (h <= (seconds(ds)[-1] / H) + 1e-9).all()
    assert (h[ds.node_flood_volume.values == 0] == 0).all()


def c_node_surcharge_hours(ds, net):
    h = ds.node_surcharge_hours.values
    assert (h >= 0).all() and (h <= seconds(ds)[-1] / H + 1e-9).all()
    above_crown = ds.node_max_head.values > ds.node_crown.values - 1e-6
    assert (h[~above_crown] == 0).all()


def c_node_max_ponded_volume(ds, net):
    c_node_ponded_volume(ds, net)


def c_node_lateral_volume(ds, net):
    np.testing.assert_allclose(integral(ds, "node_lateral_inflow"), ds.node_lateral_volume,
                               rtol=0.03, atol=0.5)  # fmt: skip


def c_node_inflow_volume(ds, net):
    np.testing.assert_allclose(integral(ds, "node_inflow"), ds.node_inflow_volume,
                               rtol=0.03, atol=0.5)  # fmt: skip


def c_node_continuity_error_percent(ds, net):
    # % of the node's inflow volume; small where water passes through
    e = ds.node_continuity_error_percent.values
    wet = ds.node_inflow_volume.values > 1.0
    assert (np.abs(e[wet]) < 5).all() and (e[~wet] == 0).all()


def _step_counts(name):
    def check(ds, net):
        v = ds[name].values
        assert (v >= 0).all() and np.array_equal(v, np.round(v))
        assert v.sum() <= ds.attrs["routing_steps"]

    return check


c_node_critical_steps = _step_counts("node_critical_steps")
c_link_critical_steps = _step_counts("link_critical_steps")


def c_link_max_capacity(ds, net):
    # maximum depth / full depth (SWMM's Max/Full Depth), at least the sampled ratio
    full = ds.link_full_depth.values
    has = full > 0
    ratio = ds.link_depth.values[:, has].max(axis=0) / full[has]
    m = ds.link_max_capacity.values
    assert (m[has] >= ratio - 1e-9).all() and np.allclose(m[has], ratio, rtol=0.15, atol=0.02)
    assert (m[~has] == 0).all()


def c_link_full_flow(ds, net):
    # Manning's full flow of a circular conduit: (1/n) A R^(2/3) sqrt(S)
    c = circular(ds, net)
    L = net.links
    d = np.asarray(L.geom)[c, 0]
    off = net.offsets_above_invert()
    inv = np.asarray(net.nodes.invert_m)
    z1 = inv[np.asarray(L.from_node)[c]] + off[0][c]
    z2 = inv[np.asarray(L.to_node)[c]] + off[1][c]
    slope = np.abs(z1 - z2) / np.asarray(L.length_m)[c]
    area = np.pi * d * d / 4
    q = area * (d / 4) ** (2 / 3) * np.sqrt(slope) / np.asarray(L.roughness)[c]
    np.testing.assert_allclose(ds.link_full_flow.values[c], q, rtol=0.01)


def c_link_surcharge_hours(ds, net):
    h = ds.link_surcharge_hours.values
    assert (h >= 0).all() and (h <= seconds(ds)[-1] / H + 1e-9).all()
    assert (h[ds.link_max_capacity.values < 0.999] == 0).all()
    assert h.max() > 0  # the example's C7 runs full


def c_subcatchment_total_rainfall(ds, net):
    c_subcatchment_rainfall(ds, net)


def c_subcatchment_total_infiltration(ds, net):
    c_subcatchment_infiltration(ds, net)


def c_subcatchment_total_runoff(ds, net):
    c_subcatchment_runoff(ds, net)
    # m3: no more than the rain that fell on the area
    rain_m3 = ds.subcatchment_total_rainfall.values / 1000 * ds.subcatchment_area.values
    assert (ds.subcatchment_total_runoff.values <= rain_m3).all()


# -- groundwater (runs with [AQUIFERS]/[GROUNDWATER] only) ---------------------------


def _gw_m3(ds, name):
    """A per-subcatchment depth [mm] over the subcatchment, summed to a volume [m3]."""
    return float((ds[name].values / 1000.0 * ds.subcatchment_area.values).sum())


def c_subcatchment_groundwater_flow(ds, net):
    # m3/s integrated over the run: the lateral outflow [mm] over the area (SWMM's statistic
    # holds each runoff step's end flow over the step, up to 30 min when dry; the series
    # interpolates: a few % apart, a unit error would be a factor of 1000)
    m3 = integral(ds, "subcatchment_groundwater_flow")
    mm = ds.subcatchment_groundwater_lateral_outflow.values
    np.testing.assert_allclose(m3, mm / 1000.0 * ds.subcatchment_area.values, rtol=0.1)


def c_subcatchment_groundwater_elevation(ds, net):
    np.testing.assert_allclose(ds.subcatchment_groundwater_elevation.values[-1],
                               ds.subcatchment_groundwater_final_table, rtol=1e-12)  # fmt: skip
    avg = ds.subcatchment_groundwater_elevation.mean("time").values
    np.testing.assert_allclose(avg, ds.subcatchment_groundwater_avg_table, atol=0.01)


def c_subcatchment_groundwater_infiltration(ds, net):
    # all that infiltrates enters the aquifer: the surface's infiltration [mm]
    np.testing.assert_allclose(ds.subcatchment_groundwater_infiltration,
                               ds.subcatchment_total_infiltration, rtol=1e-9)  # fmt: skip


def c_subcatchment_groundwater_evaporation(ds, net):
    m3 = ds.attrs["groundwater_upper_evaporation_m3"] + ds.attrs["groundwater_lower_evaporation_m3"]
    assert _gw_m3(ds, "subcatchment_groundwater_evaporation") == pytest.approx(m3, rel=1e-6)


def c_subcatchment_groundwater_deep_percolation(ds, net):
    m3 = ds.attrs["groundwater_deep_percolation_m3"]
    assert _gw_m3(ds, "subcatchment_groundwater_deep_percolation") == pytest.approx(m3, rel=1e-6)


def c_subcatchment_groundwater_lateral_outflow(ds, net):
    c_subcatchment_groundwater_flow(ds, net)


def c_subcatchment_groundwater_max_flow(ds, net):
    # the signed flow of largest magnitude, at least the report samples' [m3/s]
    q = ds.subcatchment_groundwater_flow.values
    top = np.abs(q).max(axis=0)
    got = ds.subcatchment_groundwater_max_flow.values
    assert (np.abs(got) >= top * (1 - 1e-6)).all() and (np.abs(got) <= top * 1.05).all()


def _moisture_between_wilting_point_and_porosity(name):
    def check(ds, net):
        theta = ds[name].values
        wp = net.aquifers.params[net.groundwater.aquifer, 1]
        por = net.aquifers.params[net.groundwater.aquifer, 0]
        assert ((theta >= wp) & (theta <= por)).all()

    return check


c_subcatchment_groundwater_avg_moisture = _moisture_between_wilting_point_and_porosity(
    "subcatchment_groundwater_avg_moisture"
)
c_subcatchment_groundwater_final_moisture = _moisture_between_wilting_point_and_porosity(
    "subcatchment_groundwater_final_moisture"
)


def c_subcatchment_groundwater_avg_table(ds, net):
    c_subcatchment_groundwater_elevation(ds, net)


def c_subcatchment_groundwater_final_table(ds, net):
    c_subcatchment_groundwater_elevation(ds, net)


# -- static properties ---------------------------------------------------------------


def c_node_x(ds, net):
    np.testing.assert_array_equal(ds.node_x, net.nodes.x)
    np.testing.assert_array_equal(ds.node_y, net.nodes.y)


c_node_y = c_node_x


def c_node_invert(ds, net):
    np.testing.assert_array_equal(ds.node_invert, net.nodes.invert_m)


def c_node_rim(ds, net):
    np.testing.assert_allclose(ds.node_rim, net.nodes.invert_m + net.nodes.max_depth_m)


def c_node_crown(ds, net):
    # the highest crown (invert + offset + full depth) of the links at the node, as SWMM's
    # node crown elevation
    L = net.links
    crown = np.asarray(net.nodes.invert_m, dtype=float).copy()
    off = net.offsets_above_invert()
    full = ds.link_full_depth.values
    kind = np.asarray(L.kind)
    for j in range(len(full)):  # pumps and outlets: their offset (a token 1e-6 ft depth)
        # SWMM sets a weir's crest and an outlet's offset at both of its ends
        o2 = off[0][j] if kind[j] in (LinkKind.WEIR, LinkKind.OUTLET) else off[1][j]
        for end, o in ((L.from_node[j], off[0][j]), (L.to_node[j], o2)):
            crown[end] = max(crown[end], net.nodes.invert_m[end] + o + full[j])
    np.testing.assert_allclose(ds.node_crown, crown, atol=1e-6)


def c_node_kind(ds, net):
    assert set(ds.node_kind.values) == {"junction", "outfall", "storage", "divider"}


def c_link_from(ds, net):
    names = np.asarray(net.nodes.name)
    assert list(ds.link_from.values) == list(names[np.asarray(net.links.from_node)])
    assert list(ds.link_to.values) == list(names[np.asarray(net.links.to_node)])


c_link_to = c_link_from


def c_link_kind(ds, net):
    assert set(ds.link_kind.values) == {"conduit", "pump", "orifice", "weir", "outlet"}


def c_link_length(ds, net):
    np.testing.assert_array_equal(ds.link_length, net.links.length_m)


def c_link_full_depth(ds, net):
    c = circular(ds, net)
    np.testing.assert_allclose(ds.link_full_depth.values[c], np.asarray(net.links.geom)[c, 0])
    assert (ds.link_full_depth.values[(ds.link_kind == "outlet").values] == 0).all()


def c_subcatchment_area(ds, net):
    np.testing.assert_allclose(ds.subcatchment_area, net.subcatchments.area_m2)


def c_subcatchment_outlet(ds, net):
    assert list(ds.subcatchment_outlet.values) == list(net.subcatchments.outlet)


# -- the 2D surface ------------------------------------------------------------------


def c_surface_depth(ds, net):
    assert ds.surface_depth.dims == ("time", "y", "x") and (ds.surface_depth >= 0).all()


def c_surface_max_depth(ds, net):
    assert (ds.surface_max_depth >= ds.surface_depth.max("time") - 1e-6).all()


def c_surface_flooded_area(ds, net):
    # m2: the cells deeper than the threshold times the cell area
    cell = ds.attrs["surface_cell_m"] ** 2
    wet = (ds.surface_depth > ds.attrs["surface_flood_threshold_m"]).sum(("y", "x"))
    np.testing.assert_allclose(ds.surface_flooded_area, wet * cell)
    assert float(ds.surface_flooded_area.max()) > 0


def c_node_surface_max_depth(ds, net):
    on = np.isfinite(ds.node_surface_max_depth.values)
    assert on.sum() > 10
    at = ds.surface_max_depth.sel(
        x=xr.DataArray(ds.node_x.values[on]), y=xr.DataArray(ds.node_y.values[on]),
        method="nearest",
    )  # fmt: skip
    np.testing.assert_allclose(ds.node_surface_max_depth.values[on], at.values, rtol=1e-6)


def c_surface_flood_probability(ds, net):
    # two members, one as run and one dry: the fraction is 0.5 where the run was deeper
    dry = ds.copy()
    dry["surface_max_depth"] = ds.surface_max_depth * 0
    ens = xr.concat([ds[["surface_max_depth", "node_flood_volume", "node_max_depth",
                         "link_max_capacity"]], dry[["surface_max_depth", "node_flood_volume",
                         "node_max_depth", "link_max_capacity"]]], dim="member")  # fmt: skip
    ens["member_status"] = ("member", np.zeros(2, np.int8))
    p = summarize(ens, surface_threshold_m=0.05).surface_flood_probability
    np.testing.assert_array_equal(p.values, np.where(ds.surface_max_depth > 0.05, 0.5, 0.0))
    assert p.attrs["units"] == "1"


# -- streets and inlets (the dual-drainage network of tests/engine/test_inlets_vs_swmm.py) --


def _streets(ds, net):
    """Indices of the STREET conduits and of those with an inlet."""
    street = np.flatnonzero(np.isfinite(ds.link_street_max_spread.values))
    inlet = np.flatnonzero(np.isfinite(ds.link_inlet_count.values))
    assert len(street) == 3 and len(inlet) == 3
    others = np.setdiff1d(np.arange(ds.sizes["link"]), street)
    assert np.isnan(ds.link_street_max_spread.values[others]).all()
    return street, inlet


def c_link_street_max_spread(ds, net):
    # m: the width of the street's outline under the largest depth, per side, at most
    # the curb-to-crown distance (20 ft)
    street, _ = _streets(ds, net)
    for j in street:
        t = net.transect_geometry[str(net.links.xsect_curve[j])]
        x, z = t.stations * 0.3048, t.elevations * 0.3048
        y = float(ds.link_street_max_depth[j])
        width = 0.0
        for k in range(len(x) - 1):
            lo, hi = sorted((z[k], z[k + 1]))
            if y > lo and hi > lo:
                width += (x[k + 1] - x[k]) * min(1.0, (y - lo) / (hi - lo))
        want = min(width / 2.0, 20 * 0.3048)
        assert float(ds.link_street_max_spread[j]) == pytest.approx(want, rel=0.02)


def c_link_street_max_depth(ds, net):
    street, _ = _streets(ds, net)
    got = ds.link_street_max_depth.values[street]
    want = (ds.link_max_capacity * ds.link_full_depth).values[street]
    np.testing.assert_allclose(got, want, rtol=1e-9)


def c_link_inlet_count(ds, net):
    _, inlet = _streets(ds, net)
    want = {u.link: u.count for u in net.inlets.usages}
    assert [int(ds.link_inlet_count[j]) for j in inlet] == [want[j] for j in inlet]


def c_link_inlet_on_sag(ds, net):
    # in a sump where the street's downstream node has no outflow link
    _, inlet = _streets(ds, net)
    sag = [float(not np.any(net.links.from_node == net.links.to_node[j])) for j in inlet]
    np.testing.assert_array_equal(ds.link_inlet_on_sag.values[inlet], sag)


def _percent(name):
    def check(ds, net):
        _, inlet = _streets(ds, net)
        v = ds[name].values[inlet]
        assert ((v >= 0.0) & (v <= 100.0)).all() and v.max() > 0.0

    return check


c_link_inlet_avg_capture = _percent("link_inlet_avg_capture")
c_link_inlet_bypass_frequency = _percent("link_inlet_bypass_frequency")


def c_link_inlet_backflow_frequency(ds, net):
    _, inlet = _streets(ds, net)
    v = ds.link_inlet_backflow_frequency.values[inlet]
    assert ((v >= 0.0) & (v <= 100.0)).all()


def c_link_inlet_peak_capture(ds, net):
    c_link_inlet_peak_bypass_flow(ds, net)


def c_link_inlet_peak_bypass_flow(ds, net):
    # m3/s: the peak flow less what the inlet captured of it (peak capture %)
    _, inlet = _streets(ds, net)
    q, pct = ds.link_max_flow.values[inlet], ds.link_inlet_peak_capture.values[inlet]
    assert ((pct >= 0.0) & (pct <= 100.0)).all()
    np.testing.assert_allclose(ds.link_inlet_peak_bypass_flow.values[inlet],
                               q * (1.0 - pct / 100.0), rtol=1e-9)  # fmt: skip


def c_link_inlet_peak_capture_flow(ds, net):
    # m3/s per inlet on one side of the two-sided street
    _, inlet = _streets(ds, net)
    q, pct = ds.link_max_flow.values[inlet], ds.link_inlet_peak_capture.values[inlet]
    n = ds.link_inlet_count.values[inlet]
    np.testing.assert_allclose(ds.link_inlet_peak_capture_flow.values[inlet],
                               q / 2.0 * pct / 100.0 / n, rtol=1e-9)  # fmt: skip


@pytest.fixture(scope="module")
def streets():
    """The dual-drainage network with street inlets (tests/engine/data/inlets_dual.inp)."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "inlets_dual.inp"
    return twin.simulate(twin.load_network(path))


SURFACE = {n for n in VARIABLES if n.startswith("surface") or n == "node_surface_max_depth"}
STREETS = {n for n in VARIABLES if n.startswith(("link_street_", "link_inlet_"))}
GROUNDWATER = {n for n in VARIABLES if n.startswith("subcatchment_groundwater")}


@pytest.mark.parametrize("name", [*VARIABLES, *STATIC])
def test_label_matches_the_computation(name, run, surface, groundwater, streets, net):
    check = globals().get(f"c_{name}")
    assert check is not None, f"{name} is declared but no test checks its label"
    declared = VARIABLES.get(name) or STATIC[name]
    ds = surface if name in SURFACE else run
    if name in GROUNDWATER:
        ds, net = groundwater, twin.load_network(groundwater.attrs["source"])
    if name in STREETS:
        ds, net = streets, twin.load_network(streets.attrs["source"])
    if name != "surface_flood_probability":
        assert ds[name].attrs["long_name"] == declared.long_name
        assert ds[name].attrs.get("units", "") == declared.units
    check(ds, None if name in SURFACE else net)
