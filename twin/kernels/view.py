"""Borrowed views of the bundles: what the kernels pass around inside a step.

A bundle (:mod:`twin.kernels.bundle`) is a numba ``structref``: a pointer to a
reference-counted block (a meminfo).  numba increments and decrements that count
every time a compiled function receives a bundle as an argument and every time it
reads a field -- two atomic instructions each, which ``perf`` found in a quarter of
the routing step's samples (the routing helpers are called per element, with up to
seven bundles each).

:func:`view` turns a bundle into a :class:`BundleView` once, at a kernel's entry: a
plain pointer to the bundle's fields, with no meminfo, so passing it on and reading
``view.length[j]`` emit no reference count at all.  A field read is a load from the
field's slot, marked invariant (a kernel never rebinds a field while it runs: the
Python bundle refuses it), so LLVM can keep the field's array in registers across a
loop as it did when the arrays were arguments; the array comes back borrowed (the
bundle owns its arrays, :mod:`twin.kernels.bundle`).  The caller keeps the bundle
alive for the call (a view never outlives the kernel call that made it; views never
go back to Python).  ``view`` of a view, or of anything that is not a bundle, is the
value itself, so a kernel may call ``view`` on every argument.

Kernels called from Python (:mod:`twin.kernels.routing.step` ...) are thin entries
that take the views and call the body, which reads ``view.field`` like a bundle.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, imputils, types
from numba.core.datamodel import models
from numba.core.extending import (
    infer_getattr,
    intrinsic,
    lower_getattr_generic,
    register_model,
)
from numba.core.typing.templates import AttributeTemplate
from numba.experimental.structref import _Utils

__all__ = ["BundleView", "view"]


class BundleView(types.Type):
    """The numba type of a borrowed view of a bundle of structref type ``struct_type``."""

    def __init__(self, struct_type: types.StructRef):
        self.struct_type = struct_type
        super().__init__(name=f"View({struct_type})")

    @property
    def field_dict(self):
        return self.struct_type.field_dict


@register_model(BundleView)
class _ViewModel(models.OpaqueModel):
    """A view is one untyped pointer (``i8*``) to the structref's payload."""


@infer_getattr
class _ViewAttribute(AttributeTemplate):
    key = BundleView

    def generic_resolve(self, typ, attr):
        return typ.field_dict.get(attr)


@lower_getattr_generic(BundleView)
def _view_getattr(context, builder, typ, val, attr):
    payload = typ.struct_type.get_data_type()
    model = context.data_model_manager[payload]
    ptr = builder.bitcast(val, model.get_value_type().as_pointer())
    slot = cgutils.gep_inbounds(builder, ptr, 0, model.get_field_position(attr))
    loaded = builder.load(slot)
    loaded.set_metadata("invariant.load", builder.module.add_metadata([]))
    ftype = typ.field_dict[attr]
    value = context.data_model_manager[ftype].from_data(builder, loaded)
    if isinstance(ftype, types.Array):
        # the array is borrowed (null meminfo, see twin.kernels.bundle): say so as a
        # constant, so the reference count numba emits for it folds away
        ary = cgutils.create_struct_proxy(ftype)(context, builder, value=value)
        ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
        value = ary._getvalue()
    return imputils.impl_ret_borrowed(context, builder, ftype, value)


@intrinsic
def view(typingctx, value):
    """The borrowed view of a bundle; a view, or any other value, unchanged."""
    if isinstance(value, types.StructRef):
        out = BundleView(value)

        def codegen(context, builder, sig, args):
            ptr = _Utils(context, builder, value).get_data_pointer(args[0])
            return builder.bitcast(ptr, ir.IntType(8).as_pointer())

        return out(value), codegen

    def same(context, builder, sig, args):
        return imputils.impl_ret_borrowed(context, builder, value, args[0])

    return value(value), same
