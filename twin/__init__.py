"""sewer-twin: a numba-accelerated digital twin of municipal sewer systems.

Load a sewer network (a SWMM ``.inp`` file or a bundled district), rain on it,
route the water through every pipe and manhole with a kernel that agrees with
EPA SWMM 5.2, and see which manholes overflow.

>>> import twin
>>> net = twin.load_network("default")
>>> net.n_links > 0
True

The names below are imported lazily, so ``import twin`` stays fast and the
command line starts quickly.
"""

from importlib import import_module

from twin.errors import InputError, SimulationError, TwinError, TwinWarning

__version__ = "0.1.0"

_LAZY = {
    "Network": "twin.api",
    "SimOptions": "twin.api",
    "export_results": "twin.export",
    "Simulation": "twin.api",
    "Twin": "twin.ops.watch",
    "load_network": "twin.api",
    "open_results": "twin.api",
    "profile": "twin.api",
    "run_ensemble": "twin.api",
    "Scenario": "twin.api",
    "simulate": "twin.api",
    "write_results": "twin.api",
}

__all__ = [
    "InputError",
    "SimulationError",
    "TwinError",
    "TwinWarning",
    "__version__",
    *sorted(_LAZY),
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'twin' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
