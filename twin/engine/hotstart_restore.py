"""Read a hot-start file back, as a closed format checked against the live simulation.

The schema of a state file is not a hand-typed list: it is the Simulation being
restored.  Every engine object it reaches (the router with its declared state arrays,
runoff, rainfall, recorder, couplers, ...) fixes which attribute names exist, and every
value there fixes the kind, dtype and shape the saved value must have.  So the schema
follows the engine when its state arrays change, and a file can only put back values
of the kinds that are already there:

- an attribute the simulation does not have is refused (nothing new is set), and an
  array or engine object the simulation has but the file lacks is refused too;
- an array must have the dtype and number of dimensions of the array it replaces and
  the same shape but along its first axis (report samples grow); it is copied into
  the existing array when the shapes are equal, so the router's views stay views;
- a numpy scalar is rebuilt through a fixed table of numpy types, never by a name
  looked up in numpy; no other tag than the five the writer uses is read;
- a tuple (a ``NamedTuple`` bundle of arrays included) is restored element by element
  into the existing one;
- a kernel state bundle (:data:`~twin.kernels.routing.bundles.STATE_BUNDLES`) must be
  of the simulation's bundle type and hold exactly its declared array fields, each
  copied into the bundle's own array (the kernels hold those arrays, so none is
  replaced).

Every violation is an :class:`~twin.errors.InputError` naming the attribute path.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError
from twin.kernels.bundle import Bundle
from twin.kernels.routing.bundles import STATE_BUNDLES, state_fields

#: numpy scalar types a state file may hold, by the name the writer records
SCALAR_TYPES = {
    t.__name__: t
    for t in (
        np.float64,
        np.float32,
        np.int64,
        np.int32,
        np.int16,
        np.int8,
        np.uint64,
        np.uint32,
        np.uint16,
        np.uint8,
        np.bool_,
        np.datetime64,
        np.timedelta64,
    )
}
#: dtype kinds an array in a state file may have (bool, integers, floats, complex, times, text)
ARRAY_KINDS = frozenset("biufcmMUS")
_TAGS = {
    frozenset({"__array__"}),
    frozenset({"__np__", "value"}),
    frozenset({"__tuple__"}),
    frozenset({"__dict__"}),
    frozenset({"__object__", "attrs"}),
    frozenset({"__bundle__", "fields"}),
}
_JSON_SCALARS = (type(None), bool, int, float, str)


class Restorer:
    """Puts an encoded state tree back into live objects, checking it as it goes.

    Parameters
    ----------
    arrays : dict of str -> ndarray
        The arrays of the file (``a0, a1, ...``).
    file : path-like
        Named in errors.
    """

    def __init__(self, arrays: dict, file):
        self.arrays = arrays
        self.file = file
        self.used: set[str] = set()

    def fail(self, where: str, message: str):
        raise InputError(f"state file: {where}: {message}", file=self.file)

    # -- values -----------------------------------------------------------------------
    def value(self, current, enc, where: str):
        """The value that ``current`` becomes (``current`` itself, updated in place when
        it can be)."""
        if isinstance(enc, list):
            return self._list(current, enc, where)
        if isinstance(enc, dict):
            tag = frozenset(enc)
            if tag not in _TAGS:
                self.fail(where, f"unknown entry {sorted(enc)[:5]}")
            if "__array__" in enc:
                return self._array(current, enc["__array__"], where)
            if "__np__" in enc:
                return self._scalar(current, enc, where)
            if "__tuple__" in enc:
                return self._tuple(current, enc["__tuple__"], where)
            if "__dict__" in enc:
                return self._dict(current, enc["__dict__"], where)
            if "__bundle__" in enc:
                return self._bundle(current, enc, where)
            return self.object(current, enc, where)
        if not isinstance(enc, _JSON_SCALARS):  # pragma: no cover - JSON has no other
            self.fail(where, f"unexpected {type(enc).__name__}")
        return self._plain(current, enc, where)

    def _plain(self, current, enc, where):
        if current is None or enc is None:
            if current is not None and not isinstance(current, _JSON_SCALARS):
                if not _key_tuple(current):
                    self.fail(where, f"holds null where the simulation has a {_kind(current)}")
            return enc  # null over a cache key (a tuple of scalars): "not computed yet"
        if _family(current) != _family(enc):
            self.fail(where, f"holds {enc!r} where the simulation has a {_kind(current)}")
        if type(current) is not type(enc) and current == enc:
            return current  # an equal IntEnum stays an IntEnum
        return enc

    def _array(self, current, key, where):
        if not isinstance(key, str) or key not in self.arrays:
            self.fail(where, f"refers to a missing array {key!r}")
        if key in self.used:
            self.fail(where, f"array {key!r} is referred to twice")
        self.used.add(key)
        saved = self.arrays[key]
        if saved.dtype.kind not in ARRAY_KINDS:
            self.fail(where, f"array of dtype {saved.dtype} is not allowed")
        if current is None:
            return saved.copy()
        if not isinstance(current, np.ndarray):
            self.fail(where, f"holds an array where the simulation has a {_kind(current)}")
        if saved.dtype != current.dtype:
            self.fail(where, f"array of dtype {saved.dtype}, expected {current.dtype}")
        if saved.ndim != current.ndim or saved.shape[1:] != current.shape[1:]:
            self.fail(where, f"array of shape {saved.shape}, expected {current.shape}")
        if saved.shape == current.shape:
            if current.flags.writeable:
                current[...] = saved
                return current
            if np.array_equal(current, saved, equal_nan=saved.dtype.kind in "fc"):
                return current
            self.fail(where, "differs from the simulation's read-only array")
        return saved.copy()

    def _scalar(self, current, enc, where):
        kind = SCALAR_TYPES.get(enc["__np__"]) if isinstance(enc["__np__"], str) else None
        if kind is None:
            self.fail(where, f"unknown numpy scalar type {str(enc['__np__'])[:40]!r}")
        value = enc["value"]
        if not isinstance(value, (bool, int, float, str)):
            self.fail(where, f"numpy scalar value {str(value)[:40]}")
        try:
            new = kind(value)
        except (TypeError, ValueError, OverflowError) as exc:
            self.fail(where, f"numpy scalar {str(value)[:40]!r}: {exc}")
        if current is not None and _family(current) != _family(new):
            self.fail(where, f"holds a {kind.__name__} where the simulation has a {_kind(current)}")
        return new

    def _list(self, current, enc, where):
        if current is not None and not isinstance(current, list):
            self.fail(where, f"holds a list where the simulation has a {_kind(current)}")
        old = current if current is not None else []
        new = [
            self.value(old[i] if i < len(old) else None, e, f"{where}[{i}]")
            for i, e in enumerate(enc)
        ]
        if current is None:
            return new
        current[:] = new
        return current

    def _tuple(self, current, enc, where):
        if not isinstance(enc, list):
            self.fail(where, "malformed tuple")
        if current is None:
            return tuple(self.value(None, e, f"{where}[{i}]") for i, e in enumerate(enc))
        if not isinstance(current, tuple) or len(current) != len(enc):
            self.fail(where, f"holds a tuple of {len(enc)}, the simulation a {_kind(current)}")
        pairs = enumerate(zip(current, enc, strict=True))
        new = [self.value(c, e, f"{where}[{i}]") for i, (c, e) in pairs]
        if all(n is c for n, c in zip(new, current, strict=True)):
            return current  # a bundle of arrays restored in place stays the same bundle
        if hasattr(current, "_fields"):
            return type(current)(*new)
        return tuple(new)

    def _bundle(self, current, enc, where):
        name, saved = enc["__bundle__"], enc["fields"]
        if not isinstance(current, Bundle) or type(current).__name__ != name:
            self.fail(
                where,
                f"holds a {str(name)[:40]} where the simulation has {_kind(current)}: "
                "it was saved with other options",
            )
        if not isinstance(saved, dict):
            self.fail(where, "malformed bundle")
        declared = state_fields(current)
        unknown = [n for n in saved if n not in declared]
        if unknown:
            self.fail(where, f"unknown field {str(unknown[0])[:60]!r}")
        missing = [n for n in declared if n not in saved]
        if missing:
            self.fail(where, f"lacks the field {missing[0]!r}")
        for n in declared:
            live = getattr(current, n)
            if self.value(live, saved[n], f"{where}.{n}") is not live:
                self.fail(f"{where}.{n}", f"array of another shape, expected {live.shape}")
        return current

    def _dict(self, current, pairs, where):
        if current is not None and not isinstance(current, dict):
            self.fail(where, f"holds a dict where the simulation has a {_kind(current)}")
        if not isinstance(pairs, list):
            self.fail(where, "malformed dict")
        target = current if current is not None else {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(where, "malformed dict entry")
            key = self.value(None, pair[0], f"{where} key")
            try:
                hash(key)
            except TypeError:
                self.fail(where, "unhashable dict key")
            target[key] = self.value(target.get(key), pair[1], f"{where}[{key!r}]")
        return target

    # -- objects ------------------------------------------------------------------------
    def object(self, current, enc, where: str):
        """Restore the attributes of the engine object ``current`` (never a new one)."""
        name = enc.get("__object__")
        if current is None or type(current).__name__ != name:
            self.fail(
                where,
                f"holds a {str(name)[:40]} where the simulation has "
                f"{type(current).__name__}: it was saved with other couplers or options",
            )
        attrs = enc.get("attrs")
        if not isinstance(attrs, dict):
            self.fail(where, "malformed object")
        self.attrs(current, attrs, where)
        return current

    def attrs(self, obj, attrs: dict, where: str, exclude=frozenset()) -> None:
        """Restore ``attrs`` into ``obj``: the same attribute names as it has, no other."""
        d = vars(obj)
        unknown = [n for n in attrs if n not in d or n in exclude]
        if unknown:
            self.fail(where, f"unknown attribute {unknown[0][:60]!r}")
        missing = [
            n for n, v in d.items() if n not in attrs and n not in exclude and _state_array(v)
        ]
        if missing:
            self.fail(where, f"lacks the attribute {missing[0]!r}")
        for n, enc in attrs.items():
            current = d.get(n)
            new = self.value(current, enc, f"{where}.{n}")
            if new is not current:
                object.__setattr__(obj, n, new)


def _key_tuple(v) -> bool:
    """A plain tuple of scalars: a cache key such as the (month, day, hour) the dry-weather
    factors were computed for, which is null in a state saved before the first step."""
    return (
        type(v) is tuple
        and len(v) <= 8
        and all(isinstance(x, (*_JSON_SCALARS, np.generic)) for x in v)
    )


def _state_array(v) -> bool:
    """An array or state bundle the writer always saves (an engine object seen twice is
    saved once)."""
    if isinstance(v, Bundle):
        return type(v) in STATE_BUNDLES
    return isinstance(v, np.ndarray) and v.dtype.kind in ARRAY_KINDS


def _family(v) -> str:
    """The kind of a scalar, Python or numpy: "bool", "number", "time", "text" or its type."""
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return f"time {type(v).__name__}"
    if isinstance(v, str):
        return "text"
    return type(v).__name__


def _kind(v) -> str:
    if isinstance(v, np.ndarray):
        return f"array {v.dtype}{list(v.shape)}"
    return type(v).__name__
