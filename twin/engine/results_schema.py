"""Every output variable declared once: name -> dims, units, long_name, standard_name.

The Dataset builder reads this table; render and report rely on these names.
Time series are sampled on SWMM's report-step grid (interpolated between routing
steps, as SWMM's output does); ``*_max``-style summaries are taken over every
routing step, as SWMM's summary tables are.
"""

from __future__ import annotations

from typing import NamedTuple


class Var(NamedTuple):
    dims: tuple[str, ...]
    units: str
    long_name: str
    standard_name: str | None = None


T, N, L, S = "time", "node", "link", "subcatchment"

VARIABLES: dict[str, Var] = {
    # -- report-step time series ------------------------------------------------
    "node_depth": Var((T, N), "m", "water depth above node invert"),
    "node_head": Var((T, N), "m", "hydraulic head (water surface elevation)"),
    "node_inflow": Var((T, N), "m3 s-1", "total inflow to node (lateral + upstream)"),
    "node_lateral_inflow": Var((T, N), "m3 s-1", "lateral inflow (runoff, external, DWF)"),
    "node_flooding": Var((T, N), "m3 s-1", "overflow rate above the rim (flooding)"),
    "node_ponded_volume": Var((T, N), "m3", "volume ponded above the rim"),
    "link_flow": Var((T, L), "m3 s-1", "link flow rate (positive from_node to to_node)"),
    "link_depth": Var((T, L), "m", "average water depth in link"),
    "link_velocity": Var((T, L), "m s-1", "average flow velocity"),
    # SWMM 5.2's output file reports, as a link's "capacity", a conduit's flow area over
    # its full area (not depth / full depth) and the current setting of any other link
    "link_capacity": Var(
        (T, L), "1", "conduit flow area / full area (SWMM capacity); setting of other links"
    ),
    "link_setting": Var((T, L), "1", "link setting: pump speed, fraction open of a regulator"),
    "link_status": Var((T, L), "1", "link open or on (1), closed or off (0)"),
    "subcatchment_rainfall": Var((T, S), "mm h-1", "rainfall intensity", "rainfall_rate"),
    "subcatchment_runoff": Var((T, S), "m3 s-1", "runoff to subcatchment outlet"),
    "subcatchment_infiltration": Var((T, S), "mm h-1", "infiltration rate"),
    # runs with groundwater ([AQUIFERS], [GROUNDWATER]) only; 0 where no aquifer
    "subcatchment_groundwater_flow": Var(
        (T, S), "m3 s-1", "groundwater flow from the aquifer to its node (negative: from the node)"
    ),
    "subcatchment_groundwater_elevation": Var((T, S), "m", "water table elevation"),
    # -- summaries over every routing step ----------------------------------------
    "node_max_depth": Var((N,), "m", "maximum water depth"),
    "node_max_head": Var((N,), "m", "maximum hydraulic head"),
    "node_max_depth_time": Var((N,), "", "time of maximum depth"),
    "node_max_inflow": Var((N,), "m3 s-1", "maximum total inflow"),
    "node_max_lateral_inflow": Var((N,), "m3 s-1", "maximum lateral inflow"),
    "node_max_flooding": Var((N,), "m3 s-1", "maximum flooding (overflow) rate"),
    "node_flood_volume": Var((N,), "m3", "total flooded volume"),
    "node_flood_hours": Var((N,), "h", "hours flooded"),
    "node_surcharge_hours": Var((N,), "h", "hours surcharged (head above crown)"),
    "node_max_ponded_volume": Var((N,), "m3", "maximum ponded volume"),
    "node_lateral_volume": Var((N,), "m3", "total lateral inflow volume"),
    "node_inflow_volume": Var((N,), "m3", "total inflow volume"),
    "node_continuity_error_percent": Var((N,), "%", "node flow balance error"),
    "node_critical_steps": Var((N,), "1", "routing steps this node limited the time step"),
    "link_max_flow": Var((L,), "m3 s-1", "maximum absolute flow"),
    "link_max_flow_time": Var((L,), "", "time of maximum flow"),
    "link_max_velocity": Var((L,), "m s-1", "maximum absolute velocity"),
    "link_max_capacity": Var(
        (L,), "1", "maximum depth / full depth (SWMM Max/Full Depth); 0 without a cross section"
    ),
    "link_full_flow": Var((L,), "m3 s-1", "Manning full-flow capacity"),
    "link_surcharge_hours": Var((L,), "h", "hours both ends full"),
    "link_critical_steps": Var((L,), "1", "routing steps this link limited the time step"),
    # STREET conduits only (SWMM's "Street Flow Summary"); NaN elsewhere, and the inlet
    # columns NaN where the street has no inlet (twin.engine.inlets)
    "link_street_max_spread": Var((L,), "m", "largest spread of the flow (one side)"),
    "link_street_max_depth": Var((L,), "m", "largest flow depth"),
    "link_inlet_count": Var((L,), "1", "inlets on each side of the street"),
    "link_inlet_on_sag": Var((L,), "1", "1 for an inlet in a sump, 0 on grade"),
    "link_inlet_peak_capture": Var((L,), "%", "capture at the peak approach flow"),
    "link_inlet_avg_capture": Var((L,), "%", "average capture of the steps with capture"),
    "link_inlet_bypass_frequency": Var((L,), "%", "capture steps that bypassed flow"),
    "link_inlet_backflow_frequency": Var((L,), "%", "flow steps with backflow"),
    "link_inlet_peak_capture_flow": Var((L,), "m3 s-1", "peak flow captured by one inlet"),
    "link_inlet_peak_bypass_flow": Var((L,), "m3 s-1", "flow bypassed at the peak"),
    "subcatchment_total_rainfall": Var((S,), "mm", "total rainfall depth"),
    "subcatchment_total_infiltration": Var((S,), "mm", "total infiltration depth"),
    "subcatchment_total_runoff": Var((S,), "m3", "total runoff volume"),
    "subcatchment_max_runoff": Var((S,), "m3 s-1", "peak runoff rate"),
    # runs with groundwater only (SWMM's "Groundwater Summary"); NaN where no aquifer
    "subcatchment_groundwater_infiltration": Var((S,), "mm", "total infiltration to the aquifer"),
    "subcatchment_groundwater_evaporation": Var((S,), "mm", "total evaporation from the aquifer"),
    "subcatchment_groundwater_deep_percolation": Var((S,), "mm", "total lower zone seepage"),
    "subcatchment_groundwater_lateral_outflow": Var((S,), "mm", "total lateral outflow"),
    "subcatchment_groundwater_max_flow": Var((S,), "m3 s-1", "largest lateral flow (signed)"),
    "subcatchment_groundwater_avg_moisture": Var((S,), "1", "average upper zone moisture"),
    "subcatchment_groundwater_avg_table": Var((S,), "m", "average water table elevation"),
    "subcatchment_groundwater_final_moisture": Var((S,), "1", "final upper zone moisture"),
    "subcatchment_groundwater_final_table": Var((S,), "m", "final water table elevation"),
    # -- 2D surface (runs coupled to a terrain: twin.simulate(..., surface=...)) --------
    "surface_depth": Var((T, "y", "x"), "m", "surface water depth on the terrain grid"),
    "surface_max_depth": Var(("y", "x"), "m", "maximum surface water depth"),
    "surface_flooded_area": Var((T,), "m2", "area with surface water above the flood threshold"),
    "node_surface_max_depth": Var((N,), "m", "maximum surface water depth over the node"),
    # -- ensembles of coupled runs (twin.run_ensemble(..., surface=True)) -----------------
    "surface_flood_probability": Var(
        ("y", "x"), "1", "fraction of members whose maximum surface depth exceeds the threshold"
    ),
}

