"""The kernels' decorator: one cached entry for Python, one lean copy for compiled callers.

``@kernel(**JIT)`` is ``@njit(**JIT)`` with differences that only change how long the
first compile takes (the arithmetic of every kernel is the same, bit for bit:
``benchmarks/bundles_identical.py``):

- **No Python wrapper where none is called from Python.** A kernel called from
  another kernel is compiled through a second dispatcher of the same function
  (:attr:`KernelDispatcher.inner`) with numba's ``no_cpython_wrapper`` and
  ``no_cfunc_wrapper`` and without the disk cache: the caller links its code and is
  cached with it, so a second process loads the caller and never needs the callee.
  numba otherwise builds, optimises and emits a CPython wrapper (unboxing every
  bundle) and a C wrapper for each of the ~160 helpers, and writes each to the cache:
  a fifth of the cold compile (``benchmarks/compile_profile.py``).  Called from
  Python (the engine, the tests), the kernel is an ordinary cached numba dispatcher.
- **One signature per argument types, not per constant.** A compiled caller that
  passes a constant (``lookup_row(..., 3, ...)``, ``weir_flow(..., False, ...)``) made
  numba compile the callee once per literal value; the inner dispatcher types every
  argument by its plain type (``int64``, ``bool``), so each kernel compiles once.
  The constant still reaches LLVM when it inlines the callee, as before.
- **A callee's code is optimised once, in the kernel called from Python.** The inner
  dispatcher lowers into a :class:`_LinkOnlyLibrary`: its LLVM IR, after numba's
  per-function passes, with its own callees' IR linked in.  numba would optimise each
  helper's module and emit its machine code, then do it again in every caller that
  links it; the kernel called from Python now does it once for its whole call tree
  (LLVM's time in a cold ``twin run medium-conduits``: 10.4 s -> 4.5 s).
- **numba's compiler flags read once per compile** (:class:`_ReadOnceFlags`), and no
  C wrapper for a kernel called from Python (nothing takes a kernel's address).
"""

from __future__ import annotations

from numba import types
from numba.core.caching import FunctionCache
from numba.core.codegen import JITCodeLibrary
from numba.core.compiler import Compiler, Flags
from numba.core.compiler_lock import require_global_compiler_lock
from numba.core.registry import CPUDispatcher

__all__ = ["KernelDispatcher", "kernel", "specialise", "variant"]

_LEAN = dict(no_cpython_wrapper=True, no_cfunc_wrapper=True)


class _NoEnvCodegen:
    """The shared codegen, except that :meth:`set_env` does nothing (a link-only
    library is never loaded, so its environment has no address to set)."""

    def __init__(self, codegen):
        self._codegen = codegen

    def set_env(self, env_name, env):
        pass

    def __getattr__(self, name):
        return getattr(self._codegen, name)


class _LinkOnlyLibrary(JITCodeLibrary):
    """A callee's code as LLVM IR for its callers to link, never optimised as a module
    of its own nor turned into machine code.

    numba finalises every compiled function's library: links the libraries of its
    callees into it, optimises the whole module and emits machine code for it.  For a
    helper that only compiled callers call, that machine code is never run (the
    callers link the helper's IR and inline it), and the module optimisation is done
    again in each caller.  This library links its callees' IR into its own (so a
    caller that links it gets the whole call tree) and stops there; the kernel called
    from Python optimises and compiles the tree once.  Only the function-level passes
    numba runs on each function as it is lowered remain.
    """

    #: Mark the library's own functions ``alwaysinline`` for LLVM (``@kernel(inline="llvm")``).
    always_inline = False

    def finalize(self):
        require_global_compiler_lock()
        self._raise_if_finalized()
        if self.always_inline:
            for fn in self._final_module.functions:
                if not fn.is_declaration:
                    fn.add_function_attribute("alwaysinline")
        seen = set()
        for library in self._linking_libraries:
            if library not in seen:
                seen.add(library)
                self._reload_init.update(library._reload_init)
                self._final_module.link_in(library._get_module_for_linking(), preserve=True)
        self._final_module.verify()
        self._finalize_dynamic_globals()
        self._finalized = True

    def get_pointer_to_function(self, name):
        return 0

    @property
    def codegen(self):
        return _NoEnvCodegen(self._codegen)


