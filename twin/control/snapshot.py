"""Copy a running simulation's state into another built the same way, in memory.

A planning cycle starts hundreds of member rows from the same hot-start state.  Reading
the state file for each row (``Simulation.load_state``) costs more than a tenth of a
row's run, so the evaluator reads it into one row and copies that row into the others
with :func:`copy_state`, which walks the objects the way the hot-start writer does
(:mod:`twin.engine.hotstart`): every attribute of the Simulation and of the engine
objects it reaches; arrays are written into the existing arrays (the router's state
arrays are views of its tables, and in a batch rows of stacked arrays), numbers and
strings set, lists, dicts and tuples copied element by element, engine objects
walked pairwise, the kernels' state bundles field by field (the fields a hot start
saves, :func:`~twin.kernels.routing.bundles.state_fields`, copied into the
destination's arrays).  Not walked: the network, the options, callables and non-engine
objects, and objects marked ``_hotstart_ignore`` -- as for a state file.  The test
suite checks that a copied row runs bit for bit like a row loaded from the file.
"""

from __future__ import annotations

import numpy as np

from twin.engine.hotstart import SIM_NOT_SAVED, is_engine_state
from twin.kernels.bundle import Bundle
from twin.kernels.routing.bundles import state_fields

__all__ = ["copy_state", "copy_state_controls"]

_SIM_EXCLUDED = SIM_NOT_SAVED | {"controls"}
_KEEP = object()  # "the destination keeps its own value"


def copy_state(src, dst) -> None:
    """Make the Simulation ``dst`` (same network and options as ``src``) continue exactly
    from ``src``'s state.  ``controls`` is left to the caller."""
    _Copier().obj(src, dst, _SIM_EXCLUDED)


def copy_state_controls(src, dst) -> None:
    """Copy a Controller's state (rule clock, switch times, PID memory) into another."""
    if src is not None and dst is not None and src is not dst:
        _Copier().obj(src, dst, frozenset({"router", "_rain"}))


class _Copier:
    def __init__(self):
        self.seen: set[int] = set()

    def obj(self, src, dst, exclude=frozenset()):
        if id(src) in self.seen:
            return
        self.seen.add(id(src))
        d = vars(dst)
        for name, v in vars(src).items():
            if name in exclude:
                continue
            cur = d.get(name)
            new = self.value(v, cur)
            if new is not _KEEP and new is not cur:
                object.__setattr__(dst, name, new)

    def value(self, v, cur):
        """The value ``cur`` becomes: itself updated in place where it can be."""
        if isinstance(v, np.ndarray):
            if v.dtype == object:
                return _KEEP
            if isinstance(cur, np.ndarray) and cur.shape == v.shape and cur.dtype == v.dtype:
                if cur is v:
                    return cur
                if cur.flags.writeable:
                    cur[...] = v
                    return cur
                if np.array_equal(cur, v, equal_nan=v.dtype.kind in "fc"):
                    return cur
            return v.copy()
        if v is None or isinstance(v, (bool, int, float, str, np.generic)):
            return v
        if isinstance(v, list):
            old = cur if isinstance(cur, list) else []
            out = []
            for i, x in enumerate(v):
                c = old[i] if i < len(old) else None
                n = self.value(x, c)
                out.append(c if n is _KEEP else n)
            return out
        if isinstance(v, tuple):
            if isinstance(cur, tuple) and len(cur) == len(v):
                new = [self.value(x, c) for x, c in zip(v, cur, strict=True)]
                new = [c if n is _KEEP else n for n, c in zip(new, cur, strict=True)]
                if all(n is c for n, c in zip(new, cur, strict=True)):
                    return cur
                return type(cur)(*new) if hasattr(cur, "_fields") else tuple(new)
            return _KEEP
        if isinstance(v, dict):
            target = cur if isinstance(cur, dict) else {}
            for k, x in v.items():
                n = self.value(x, target.get(k))
                if n is not _KEEP:
                    target[k] = n
            return target
        if isinstance(v, Bundle):
            if type(cur) is type(v):
                for name in state_fields(v):  # the kernels hold cur's arrays: copy into them
                    np.copyto(getattr(cur, name), getattr(v, name))
                return cur
            return _KEEP
        if is_engine_state(v):
            if cur is not None and type(cur) is type(v):
                self.obj(v, cur)
                return cur
            return _KEEP
        return _KEEP  # callables, closures, non-engine objects: the destination keeps its own
