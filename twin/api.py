"""The public API: load a network, simulate it, look at the results."""

from __future__ import annotations

from pathlib import Path

from twin.engine.options import SimOptions
from twin.engine.simulation import Simulation
from twin.networks.model import Network


def load_network(name_or_path) -> Network:
    """A bundled network by catalog name (``twin networks`` lists them) or an ``.inp`` path."""
    if isinstance(name_or_path, Network):
        return name_or_path
    from twin.networks.catalog import load_network as _load

    return _load(name_or_path)


def simulate(network="default", *, progress=None, **options):
    """Run a network to the end and return its results as an ``xarray.Dataset`` (SI units).

    Parameters
    ----------
    network : Network, str or path
        A Network, a bundled network name, or a SWMM ``.inp`` file.
    progress : callable, optional
        Called as ``progress(t_s, duration_s)`` after every routing step.
    **options
        :class:`~twin.engine.options.SimOptions` fields to override, e.g.
        ``routing_step_s=5``, ``report_step_s=60``, ``flow_routing="KINWAVE"``, and
        ``end_hours`` to shorten the run.
    """
    net = load_network(network)
    return Simulation(net, progress=progress, **options).run()


def write_results(ds, path) -> Path:
    """Write a results Dataset as NetCDF, atomically."""
    from twin.engine.results_io import write_results as _write

    return _write(ds, path)


def open_results(path):
    """Open a results file written by :func:`write_results`."""
    from twin.engine.results_io import open_results as _open

    return _open(path)


__all__ = ["Network", "SimOptions", "Simulation", "load_network", "open_results", "simulate",
           "write_results"]  # fmt: skip
