"""Many bundles of one class as one kernel argument: ``views[m]`` is bundle m's view.

An ensemble batch hands its kernels every member's state bundles (and every distinct
network's).  numba's typed lists did that, but a typed list of a bundle type compiles
its own methods (construction, append, getitem, the reflection that boxes it) for
each of the eight bundle types, and numba does not cache them: 3.6 s of the cold first
compile of ``twin ensemble`` and 2.1 s again in every later process, every Dask worker
(``benchmarks/compile_profile.py``).

:class:`Views` is a plain Python object holding the bundles and an int64 array of the
addresses of their fields (each structref's payload).  It crosses into compiled code as
that array's address and length (read from two Python ints, no numpy unboxing), and
``views[m]`` there is the :class:`~twin.kernels.view.BundleView` of bundle ``m``: one
load, the same view :func:`~twin.kernels.view.view` makes of the bundle, so a kernel
reads ``views[m].depth[i]`` as it reads ``view(bundle).depth[i]``.  Nothing is compiled
per bundle type beyond the type itself, and kernels taking a :class:`Views` are cached.

The :class:`Views` keeps its bundles alive; the caller keeps the :class:`Views` alive
for the call (as for any borrowed view).  ``m`` must be in ``0 .. len(views) - 1`` (no
negative indices, no bounds check, as numba's arrays).

>>> import numpy as np
>>> from twin.kernels.routing.bundles import Curves
>>> c = Curves(start=np.array([0, 2]), x=np.array([0.0, 1.0]), y=np.array([0.0, 2.0]))
>>> v = Views([c, c])
>>> len(v), v[1] is c
(2, True)
"""

from __future__ import annotations

import operator

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.datamodel import models
from numba.core.extending import NativeValue, register_model, typeof_impl, unbox
from numba.core.imputils import lower_builtin
from numba.core.typing.templates import AbstractTemplate, infer_global, signature

from twin.errors import TwinError
from twin.kernels.view import BundleView

__all__ = ["Views", "ViewsType"]


class Views:
    """The bundles ``bundles`` (all of one :class:`~twin.kernels.bundle.Bundle` class),
    indexable in compiled code as their views.

    Attributes
    ----------
    bundles : list
        The bundles (kept alive by this object).
    addresses : (n,) int64
        Address of each bundle's fields (its structref payload).
    """

    def __init__(self, bundles):
        self.bundles = list(bundles)
        kinds = {type(b) for b in self.bundles}
        if len(kinds) != 1:
            names = sorted(k.__name__ for k in kinds)
            raise TwinError(f"Views takes bundles of one class, got {names}")
        self.struct_type = kinds.pop()._numba_struct
        # numba's dispatcher reads ``_numba_type_`` (no type made per call: making a
        # ViewsType, which names its struct type, cost 20 us a call)
        self._numba_type_ = ViewsType(self.struct_type)
        self.addresses = np.array([b._meminfo.data for b in self.bundles], dtype=np.int64)
        self.address = int(self.addresses.ctypes.data)
        self.n = len(self.bundles)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, m: int):
        return self.bundles[m]

    def __repr__(self) -> str:
        return f"Views({self.n} x {self.struct_type})"


class ViewsType(types.Type):
    """The numba type of a :class:`Views` of bundles of structref type ``struct_type``."""

    def __init__(self, struct_type: types.StructRef):
        self.struct_type = struct_type
        super().__init__(name=f"Views({struct_type})")


@register_model(ViewsType)
class _ViewsModel(models.StructModel):
    """The address array's data pointer and its length."""

    def __init__(self, dmm, fe_type):
        members = [("data", types.CPointer(types.int64)), ("n", types.intp)]
        super().__init__(dmm, fe_type, members)


@typeof_impl.register(Views)
def _typeof_views(val, c):
    return val._numba_type_


@unbox(ViewsType)
def _unbox_views(typ, obj, c):
    out = cgutils.create_struct_proxy(typ)(c.context, c.builder)
    for name, attr in (("data", "address"), ("n", "n")):
        got = c.pyapi.object_getattr_string(obj, attr)
        number = c.pyapi.long_as_longlong(got)
        c.pyapi.decref(got)
        if name == "data":
            out.data = c.builder.inttoptr(number, out.data.type)
        else:
            out.n = number
    return NativeValue(out._getvalue(), is_error=c.pyapi.c_api_error())


@infer_global(operator.getitem)
class _ViewsGetitem(AbstractTemplate):
    def generic(self, args, kws):
        if len(args) == 2 and isinstance(args[0], ViewsType):
            if isinstance(args[1], types.Integer):
                return signature(BundleView(args[0].struct_type), *args)
        return None


@infer_global(len)
class _ViewsLen(AbstractTemplate):
    def generic(self, args, kws):
        if len(args) == 1 and isinstance(args[0], ViewsType):
            return signature(types.intp, *args)
        return None


# lowered directly, not through @overload: an overload compiles a function per call
# site's types (14 of them in an ensemble's first compile, 0.4 s)
@lower_builtin(operator.getitem, ViewsType, types.Integer)
def _getitem(context, builder, sig, args):
    v = cgutils.create_struct_proxy(sig.args[0])(context, builder, value=args[0])
    at = context.cast(builder, args[1], sig.args[1], types.intp)
    address = builder.load(builder.gep(v.data, [at], inbounds=True))
    return builder.inttoptr(address, ir.IntType(8).as_pointer())


@lower_builtin(len, ViewsType)
def _len(context, builder, sig, args):
    return cgutils.create_struct_proxy(sig.args[0])(context, builder, value=args[0]).n
