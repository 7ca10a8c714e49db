"""The developer profiler's symbol names (benchmarks/perf_kernel.py): numba's mangled
names shorten to ``module.function``, anything else passes through."""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "perf_kernel.py"
_spec = importlib.util.spec_from_file_location("perf_kernel", _PATH)
perf_kernel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(perf_kernel)


def test_numba_symbols_shorten_to_module_and_function():
    sym = "_ZN4twin7kernels12dynwave_link12conduit_flowB4v161B52c8tJTIeFIjxB2IKSgI4CrvQ"
    assert perf_kernel.short_name(sym) == "dynwave_link.conduit_flow"
    wrapper = "_ZN7cpython4twin7kernels12routing_step10route_stepB4v103B56c8tJTIe"
    assert perf_kernel.short_name(wrapper) == "routing_step.route_step"
    assert perf_kernel.short_name("cfunc." + sym) == "dynwave_link.conduit_flow"


def test_other_symbols_pass_through():
    assert perf_kernel.short_name("__ieee754_pow_fma") == "__ieee754_pow_fma"
    assert perf_kernel.short_name("") == ""


def test_annotate_finds_a_function_by_its_short_name():
    flow = "_ZN4twin7kernels12dynwave_link12conduit_flowB4v161B52c8tJTIeFIjxB2IKSgI4CrvQ"
    nonc = "_ZN4twin7kernels10structures15nonconduit_flowB4v162B52c8tJTIeFIjxB2IKSgI4CrvQ"
    env = "_ZN08NumbaEnv4twin7kernels12dynwave_link12conduit_flowB4v161B52c8tJTIe"
    syms = [env, nonc, flow]
    assert perf_kernel.find_symbol(syms, "dynwave_link.conduit_flow") == flow
    assert perf_kernel.find_symbol(syms, "conduit_flow") == flow  # not nonconduit_flow
    assert perf_kernel.find_symbol(syms, "nonconduit") == nonc
    assert perf_kernel.find_symbol(syms, "12conduit_flowB4") == flow
    with pytest.raises(SystemExit):
        perf_kernel.find_symbol(syms, "route_step")
