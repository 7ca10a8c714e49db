"""Session set-up shared by every test package.

With pytest-xdist (``-n 2``) the controlling process compiles the numba kernels once,
before the workers start, so that two workers never compile and write the same cache
files at the same time (numba's cache is not safe against that, numba issue 10128);
the workers then load the kernels from the cache.
"""

import os
import signal

import pytest

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def pytest_configure(config):
    if hasattr(config, "workerinput") or not _xdist_workers(config):
        return
    import twin
    from twin.engine.batch import MemberBatch

    net = twin.load_network("small")
    twin.simulate(net, end_hours=0.05, surface=True)
    MemberBatch([(net, {"end_hours": 0.02})] * 2, threads=1).run()
    MemberBatch([("small-conduits", {"end_hours": 0.02})] * 2, threads=1).run()  # conduits only
    twin.simulate("small-conduits", end_hours=0.02, flow_routing="KINWAVE")


def _xdist_workers(config) -> int:
    n = getattr(config.option, "numprocesses", None)
    if n in ("auto", "logical"):
        return os.cpu_count() or 1
    return int(n or 0)


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """A test that changes a stop signal's handler (an in-process CLI call that installs
    its own) must not change how the next test in the same worker is stopped."""
    before = {s: signal.getsignal(s) for s in _STOP_SIGNALS}
    yield
    for s, handler in before.items():
        if signal.getsignal(s) is not handler and handler is not None:
            signal.signal(s, handler)
