"""Named bundles of arrays: what the kernels read instead of packed tables.

A bundle is a numba ``structref`` of named fields, each declared once with its dtype,
unit and meaning (:class:`Field`); a kernel reads ``links.length[j]``, and passing
the nodes where the links are expected is a typing error, not a silent wrong answer.
A bundle crosses into compiled code as one pointer (a call with a dozen bundles costs
no more than one with a dozen numbers), and its fields are plain numpy arrays on the
Python side (``router.node_state.depth``), the same memory the kernels write.

Fields of dimension ``"node"``, ``"link"``, ... are 1-D C-contiguous arrays with one
entry per element; ``"one"`` is a (1,) array (a total that kernels update in place);
``""`` is a number, fixed when the bundle is made (options).  Other dimensions
(``"point"``, ``"curve+1"``, ``"table"``) are arrays of their own length.

>>> import numpy as np
>>> from twin.kernels.routing.bundles import Curves
>>> c = Curves(start=np.array([0, 2]), x=np.array([0.0, 1.0]), y=np.array([0.0, 2.0]))
>>> c.x
array([0., 1.])
>>> print(Curves.table().splitlines()[2])
| start | int64 | - | first point of curve k, CSR offsets (n_curves + 1) |

The Python bundle owns its arrays (it keeps them as attributes); the structref holds
them *borrowed*, without numba's reference count (a null meminfo), so a kernel's read
of ``links.length[j]`` costs no atomic increment and decrement.  With counted arrays
those atomics took a third of the routing step (``perf``: two ``lock xadd``
instructions).  So a bundle must outlive every compiled use of it: keep the Python
object (the Router does) while kernels or typed lists hold its structref.

Making a bundle type: a ``types.StructRef`` subclass registered with numba and a
:class:`Bundle` subclass declaring its ``fields``, bound together by :func:`bind`.
"""

from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import types
from numba.experimental import structref

from twin.errors import TwinError

__all__ = ["Bundle", "Field", "bind", "link_field", "node_field"]

_DTYPES = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}
_NUMBA = {"float64": types.float64, "int64": types.int64, "bool": types.boolean}


@dataclass(frozen=True)
class Field:
    """One named quantity of a bundle.

    Attributes
    ----------
    name : str
        Attribute name (``length``, ``depth``).
    dtype : str
        ``"float64"``, ``"int64"`` or ``"bool"``.
    unit : str
        ``"ft"``, ``"cfs"``, ``"ft3"``, ``"s"``, ``"-"`` (a ratio or flag), ``"code"``
        (an enum or index).
    meaning : str
        What it is, for the bundle's table.
    dim : str
        What the array's axis counts (``"node"``, ``"link"``, ``"one"``...); ``""`` for
        a number fixed when the bundle is made.
    fill : float
        Value of a new entry (:meth:`Bundle.new`).
    ndim : int
        Dimensions of the array (1 unless stated).
    """

    name: str
    dtype: str
    unit: str
    meaning: str
    dim: str = "element"
    fill: float = 0.0
    ndim: int = 1

    @property
    def numba_type(self):
        t = _NUMBA[self.dtype]
        return t if not self.dim else types.Array(t, self.ndim, "C")


def node_field(name, dtype, unit, meaning, fill=0.0) -> Field:
    """A :class:`Field` with one value per node."""
    return Field(name, dtype, unit, meaning, "node", fill)


def link_field(name, dtype, unit, meaning, fill=0.0) -> Field:
    """A :class:`Field` with one value per link."""
    return Field(name, dtype, unit, meaning, "link", fill)


_PACK = {"float64": "d", "int64": "q", "bool": "?"}
_LAYOUTS: dict = {}


def _layout(struct_type) -> tuple[int, list[int]]:
    """Size in bytes of ``struct_type``'s payload and the offset of each field, as
    numba's data model lays it out for this machine."""
    got = _LAYOUTS.get(struct_type)
    if got is None:
        from numba.core.compiler_lock import global_compiler_lock
        from numba.core.registry import cpu_target
        from numba.core.runtime import nrt

        ctx = cpu_target.target_context
        with global_compiler_lock:
            nrt.rtsys.initialize(ctx)  # numba's runtime, as before its first compile
        payload = ctx.data_model_manager[struct_type.get_data_type()].get_data_type()
        td = ctx.target_data
        offsets = [payload.get_element_offset(td, k) for k in range(len(struct_type.field_dict))]
        got = _LAYOUTS[struct_type] = (payload.get_abi_size(td), offsets)
    return got