# Static per-element properties. Only the map coordinates ``node_x``/``node_y`` (the UGRID
# node coordinates) are xarray coordinates; the rest are data variables, so that a
# selected time series (``ds.node_depth.sel(node="J1")``) carries no stray attributes.
STATIC: dict[str, Var] = {
    "node_x": Var((N,), "m", "node map x coordinate", "projection_x_coordinate"),
    "node_y": Var((N,), "m", "node map y coordinate", "projection_y_coordinate"),
    "node_invert": Var((N,), "m", "node invert elevation"),
    "node_rim": Var((N,), "m", "node rim (ground) elevation"),
    "node_crown": Var((N,), "m", "highest crown (offset + full depth) of the links at the node"),
    "node_kind": Var((N,), "", "junction, outfall, storage or divider"),
    "link_from": Var((L,), "", "upstream node name"),
    "link_to": Var((L,), "", "downstream node name"),
    "link_kind": Var((L,), "", "conduit, pump, orifice, weir or outlet"),
    "link_length": Var((L,), "m", "conduit length"),
    "link_full_depth": Var((L,), "m", "full depth (diameter) of the cross section (0: none)"),
    "subcatchment_area": Var((S,), "m2", "subcatchment area"),
    "subcatchment_outlet": Var((S,), "", "outlet node or subcatchment"),
}
MAP_COORDS = ("node_x", "node_y")  # the static variables that are xarray coordinates
COORDS = STATIC  # the table's former name

# Dataset attributes written by the engine (all runs):
#   runoff_continuity_error_percent, flow_routing_continuity_error_percent,
#   routing_* volumes [m3] (dry_weather_inflow, wet_weather_inflow, external_inflow,
#   flooding, outfall_outflow, evaporation, seepage, initial_storage, final_storage),
#   runoff_* volumes [m3] (rainfall, evaporation, infiltration, runoff, initial_storage,
#   final_storage), title, source, scenario, flow_routing, routing_step_s,
#   report_step_s, variable_step, surcharge_method, engine ("sewer-twin x.y"),
#   routing_steps, mean_iterations, min_step_s, max_step_s.
# Runs with RDII ([RDII], twin.engine.rdii) add: routing_rdii_inflow_m3, rdii_rainfall_m3
#   (rain on the sewersheds) and rdii_produced_m3 (SWMM's "Rainfall Dependent I/I").
# Runs coupled to the 2D surface (twin.engine.coupling) add: system_continuity_error_percent,
#   routing_surface_inflow_m3, surface_* volumes [m3] (initial_volume, final_volume, spill,
#   drainage, boundary_outflow, uncoupled_flooding, in_transit, mass_balance_error),
#   surface_cell_m, surface_coupled_nodes, surface_flood_threshold_m, surface_terrain_source.
# UGRID: a scalar data variable "network" (cf_role mesh_topology, topology_dimension 1,
#   node_coordinates "node_x node_y", edge_node_connectivity "link_nodes"), and the data
#   variable "link_nodes" (link, two) int32, start_index 0.
# CF-1.8 geometries (where the network has map coordinates): "link_geometry" (lines from
#   the from-node through the [VERTICES] to the to-node) and "subcatchment_geometry"
#   ([POLYGONS] outlines; empty where a subcatchment has none), each a container variable
#   with "<name>_node_count" on the element dim and "<name>_x", "<name>_y" [m] on
#   "<name>_point".  cf_xarray.geometry.cf_to_shapely(ds, container=...) reads them.
# CRS (when the DEM or the network has one): a scalar data variable "crs" with CF
#   grid-mapping attributes (grid_mapping_name, crs_wkt, spatial_ref); element and surface
#   variables carry grid_mapping = "crs".