class _ReadOnceFlags(Flags):
    """Compiler flags that compute :meth:`values` once (until an option is set).

    numba keys its cache of ``@overload`` implementations by the flags of the compile
    in progress, so typing each ``a + b`` or ``x[i]`` hashes and compares them against
    every candidate template: about 200,000 times 22 option reads in a cold first
    compile, a tenth of its time.  The answer is the same; it is read once.
    """

    def values(self):
        got = self.__dict__.get("_values_read")
        if got is None:
            got = self.__dict__["_values_read"] = Flags.values(self)
        return got

    def __setattr__(self, name, value):
        self.__dict__.pop("_values_read", None)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self.__dict__.pop("_values_read", None)
        super().__delattr__(name)

    def discard(self, name):
        self.__dict__.pop("_values_read", None)
        super().discard(name)

    __hash__ = Flags.__hash__


class _KernelCompiler(Compiler):
    """numba's compiler pipeline with :class:`_ReadOnceFlags` for the compile."""

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):
        flags = _ReadOnceFlags(flags)
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)


class _LinkOnlyCompiler(_KernelCompiler):
    """The same, lowering into a :class:`_LinkOnlyLibrary`."""

    always_inline = False

    def compile_extra(self, func):
        if self.state.library is None:
            codegen = self.state.targetctx.codegen()
            self.state.library = _LinkOnlyLibrary(codegen, func.__qualname__)
            self.state.library.always_inline = self.always_inline
        return super().compile_extra(func)


class _LinkOnlyInlineCompiler(_LinkOnlyCompiler):
    """The same, the callee marked ``alwaysinline`` for LLVM."""

    always_inline = True


class _InnerDispatcher(CPUDispatcher):
    """The callee copy: no wrappers, no disk cache, literal arguments typed plainly."""

    def get_call_template(self, args, kws):
        args = tuple(types.unliteral(a) for a in args)
        kws = {k: types.unliteral(v) for k, v in kws.items()}
        return super().get_call_template(args, kws)


class KernelDispatcher(CPUDispatcher):
    """A numba dispatcher whose compiled callers call :attr:`inner` instead."""

    _inner_dispatcher = None
    #: ``@kernel(inline="llvm")``: compiled callers get this kernel inlined by LLVM.
    llvm_inline = False

    @property
    def inner(self) -> CPUDispatcher:
        """The same function compiled without wrappers, for compiled callers."""
        if self._inner_dispatcher is None:
            options = dict(self.targetoptions, **_LEAN)
            if options.get("parallel"):
                pipeline = _KernelCompiler
            elif self.llvm_inline:
                pipeline = _LinkOnlyInlineCompiler
            else:
                pipeline = _LinkOnlyCompiler
            self._inner_dispatcher = _InnerDispatcher(
                py_func=self.py_func, locals=self.locals, targetoptions=options,
                pipeline_class=pipeline,
            )  # fmt: skip
        return self._inner_dispatcher

    @property
    def _numba_type_(self):
        return types.Dispatcher(self.inner)

    def compile(self, sig):
        """numba's compile, after waiting for a helper process that compiles this
        kernel for ``sig`` ahead (:mod:`twin.kernels.ahead`): then it is loaded from
        the disk cache."""
        if isinstance(sig, tuple):
            from twin.kernels.ahead import wait_for

            wait_for(self, sig)
        return super().compile(sig)


def kernel(**options):
    """``numba.njit(**options)`` making a :class:`KernelDispatcher` (``cache`` honoured
    for calls from Python).  No C wrapper: nothing takes a kernel's address.

    ``inline="llvm"``: compiled callers have the kernel inlined by LLVM (its code is
    marked ``alwaysinline``), not by numba (``inline="always"``, which types and lowers
    the kernel's body again inside each caller; the machine code is the same).
    """
    cache = options.pop("cache", False)
    llvm_inline = options.get("inline") == "llvm"
    if llvm_inline:
        del options["inline"]
    options = dict(options, nopython=True, no_cfunc_wrapper=True)

    def wrap(func):
        disp = KernelDispatcher(
            py_func=func, locals={}, targetoptions=options, pipeline_class=_KernelCompiler
        )
        disp.llvm_inline = llvm_inline
        if cache:
            disp.enable_caching()
        return disp

    return wrap


