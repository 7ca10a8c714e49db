"""The kernels' decorator: lean callees, one signature per kernel, constant-pruned variants."""

import numpy as np
import pytest
from numba.core.caching import FunctionCache

from twin.kernels.jit import KernelDispatcher, kernel, specialise, variant

OPTS = dict(cache=False, nogil=True, error_model="numpy")

FAST = True


@kernel(**OPTS)
def _times(x, k):
    return x * k


@kernel(**OPTS)
def _sum_times(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += _times(a[i], 3) + _times(a[i], 2)  # two literal constants
    return s


@kernel(**OPTS)
def _slow(x):
    return x / 3.0


@kernel(**OPTS)
def _fast_or_slow(x):
    if FAST:
        return x * 2.0
    return _slow(x)


def test_a_callee_compiles_once_for_every_constant_and_without_python_wrappers():
    a = np.arange(4.0)
    assert _sum_times(a) == 5.0 * a.sum()
    inner = _times.inner
    (sig,) = inner.signatures
    assert [str(t) for t in sig] == ["float64", "int64"]  # not Literal[int](3), (2)
    assert inner.targetoptions["no_cpython_wrapper"] and inner.targetoptions["no_cfunc_wrapper"]
    assert not isinstance(inner._cache, FunctionCache)  # linked into its callers' cache
    assert _times.signatures == []  # the Python entry was not compiled for the caller
    assert _times(2.0, 5) == 10.0  # and is still callable from Python
    assert isinstance(_times, KernelDispatcher)


def test_a_variant_never_compiles_the_branch_its_constant_turns_off():
    assert _fast_or_slow(3.0) == 6.0
    assert _slow.inner.signatures == []  # pruned before typing: not compiled
    slow = variant(_fast_or_slow, "slow", FAST=False)
    assert slow.py_func.__qualname__ == "_fast_or_slow__slow"
    assert slow(3.0) == 1.0
    assert len(_slow.inner.signatures) == 1
    assert _fast_or_slow(3.0) == 6.0  # the original keeps its constant


def test_a_variant_of_an_unknown_name_is_refused():
    with pytest.raises(NameError):
        variant(_fast_or_slow, "x", NO_SUCH_NAME=1)


@kernel(**OPTS)
def _square(x):
    return x * x


@kernel(**OPTS)
def _sum_squares(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += _square(a[i])
    return s


@kernel(**OPTS)
def _norm2(a):
    return _sum_squares(a) ** 0.5


def test_a_callee_is_linked_as_ir_and_compiled_to_machine_code_only_in_its_caller():
    from twin.kernels.jit import _LinkOnlyLibrary

    a = np.array([3.0, 4.0])
    assert _norm2(a) == 5.0  # two levels of callees, linked into the Python entry
    for helper in (_square, _sum_squares):
        (cres,) = helper.inner.overloads.values()
        assert isinstance(cres.library, _LinkOnlyLibrary)
        assert cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name) == 0
        assert not cres.library._codegen._engine.is_symbol_defined(cres.fndesc.llvm_func_name)
    (entry,) = _norm2.overloads.values()
    assert not isinstance(entry.library, _LinkOnlyLibrary)
    code = entry.library.get_llvm_str().splitlines()
    # the helpers' code is in the entry's module (linked, then inlined), not called elsewhere
    assert not [ln for ln in code if ln.startswith("declare") and "_square" in ln]


def test_the_compile_flags_read_once_follow_a_change():
    from twin.kernels.jit import _ReadOnceFlags

    f = _ReadOnceFlags()
    before = dict(f.values())
    f.nrt = not before["nrt"]
    assert f.values()["nrt"] == (not before["nrt"])
    f.discard("nrt")
    assert f.values() == before
    g = f.copy()
    assert g == f and hash(g) == hash(f) and isinstance(g, _ReadOnceFlags)


@kernel(**OPTS, inline="llvm")
def _cube(x):
    return x * x * x


@kernel(**OPTS)
def _sum_cubes(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += _cube(a[i])
    return s


def test_an_llvm_inlined_callee_is_compiled_once_and_leaves_no_call_in_its_caller():
    a = np.arange(4.0)
    assert _sum_cubes(a) == float((a**3).sum())
    assert _cube.llvm_inline and "inline" not in _cube.targetoptions  # not numba's inlining
    assert len(_cube.inner.signatures) == 1  # typed and lowered once, as a callee of its own
    (inner,) = _cube.inner.overloads.values()
    (own,) = [f for f in inner.library._final_module.functions if not f.is_declaration]
    assert "alwaysinline" in str(own)  # marked for LLVM's inliner
    assert _sum_squares(a) == float((a**2).sum())
    (square,) = _square.inner.overloads.values()
    plain = [f for f in square.library._final_module.functions if not f.is_declaration]
    assert "alwaysinline" not in str(plain[0])  # a plain callee is left to LLVM's judgement
    (sig,) = _sum_cubes.signatures
    code = _sum_cubes.inspect_llvm(sig)
    callee = "8test_jit5_cube"  # in numba's mangled names of _cube and its environment
    assert callee in code  # linked in ...
    assert not [ln for ln in code.splitlines() if " call " in ln and callee in ln]  # ... inlined
    assert variant(_cube, "copy").llvm_inline  # a variant keeps it


LEAF_SLOW = True


@kernel(**OPTS)
def _leaf(x):
    if LEAF_SLOW:
        return _slow(x)
    return x


@kernel(**OPTS)
def _middle(x):
    return _leaf(x) + 1.0


@kernel(**OPTS)
def _top(x):
    return _middle(x) * 2.0 + _square(x)


def test_specialise_replaces_a_flag_down_the_call_tree_and_shares_the_rest():
    plain = specialise(_top, LEAF_SLOW=False)
    assert plain is specialise(_top, LEAF_SLOW=False)  # made once
    assert plain.specialised_from == (_top, {"LEAF_SLOW": False})
    assert plain.py_func.__qualname__ == "_top__leaf_slow0"
    g = plain.py_func.__globals__
    assert g["_middle"].py_func.__qualname__ == "_middle__leaf_slow0"
    assert g["_middle"].py_func.__globals__["_leaf"].py_func.__globals__["LEAF_SLOW"] is False
    assert g["_square"] is _square  # reads no flag: shared
    before = len(_slow.inner.signatures)
    assert plain(3.0) == (3.0 + 1.0) * 2.0 + 9.0
    assert len(_slow.inner.signatures) == before  # the pruned branch was never compiled
    assert _top(3.0) == (1.0 + 1.0) * 2.0 + 9.0  # the original still reads True
    assert specialise(_top) is _top and specialise(_square, LEAF_SLOW=False) is _square


SIDE_FLAG = True  # read by _side only


@kernel(**OPTS)
def _side(x):
    if SIDE_FLAG:
        return _middle(x) - 1.0
    return x


def test_a_kernel_is_specialised_by_the_flags_its_own_tree_reads_so_two_trees_share_it():
    both = specialise(_side, LEAF_SLOW=False, SIDE_FLAG=False)
    assert both.py_func.__qualname__ == "_side__leaf_slow0_side_flag0"
    middle = both.py_func.__globals__["_middle"]  # its tree reads LEAF_SLOW only
    assert middle is specialise(_top, LEAF_SLOW=False).py_func.__globals__["_middle"]
    assert middle.py_func.__qualname__ == "_middle__leaf_slow0"
    # a flag the tree never reads makes no copy of its own
    assert specialise(_top, LEAF_SLOW=False, SIDE_FLAG=False) is specialise(_top, LEAF_SLOW=False)
    assert specialise(_top, SIDE_FLAG=False) is _top
    assert both(3.0) == 3.0 and specialise(_side, LEAF_SLOW=False)(3.0) == 3.0 + 1.0 - 1.0