def _make(cls, values: dict):
    """A new structref of ``cls``'s numba type holding ``values`` (by field name).

    Written from Python into a block numba's runtime allocates (what ``structref.new``
    followed by a store of each field would do in compiled code, without compiling a
    constructor per bundle type: eight of them took 1.5 s of the cold first compile).
    An array field is stored as numba's array struct (meminfo, parent, nitems,
    itemsize, data, shape, strides) with a null meminfo: borrowed, so reading a field
    costs no reference count; the parent is the numpy array itself, as when numba
    unboxes it.  The block has no destructor: it holds no reference.
    """
    from numba.core.runtime import nrt

    struct_type = cls._numba_struct
    size, offsets = _layout(struct_type)
    mi = nrt.rtsys.meminfo_alloc(size)
    buf = (ctypes.c_char * size).from_address(mi.data)
    for f, off in zip(cls.fields, offsets, strict=True):
        v = values[f.name]
        if not f.dim:
            struct.pack_into(_PACK[f.dtype], buf, off, v)
            continue
        words = (0, id(v), v.size, v.itemsize, v.ctypes.data, *v.shape, *v.strides)
        struct.pack_into(f"{len(words)}q", buf, off, *words)
    return cls._numba_box_(struct_type, mi)


class Bundle(structref.StructRefProxy):
    """Base of the bundles: named arrays, one numba type per bundle class.

    Make one with keyword arrays (``Curves(start=..., x=..., y=...)``), or
    :meth:`new` for a bundle of freshly filled arrays.  The arrays are checked (dtype,
    C order, shape) and kept as they are: the bundle and its caller share them.
    Fields cannot be rebound (``bundle.depth = ...`` raises); write into them.
    """

    fields: ClassVar[tuple[Field, ...]] = ()
    _numba_struct: ClassVar[types.StructRef]

    def __new__(cls, **values):
        names = [f.name for f in cls.fields]
        missing = [n for n in names if n not in values]
        extra = [n for n in values if n not in names]
        if missing or extra:
            raise TwinError(f"{cls.__name__}: missing fields {missing}, unknown fields {extra}")
        checked = {f.name: cls._checked(f, values[f.name]) for f in cls.fields}
        inst = _make(cls, checked)
        inst.__dict__.update(checked)
        return inst

    @classmethod
    def _checked(cls, f: Field, value):
        if not f.dim:
            return _DTYPES[f.dtype](value).item()
        if not isinstance(value, np.ndarray):
            raise TwinError(f"{cls.__name__}.{f.name} must be a numpy array")
        if value.dtype != _DTYPES[f.dtype] or value.ndim != f.ndim:
            raise TwinError(
                f"{cls.__name__}.{f.name} must be {f.ndim}-D {f.dtype}, got "
                f"{value.ndim}-D {value.dtype}"
            )
        if not value.flags.c_contiguous:
            raise TwinError(f"{cls.__name__}.{f.name} must be C-contiguous")
        return value

    @classmethod
    def new(cls, sizes: dict[str, int], alloc=None, prefix: str = "", **given):
        """A bundle whose arrays are new and filled with each field's ``fill``.

        Parameters
        ----------
        sizes : dict
            Length of each dimension (``{"node": 5, "one": 1}``).
        alloc : callable, optional
            ``alloc(name, shape)`` returns a zeroed float64 array for each float64
            field (named ``prefix + field``): an ensemble batch gives rows of arrays
            stacked over its members.  Default: new arrays.
        **given
            Fields given rather than made (arrays, or the numbers of scalar fields).
        """
        values = dict(given)
        for f in cls.fields:
            if f.name in values:
                continue
            if not f.dim:
                values[f.name] = f.fill
                continue
            shape = (sizes[f.dim],) if f.ndim == 1 else tuple(sizes[f.dim])
            if alloc is not None and f.dtype == "float64":
                a = alloc(prefix + f.name, shape)
                if f.fill != 0.0:
                    a[...] = f.fill
            else:
                a = np.full(shape, f.fill, dtype=_DTYPES[f.dtype])
            values[f.name] = a
        return cls(**values)

    def __setattr__(self, name, value):
        if name.startswith("_"):  # numba's boxing sets _type and _meminfo
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"{type(self).__name__}.{name} cannot be rebound; write into it")

    def arrays(self) -> dict:
        """The fields by name (the bundle's own arrays and numbers, not copies)."""
        return {f.name: self.__dict__[f.name] for f in self.fields}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f.name for f in self.fields)})"

    def __reduce__(self):
        return (_rebuild, (type(self), {k: v for k, v in self.arrays().items()}))

    @classmethod
    def table(cls) -> str:
        """The declaration as a Markdown table: name, dtype, unit, meaning."""
        rows = ["| field | dtype | unit | meaning |", "| --- | --- | --- | --- |"]
        for f in cls.fields:
            dim = f" ({f.dim})" if f.dim not in ("", "element") and f.meaning[-1:] != ")" else ""
            rows.append(f"| {f.name} | {f.dtype} | {f.unit} | {f.meaning}{dim} |")
        return "\n".join(rows)


def _rebuild(cls, values):
    return cls(**values)


def bind(bundle_cls: type[Bundle], struct_cls: type[types.StructRef]) -> type[Bundle]:
    """Tie ``bundle_cls`` (its ``fields`` declared) to the registered ``struct_cls``."""
    names = [f.name for f in bundle_cls.fields]
    if len(set(names)) != len(names):
        raise TwinError(f"{bundle_cls.__name__}: a field is declared twice")
    bundle_cls._numba_struct = struct_cls([(f.name, f.numba_type) for f in bundle_cls.fields])
    structref.define_boxing(struct_cls, bundle_cls)
    return bundle_cls