def variant(fn, suffix: str, **names):
    """A copy of kernel ``fn`` (a :class:`KernelDispatcher` or a plain function) that
    sees the module-level ``names`` replaced, compiled with ``fn``'s options (or
    :data:`~twin.kernels.config.JIT`) as a kernel of its own.

    numba reads a module constant as a compile-time constant and drops a branch on a
    false one before typing it, so ``variant(step, "conduits", STRUCTURES=False)``
    never compiles the structures' kernels; replacing a callee by its own variant
    (``variant(route, "conduits", step=step_conduits)``) carries that up the call
    chain.  The copy is named ``<name>__<suffix>``, so numba caches it apart from
    ``fn`` (its cache key is the function's name and code, not its globals).  The copy
    sees the module's globals as they are when it is made: make it at the end of the
    module.
    """
    from types import FunctionType

    from twin.kernels.config import JIT

    py = getattr(fn, "py_func", fn)
    if isinstance(fn, KernelDispatcher):
        options = dict(fn.targetoptions, cache=isinstance(fn._cache, FunctionCache))
        if fn.llvm_inline:
            options["inline"] = "llvm"
    else:
        options = dict(JIT)
    missing = [k for k in names if k not in py.__globals__]
    if missing:
        raise NameError(f"{py.__qualname__} has no module-level {missing}")
    copy = FunctionType(py.__code__, dict(py.__globals__, **names), py.__name__,
                        py.__defaults__, py.__closure__)  # fmt: skip
    copy.__qualname__ = f"{py.__qualname__}__{suffix}"
    copy.__module__ = py.__module__
    copy.__doc__ = py.__doc__
    return kernel(**options)(copy)


_specialised: dict[tuple, object] = {}  # (kernel, the flags its tree reads) -> copy
_by_call: dict[tuple, object] = {}  # (kernel, the flags given) -> copy


def specialise(fn, **flags):
    """Kernel ``fn`` with the module constants ``flags`` replaced wherever its call tree
    reads them: a :func:`variant` of every kernel on the way down that reads one of
    them or calls such a kernel, the others shared.

    ``specialise(route_step, WEIRS=False, CULVERTS=False)`` is the routing step of a
    network without weirs or culverts: numba drops the branches on those constants
    before typing them, so their kernels are never compiled.  Each copy is named
    ``<name>__<flags>`` after the flags its own call tree reads (so numba caches each
    specialisation apart), and made once for those: a kernel shared by two trees
    specialised with different flags (``link_results`` with the shape flags only, the
    routing step with the structures' too) is one copy, compiled once, if it reads the
    same of them.  The same call returns the same kernel.  With no flags, ``fn`` itself.
    """
    if not flags:
        return fn
    items = tuple(sorted(flags.items()))
    known = _by_call.get((id(fn), items))
    if known is not None:
        got = known[1]
    else:
        got = _specialise(fn, items, {}, set())
        _by_call[(id(fn), items)] = (fn, got)  # fn kept alive: its id stays its own
    if got is not fn:  # how another process makes it again (these flags, or any that
        got.specialised_from = (fn, dict(items))  # gave the same copy)
    return got


def _callees(fn):
    """The names ``fn``'s code reads, and the kernels among them (module globals)."""
    py = getattr(fn, "py_func", fn)
    read = set(py.__code__.co_names)
    return py, read, [c for n in read if isinstance(c := py.__globals__.get(n), KernelDispatcher)]


def _flags_read(fn, names: frozenset, memo: dict, visiting: set) -> frozenset:
    """Which of ``names`` (module constants) ``fn`` or a kernel it calls reads."""
    if id(fn) in memo:
        return memo[id(fn)]
    py, read, callees = _callees(fn)
    found = {k for k in names if k in read and k in py.__globals__}
    visiting.add(id(fn))
    for callee in callees:
        if id(callee) not in visiting:
            found |= _flags_read(callee, names, memo, visiting)
    visiting.discard(id(fn))
    memo[id(fn)] = got = frozenset(found)
    return got


def _specialise(fn, items: tuple, memo: dict, visiting: set):
    read_in_tree = _flags_read(fn, frozenset(k for k, _ in items), memo, set())
    mine = tuple((k, v) for k, v in items if k in read_in_tree)
    if not mine:
        return fn
    key = (id(fn), mine)
    if key in _specialised:
        return _specialised[key][1]
    py, read, callees = _callees(fn)
    names = {k: v for k, v in mine if k in read and k in py.__globals__}
    visiting.add(id(fn))
    for name in read:
        callee = py.__globals__.get(name)
        if isinstance(callee, KernelDispatcher) and id(callee) not in visiting:
            copy = _specialise(callee, items, memo, visiting)
            if copy is not callee:
                names[name] = copy
    visiting.discard(id(fn))
    suffix = "_".join(f"{name.lower()}{int(value)}" for name, value in mine)
    got = variant(fn, suffix, **names) if names else fn
    _specialised[key] = (fn, got)  # fn kept alive: its id stays its own
    return got
