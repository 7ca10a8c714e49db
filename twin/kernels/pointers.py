"""A table row as one pointer: how the hottest kernels pass a row to their helpers.

numba passes an array argument as a struct of 7 to 11 machine words (data pointer,
shape, strides and bookkeeping); a helper called for every conduit and Picard pass
with two tables spends more copying those words than computing.  The routing
kernel's circular-conduit helpers take instead a pointer to the first number of the
row they read (:func:`row_pointer`), which is one word.

A pointer carries no shape: the helper indexes it with the row layout's column
constants (``xr[P_YFULL]``), nothing checks bounds, and the array must outlive the
call (it always does: the helpers never keep the pointer).
"""

from numba import types
from numba.core import cgutils
from numba.core.extending import intrinsic


@intrinsic
def row_pointer(typingctx, arr, i):
    """Pointer to ``arr[i, 0, ...]`` (the start of row ``i`` of a C-contiguous array).

    Index the result like a 1-D array: ``row_pointer(xs, j)[k]`` is ``xs[j, k]``, and
    for a 3-D ``tables`` array ``row_pointer(tables, t)[r * tables.shape[2] + k]`` is
    ``tables[t, r, k]``.  No bounds are checked; ``i`` must be a valid row.
    """
    if not isinstance(arr, types.Array) or arr.layout != "C":
        return None
    sig = types.CPointer(arr.dtype)(arr, i)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        idx = [args[1]] + [zero] * (aryty.ndim - 1)
        return cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)

    return sig, codegen
