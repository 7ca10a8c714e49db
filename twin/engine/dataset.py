"""Turn the engine's arrays into the result :class:`xarray.Dataset`.

:func:`build_dataset` is the one place that gives result arrays their dims, CF
attributes (``units``, ``long_name``, ``standard_name``) and coordinates; it
reads them from :data:`~twin.engine.results_schema.VARIABLES` and
:data:`~twin.engine.results_schema.STATIC`, so a name that is not declared
there is a programming error (``KeyError``).  It also adds the UGRID 1-D
network topology: a scalar ``network`` variable (``cf_role = mesh_topology``)
and the ``link_nodes`` edge-node connectivity, both data variables, so that
``xugrid.open_dataset`` reads the network; the map coordinates ``node_x``,
``node_y`` are the only coordinates besides the dimension names, so that
``cf_xarray`` finds X and Y.  Link polylines and subcatchment outlines go in as
CF-1.8 geometries, and a CRS as the CF grid mapping ``crs``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import numbers
import os

import numpy as np
import xarray as xr

from twin.engine.crs import GRID_MAPPING
from twin.engine.dataset_geometry import geometry_variables
from twin.engine.results_schema import MAP_COORDS, STATIC, VARIABLES
from twin.kernels.codes import LinkKind, NodeKind

__all__ = [
    "build_dataset",
    "cf_attr_value",
    "static_names",
    "RESULTS_SCHEMA",
    "READABLE_SCHEMAS",
    "ELEMENT_DIMS",
]

RESULTS_SCHEMA = "sewer-twin results 2"  # global attribute that marks a twin result
# schema 1 kept the static element properties and the topology as coordinates
READABLE_SCHEMAS = ("sewer-twin results 1", RESULTS_SCHEMA)
ELEMENT_DIMS = ("node", "link", "subcatchment")
CONVENTIONS = "CF-1.8 UGRID-1.0"
_UGRID_LOCATION = {"node": "node", "link": "edge"}
NAME_VARIABLES = tuple(f"{dim}_name" for dim in ELEMENT_DIMS)  # names as data variables
_KIND_ENUMS = {"node_kind": NodeKind, "link_kind": LinkKind}


def build_dataset(
    times,
    series: dict | None = None,
    summaries: dict | None = None,
    coords: dict | None = None,
    names: dict | None = None,
    attrs: dict | None = None,
    geometry: dict | None = None,
    crs=None,
) -> xr.Dataset:
    """Build the result Dataset from plain arrays, as declared in the results schema.

    Parameters
    ----------
    times : (n_times,) datetime64
        Report times (the ``time`` coordinate).
    series : dict of str -> ndarray
        Report-step time series, each ``(n_times, n_elements)`` (or
        ``(n_members, n_times, n_elements)`` when ``names`` has ``member``),
        named as in ``VARIABLES`` (``node_depth`` ...).
    summaries : dict of str -> ndarray
        Per-element summaries over every routing step, each ``(n_elements,)``
        (``(n_members, n_elements)`` with members). ``*_time`` summaries are
        datetime64 (NaT where the event never happened).
    coords : dict of str -> ndarray
        Static element properties named as in ``STATIC`` (``node_x``, ``node_y``
        become coordinates, the others data variables). ``node_kind``/``link_kind``
        may be :class:`~twin.kernels.codes.NodeKind`/``LinkKind`` codes (stored as
        lower-case words); ``link_from``/``link_to`` may be node ids (stored as
        node names). With both ``link_from`` and ``link_to``, ``link_nodes`` is added.
    names : dict
        ``node=``, ``link=``, ``subcatchment=`` element names (unique strings), and
        optionally ``member=`` member labels; each becomes a dimension coordinate.
    attrs : dict
        Run attributes (continuity errors, volumes, settings). Booleans become
        0/1, dates ISO strings, enums their names; ``None`` values are dropped.
    geometry : dict, optional
        ``link=`` and/or ``subcatchment=``: one ``(k, 2)`` array of map points [m] per
        element (a link's polyline from its from-node to its to-node, a subcatchment's
        outline), ``None`` or empty where it has none; stored as CF-1.8 geometries.
    crs : optional
        The CRS of the map coordinates ("EPSG:5186", WKT, ...): stored as the CF
        grid mapping ``crs``.

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    KeyError
        A name that the results schema does not declare.
    ValueError
        An array whose shape does not match its declared dims, a series given as a
        summary (or the reverse), or element names that are missing or repeated.
    InputError
        A ``crs`` that is not a coordinate reference system.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.datetime64("2024-01-01T00:05") + np.arange(3) * np.timedelta64(5, "m")
    >>> ds = build_dataset(
    ...     t, series={"node_depth": np.zeros((3, 2))},
    ...     names={"node": ["J1", "O1"], "link": ["C1"]},
    ...     coords={"link_from": ["J1"], "link_to": ["O1"]},
    ... )
    >>> ds["node_depth"].attrs["units"], ds["link_nodes"].values.tolist()
    ('m', [[0, 1]])
    """
    series, summaries, coords = dict(series or {}), dict(summaries or {}), dict(coords or {})
    names = dict(names or {})
    times = np.asarray(times)
    if times.ndim != 1 or times.dtype.kind != "M":
        raise ValueError(f"times must be a 1-D datetime64 array, got {times.dtype} {times.shape}")

    element_names = {dim: _names(dim, names[dim]) for dim in ELEMENT_DIMS if dim in names}
    members = None if names.get("member") is None else np.asarray(names["member"])
    sizes = {"time": len(times), **{d: len(v) for d, v in element_names.items()}}
    if members is not None:
        sizes["member"] = len(members)

    data_vars = {}
    for group, arrays, timed in (("series", series, True), ("summaries", summaries, False)):
        for name, values in arrays.items():
            var = VARIABLES[name]  # KeyError: not in the results schema
            if ("time" in var.dims) != timed:
                raise ValueError(f"{name} is declared with dims {var.dims}; not one of {group}")
            data_vars[name] = _variable(name, values, var, sizes, members is not None)

    ds_coords: dict = {"time": ("time", times, {"standard_name": "time", "axis": "T"})}
    for dim, values in element_names.items():
        ds_coords[dim] = (dim, values, {"long_name": f"{dim} name"})
        # the names again as data: xugrid replaces the dimension's index with 0..n-1
        location = _UGRID_LOCATION.get(dim)
        name_attrs = {"long_name": f"{dim} name"}
        if location:
            name_attrs.update(mesh="network", location=location)
        data_vars[f"{dim}_name"] = (dim, values, name_attrs)
    if members is not None:
        ds_coords["member"] = ("member", members, {"long_name": "ensemble member"})
    node_index = {n: i for i, n in enumerate(element_names.get("node", ()))}
    for name, values in coords.items():
        var = STATIC[name]  # KeyError: not in the results schema
        values = _coord_values(name, values, element_names.get("node"))
        if values.shape != tuple(sizes.get(d, -1) for d in var.dims):
            raise ValueError(f"{name} has shape {values.shape}; expected dims {var.dims}")
        if name in MAP_COORDS:
            ds_coords[name] = (var.dims, values, _cf_attrs(var, location=None))
        else:
            location = _UGRID_LOCATION.get(var.dims[0])
            data_vars[name] = (var.dims, values, _cf_attrs(var, location))

    topology = {
        "cf_role": "mesh_topology",
        "long_name": "sewer network topology",
        "topology_dimension": 1,
        "node_dimension": "node",
        "node_id": "node_name",  # the names, as Deltares' UGRID 1D files name them
    }
    if "link" in element_names:
        topology["edge_id"] = "link_name"
    if "node_x" in coords and "node_y" in coords:
        topology["node_coordinates"] = "node_x node_y"
    if "link_from" in coords and "link_to" in coords:
        link_nodes = _link_nodes(data_vars["link_from"][1], data_vars["link_to"][1], node_index)
        data_vars["link_nodes"] = (
            ("link", "two"),
            link_nodes,
            {"cf_role": "edge_node_connectivity", "long_name": "nodes at link", "start_index": 0},
        )
        topology["edge_dimension"] = "link"
        topology["edge_node_connectivity"] = "link_nodes"
    data_vars["network"] = ((), np.int32(0), topology)
    for dim, shapes in (geometry or {}).items():
        if dim not in element_names or len(shapes) != sizes[dim]:
            raise ValueError(f"geometry[{dim!r}] needs one shape per element of names[{dim!r}]")
        data_vars.update(geometry_variables(dim, shapes))

    global_attrs = {"Conventions": CONVENTIONS, "results_schema": RESULTS_SCHEMA}
    for key, value in (attrs or {}).items():
        value = cf_attr_value(key, value)
        if value is not None:
            global_attrs[key] = value
    ds = xr.Dataset(data_vars, coords=ds_coords, attrs=global_attrs)
    if crs is not None:
        from twin.engine.crs import with_crs

        ds = with_crs(ds, crs)
    return ds


def static_names(ds: xr.Dataset) -> list[str]:
    """Data variables of ``ds`` that describe the network, not one run (no member axis).

    The static properties of ``STATIC``, the UGRID topology, the CF geometries and the
    grid mapping: what an ensemble keeps once, not per member.
    """
    return [
        name
        for name in ds.data_vars
        if name in STATIC
        or name in NAME_VARIABLES
        or ds[name].attrs.get("cf_role") in ("mesh_topology", "edge_node_connectivity")
        or name.endswith(("_geometry", "_geometry_node_count", "_geometry_x", "_geometry_y"))
        or name == GRID_MAPPING
    ]


def cf_attr_value(key: str, value):
    """``value`` as a NetCDF-storable attribute (``None`` means: leave it out).

    Raises
    ------
    TypeError
        For values with no NetCDF form (dicts, arbitrary objects).
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, np.datetime64 | _dt.datetime | _dt.date):
        return str(np.datetime64(value, "s"))
    if isinstance(value, np.timedelta64):
        return float(value / np.timedelta64(1, "s"))
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, numbers.Number):
        return value
    if isinstance(value, list | tuple | np.ndarray):
        arr = np.asarray(value)
        if arr.ndim == 1 and arr.dtype.kind in "iuf":
            return arr
        if arr.ndim == 1 and arr.dtype.kind == "U":
            return [str(v) for v in arr]
    raise TypeError(f"attribute {key!r}: {type(value).__name__} cannot be stored in NetCDF")


