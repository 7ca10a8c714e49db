"""Save the full state of a running simulation to a file and restore it (hot start).

The state is collected *generically*: :func:`save_state` walks ``vars()`` of the
Simulation and of every engine object it reaches (router, runoff, rainfall, system
inflows, recorder, couplers, 2D surface, ...) and keeps every numpy array, number,
string, and list / tuple / dict of those, keyed by its attribute path.  A field that
another part of the engine adds later is therefore saved without any change here.
Not walked: the Network and the SimOptions (rebuilt by the caller; both are checked
against the file's header), objects outside ``twin.engine`` (xarray terrain, progress
callbacks) and objects marked ``_hotstart_ignore = True`` (the element views).  Of the
kernels' bundles only the routing state is saved (:data:`STATE_BUNDLES`: every declared
field by name, so a state bundle's declaration is the file's schema for it); the
network bundles are rebuilt from the Network and the options.

:func:`load_state` reads the file as a closed format whose schema is the Simulation
being restored (:mod:`twin.engine.hotstart_restore`): only the attributes it has, each
array of the dtype and shape it has, numpy scalars through a fixed table of types.
Saved values go back *into the existing arrays* (``arr[...] = saved``), because the
kernels hold the router's state arrays (its bundles); arrays that grow along their
first axis (report samples) are replaced.

File format: a ``numpy.savez`` archive with arrays ``a0, a1, ...`` and ``__header__``,
a JSON text with the format version, the network fingerprint, the options, the
coupler classes, the clock and the encoded object tree (arrays by reference).
Written whole or not at all (:func:`twin.files.write_bytes`: encoded in memory, then a
temporary name in the same folder renamed onto the target; only regular files).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
import zlib
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np

from twin.engine.hotstart_restore import Restorer
from twin.errors import InputError
from twin.files import check_output, checked_input, write_bytes
from twin.kernels.bundle import Bundle
from twin.kernels.routing.bundles import state_fields

FORMAT = "sewer-twin-state"
VERSION = 1
_ENGINE_MODULE = "twin.engine"
_NOT_WALKED_MODULES = ("twin.engine.options",)
#: Simulation attributes a state file does not hold (the network and options are checked
#: by fingerprint and value instead; the progress bar and the compiled-step driver,
#: twin.engine.stepping, which a simulation with couplers lacks, are not state)
SIM_NOT_SAVED = frozenset({"net", "opts", "_progress", "_compiled", "_python_loop"})
_ARRAY_NAME = re.compile(r"a[0-9]{1,9}")


# -- network fingerprint -------------------------------------------------------------
def _feed(h, value) -> None:
    """Add ``value`` (tables, arrays, containers, scalars) to the hash ``h``."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            h.update(repr([str(v) for v in value.ravel()]).encode())
        else:
            h.update(str(value.dtype).encode() + str(value.shape).encode())
            h.update(np.ascontiguousarray(value).tobytes())
    elif is_dataclass(value) and not isinstance(value, type):
        h.update(type(value).__name__.encode())
        for f in fields(value):
            if f.name != "source":
                h.update(f.name.encode())
                _feed(h, getattr(value, f.name))
    elif isinstance(value, dict):
        for k in value:
            h.update(repr(k).encode())
            _feed(h, value[k])
    elif isinstance(value, (list, tuple)):
        h.update(b"[%d" % len(value))
        for v in value:
            _feed(h, v)
    else:
        h.update(repr(value).encode())


def network_fingerprint(net) -> str:
    """SHA-256 (hex) of every table, series, curve and option of a Network.

    The file it came from (``source``) is left out, so a copy of a network, or the
    same ``.inp`` read from another folder, has the same fingerprint.
    """
    h = hashlib.sha256()
    _feed(h, net)
    return h.hexdigest()


# -- encoding -------------------------------------------------------------------------
_SKIP = object()


def is_engine_state(obj) -> bool:
    """Whether the hot start walks ``obj``'s attributes: an engine object (not options,
    not marked ``_hotstart_ignore``) with a ``__dict__``."""
    mod = type(obj).__module__ or ""
    return (
        mod.startswith(_ENGINE_MODULE)
        and mod not in _NOT_WALKED_MODULES
        and not getattr(type(obj), "_hotstart_ignore", False)
        and hasattr(obj, "__dict__")
    )


