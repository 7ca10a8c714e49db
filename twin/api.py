"""The public API: load a network, simulate it, look at the results."""

from __future__ import annotations

from pathlib import Path

from twin.engine.options import SimOptions
from twin.engine.simulation import Simulation
from twin.networks.model import Network
from twin.scenarios.scenario import Scenario


def load_network(name_or_path) -> Network:
    """A bundled network by catalog name (``twin networks`` lists them) or an ``.inp`` path."""
    if isinstance(name_or_path, Network):
        return name_or_path
    from twin.networks.catalog import load_network as _load

    return _load(name_or_path)


def simulate(
    network="default", *, progress=None, surface=None, buildings=None, manning_n=0.03, **options
):
    """Run a network to the end and return its results as an ``xarray.Dataset`` (SI units).

    Parameters
    ----------
    network : Network, str or path
        A Network, a bundled network name, or a SWMM ``.inp`` file.
    progress : callable, optional
        Called as ``progress(t_s, duration_s)`` after every routing step.
    surface : None, bool, xarray.DataArray or path, optional
        None or False: SWMM mode (flooding leaves the system).  True: couple the pipes
        to 2D overland flow on the network's terrain (the DEM shipped beside its
        ``.inp``, else one derived from the node rims, with a warning).  A DataArray
        (``elevation`` on ``y``, ``x`` [m]) or a DEM file (NetCDF; GeoTIFF with
        rioxarray): that terrain.  Adds ``surface_depth``, ``surface_max_depth``,
        ``surface_flooded_area``, ``node_surface_max_depth`` and the surface volumes;
        SWMM ponding is turned off (the surface holds the water).
    buildings : (y, x) bool array or DataArray, optional
        With a surface: cells blocked by buildings (no water, no flow).
    manning_n : float or (y, x) array
        With a surface: Manning roughness of the ground [s m^-1/3].
    **options
        :class:`~twin.engine.options.SimOptions` fields to override, e.g.
        ``routing_step_s=5``, ``report_step_s=60``, ``flow_routing="KINWAVE"``, and
        ``end_hours`` to shorten the run.
    """
    net = load_network(network)
    couplers = ()
    if surface is not None and surface is not False:
        from twin.engine.coupling import SurfaceCoupler, read_dem, terrain_for

        if surface is True:
            dem = terrain_for(network, net)
        elif isinstance(surface, (str, Path)):
            dem = read_dem(surface)
        else:
            dem = surface
        options.setdefault("allow_ponding", False)
        couplers = (SurfaceCoupler(dem, manning_n, buildings=buildings),)
    return Simulation(net, progress=progress, couplers=couplers, **options).run()


def write_results(ds, path) -> Path:
    """Write a results Dataset as NetCDF, atomically."""
    from twin.engine.results_io import write_results as _write

    return _write(ds, path)


def open_results(path):
    """Open a results file written by :func:`write_results`."""
    from twin.engine.results_io import open_results as _open

    return _open(path)


def profile(results, from_node, to_node, *, time="max", network=None):
    """The long section from ``from_node`` to ``to_node`` of a result (a Dataset or a
    results file) as a ``pandas.DataFrame``, one row per node along the path; see
    :func:`twin.render.profile.profile_table`.  Draw it with
    :func:`twin.render.profile_plot.plot_profile`."""
    from twin.render.profile import profile_table

    ds = open_results(results) if isinstance(results, str | Path) else results
    return profile_table(ds, from_node, to_node, time=time, network=network)


def run_ensemble(network, members, **kwargs):
    """Run an ensemble of scenarios on Dask; see :func:`twin.ensemble.runner.run_ensemble`."""
    from twin.ensemble.runner import run_ensemble as _run

    return _run(network, members, **kwargs)


__all__ = ["Network", "Scenario", "SimOptions", "Simulation", "load_network", "open_results",
           "profile", "run_ensemble", "simulate", "write_results"]  # fmt: skip