def _names(dim: str, values) -> np.ndarray:
    out = np.array([str(v) for v in np.asarray(values, dtype=object).ravel()], dtype=object)
    if len(set(out)) != len(out):
        seen, dup = set(), None
        for n in out:
            if n in seen:
                dup = n
                break
            seen.add(n)
        raise ValueError(f"{dim} names must be unique; {dup!r} is repeated")
    return out


def _cf_attrs(var, location: str | None) -> dict:
    attrs = {"long_name": var.long_name}
    if var.units:
        attrs["units"] = var.units
    if var.standard_name:
        attrs["standard_name"] = var.standard_name
    if location is not None:
        attrs["mesh"] = "network"
        attrs["location"] = location
    return attrs


def _variable(name, values, var, sizes, with_members):
    values = np.asarray(values)
    dims = (("member",) if with_members else ()) + var.dims
    missing = [d for d in dims if d not in sizes]
    if missing:
        raise ValueError(f"{name} needs names[{missing[0]!r}] (its dims are {dims})")
    expected = tuple(sizes[d] for d in dims)
    if values.shape != expected:
        raise ValueError(f"{name} has shape {values.shape}; expected {expected} for {dims}")
    kind = values.dtype.kind
    if name.endswith("_time") and kind != "M":
        raise ValueError(f"{name} must be datetime64 (NaT where it never happened)")
    if kind in "fb" or (kind in "iu" and var.units not in ("1", "")):
        values = values.astype(np.float64)
    elif kind not in "iuM":
        raise ValueError(f"{name} must be numeric or datetime64, got {values.dtype}")
    location = next((_UGRID_LOCATION[d] for d in var.dims if d in _UGRID_LOCATION), None)
    return dims, np.ascontiguousarray(values), _cf_attrs(var, location)


def _coord_values(name, values, node_names) -> np.ndarray:
    values = np.asarray(values)
    if name in _KIND_ENUMS and values.dtype.kind in "iu":
        words = {int(k): k.name.lower() for k in _KIND_ENUMS[name]}
        return np.array([words[int(v)] for v in values], dtype=object)
    if name in ("link_from", "link_to") and values.dtype.kind in "iu":
        if node_names is None:
            raise ValueError(f"{name} given as node ids needs names['node']")
        return np.asarray(node_names, dtype=object)[values]
    if values.dtype.kind in "OUS":
        return np.array([str(v) for v in values.ravel()], dtype=object).reshape(values.shape)
    return np.ascontiguousarray(values, dtype=np.float64)


def _link_nodes(link_from, link_to, node_index) -> np.ndarray:
    out = np.empty((len(link_from), 2), dtype=np.int32)
    for col, ends in enumerate((link_from, link_to)):
        for i, n in enumerate(ends):
            if n not in node_index:
                raise ValueError(f"link end {n!r} is not among names['node']")
            out[i, col] = node_index[n]
    return out