class _Encoder:
    """Turns an object tree into JSON-ready data, collecting arrays aside."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self._seen: set[int] = set()

    def value(self, v):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, np.generic):
            return v
        if isinstance(v, np.ndarray):
            if v.dtype == object:
                return _SKIP
            key = f"a{len(self.arrays)}"
            self.arrays[key] = v
            return {"__array__": key}
        if isinstance(v, np.generic):
            if isinstance(v, (np.datetime64, np.timedelta64)):
                return {"__np__": type(v).__name__, "value": str(v)}
            if isinstance(v, (np.number, np.bool_)):
                return {"__np__": type(v).__name__, "value": v.item()}
            return _SKIP
        if isinstance(v, (list, tuple)):
            items = [self.value(x) for x in v]
            if any(x is _SKIP for x in items):
                return _SKIP
            return items if isinstance(v, list) else {"__tuple__": items}
        if isinstance(v, dict):
            pairs = [(self.value(k), self.value(x)) for k, x in v.items()]
            pairs = [[k, x] for k, x in pairs if k is not _SKIP and x is not _SKIP]
            return {"__dict__": pairs}
        if isinstance(v, Bundle):
            names = state_fields(v)
            if not names:
                return _SKIP
            fields = {n: self.value(getattr(v, n)) for n in names}
            return {"__bundle__": type(v).__name__, "fields": fields}
        if is_engine_state(v):
            return self.obj(v)
        return _SKIP

    def obj(self, o, exclude=frozenset()):
        if id(o) in self._seen:
            return _SKIP
        self._seen.add(id(o))
        attrs = {}
        for name, v in vars(o).items():
            if name in exclude:
                continue
            enc = self.value(v)
            if enc is not _SKIP:
                attrs[name] = enc
        return {"__object__": type(o).__name__, "attrs": attrs}


# -- public entry points --------------------------------------------------------------------
def _option_values(opts) -> dict[str, str]:
    """Each SimOptions field's ``repr``, by name (compared one by one on loading)."""
    return {f.name: repr(getattr(opts, f.name)) for f in fields(opts)}


def _options_differ(saved: dict, own: dict) -> str:
    """The message naming the options whose values differ between a file and a simulation."""
    theirs, ours = saved.get("option_values"), own["option_values"]
    if not isinstance(theirs, dict):
        return "state file was saved with other options"
    names = sorted(set(theirs) | set(ours))
    diff = [f"{k} is {theirs.get(k, 'absent')} in the file, {ours.get(k, 'absent')} here"
            for k in names if theirs.get(k) != ours.get(k)]  # fmt: skip
    return "state file was saved with other options: " + "; ".join(diff)


def _header_of(sim) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "network": network_fingerprint(sim.net),
        "options": repr(sim.opts),
        "option_values": _option_values(sim.opts),
        "couplers": [type(c).__name__ for c in sim.couplers],
        "time": str(sim.current_time),
        "t_s": sim.t_s,
    }


def save_state(sim, path, *, sewer_only: bool = False) -> Path:
    """Write the full state of ``sim`` to ``path`` (atomically); returns the path.

    Parameters
    ----------
    sim : Simulation
    path : str or Path
        Any name (``.npz`` is not appended).
    sewer_only : bool
        Leave the couplers (the 2D street surface) out: the file is then the state of
        the same simulation without them, which a simulation built without couplers
        loads (the water on the streets is not in it).
    """
    path = Path(path)
    enc = _Encoder()
    header = _header_of(sim)
    exclude = SIM_NOT_SAVED
    if sewer_only:
        header["couplers"] = []
        exclude = SIM_NOT_SAVED | {"couplers"}
    header["state"] = enc.obj(sim, exclude=exclude)
    arrays = dict(enc.arrays)
    arrays["__header__"] = np.array(json.dumps(header))
    check_output(path)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return write_bytes(path, buf.getbuffer())


def snapshot(sim) -> tuple[dict, dict]:
    """The full state of ``sim`` in memory: ``(tree, arrays)`` with the arrays copied
    (what :func:`save_state` writes, without the file or the header checks)."""
    enc = _Encoder()
    tree = enc.obj(sim, exclude=SIM_NOT_SAVED)
    return tree, {k: np.array(v, copy=True) for k, v in enc.arrays.items()}


