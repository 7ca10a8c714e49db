"""Sewer networks: the Network model, SWMM ``.inp`` I/O, checks, generator and catalog."""

from twin.networks.model import Network

__all__ = [
    "Network",
    "generate_district",
    "list_networks",
    "load_network",
    "load_terrain_for",
    "read_inp",
    "write_inp",
]


def __getattr__(name):
    if name == "generate_district":
        from twin.networks.district import generate_district as value
    elif name in ("list_networks", "load_network", "load_terrain_for"):
        from twin.networks import catalog

        value = getattr(catalog, name)
    elif name == "read_inp":
        from twin.networks.inp_reader import read_inp as value
    elif name == "write_inp":
        from twin.networks.inp_writer import write_inp as value
    else:
        raise AttributeError(f"module 'twin.networks' has no attribute {name!r}")
    globals()[name] = value
    return value