def restore_snapshot(sim, snap: tuple[dict, dict]) -> None:
    """Write a :func:`snapshot` into ``sim``, in place.  The caller vouches that ``sim``
    was built like the simulation the snapshot came from (same network, options and
    couplers); the tree is still read through the same checks as a file."""
    tree, arrays = snap
    restorer = Restorer(arrays, "<snapshot>")
    restorer.attrs(sim, tree["attrs"], type(sim).__name__, exclude=SIM_NOT_SAVED)


def read_state_header(path) -> dict:
    """The JSON header of a state file (without the encoded state tree)."""
    header, _ = _read(path, arrays=False)
    header.pop("state", None)
    return header


_HEADER_TYPES = {
    "format": str,
    "version": int,
    "network": str,
    "options": str,
    "option_values": dict,
    "couplers": list,
    "time": str,
    "t_s": (int, float),
    "state": dict,
}
_ARCHIVE_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


def _read(path, arrays: bool = True):
    """The checked header and (when ``arrays``) the arrays of the state file ``path``."""
    checked_input(path, what="state file")
    try:
        with np.load(path, allow_pickle=False) as f:
            if not isinstance(f, np.lib.npyio.NpzFile) or "__header__" not in f.files:
                raise InputError("not a sewer-twin state file", file=path)
            raw = f["__header__"]
            if raw.dtype.kind != "U" or raw.shape != ():
                raise InputError("not a sewer-twin state file (bad header)", file=path)
            header = json.loads(str(raw))
            names = [k for k in f.files if k != "__header__"]
            bad = [k for k in names if not _ARRAY_NAME.fullmatch(k)]
            if bad:
                raise InputError(f"state file: unknown entry {bad[0][:40]!r}", file=path)
            data = {k: f[k] for k in names} if arrays else {}
    except InputError:
        raise
    except RecursionError:
        raise InputError("state file: header nested too deeply", file=path) from None
    except _ARCHIVE_ERRORS as exc:
        reason = f"{type(exc).__name__}: {exc}"[:120]
        raise InputError(f"not a sewer-twin state file ({reason})", file=path) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InputError("not a sewer-twin state file", file=path)
    if header.get("version") != VERSION:
        version = str(header.get("version"))[:20]
        raise InputError(f"state file version {version} (this engine reads {VERSION})", file=path)
    for key in header:
        if key not in _HEADER_TYPES:
            raise InputError(f"state file: unknown header entry {key[:40]!r}", file=path)
    for key, kind in _HEADER_TYPES.items():
        if not isinstance(header.get(key), kind) or isinstance(header.get(key), bool):
            raise InputError(f"state file: header entry {key!r} missing or malformed", file=path)
    if not all(isinstance(c, str) for c in header["couplers"]):
        raise InputError("state file: header entry 'couplers' malformed", file=path)
    return header, data


def load_state(sim, path) -> None:
    """Restore the state saved in ``path`` into ``sim`` (built for the same network,
    options and couplers), in place.

    The file is read as a closed format whose schema is ``sim`` itself
    (:mod:`twin.engine.hotstart_restore`): no attribute the simulation lacks, no array
    of another dtype or shape, no numpy name looked up.

    Raises
    ------
    InputError
        The file is not a state file (truncated, random, foreign, tampered with), or was
        saved for another network, other options or other couplers.
    """
    header, data = _read(path)
    own = _header_of(sim)
    if header["network"] != own["network"]:
        raise InputError(
            "state file was saved for another network (network fingerprint differs)", file=path
        )
    if header["options"] != own["options"]:
        raise InputError(_options_differ(header, own), file=path)
    if header["couplers"] != own["couplers"]:
        raise InputError(
            f"state file was saved with couplers {header['couplers']}, "
            f"the simulation has {own['couplers']}",
            file=path,
        )
    state = header["state"]
    if state.get("__object__") != type(sim).__name__ or not isinstance(state.get("attrs"), dict):
        raise InputError("state file: malformed state tree", file=path)
    restorer = Restorer(data, path)
    restorer.attrs(sim, state["attrs"], type(sim).__name__, exclude=SIM_NOT_SAVED)
    unused = sorted(set(data) - restorer.used)
    if unused:
        raise InputError(f"state file: array {unused[0]!r} belongs to no attribute", file=path)
