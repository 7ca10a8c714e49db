"""Kernels compiled ahead in a helper process (twin.kernels.ahead), really started."""

import json
import os
import subprocess
import sys

MODULE = """
from twin.kernels.jit import kernel


@kernel(cache=True, nogil=True)
def plus_one(x):
    return x + 1.0
"""

SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from numba import types
from numba.core import event
import ahead_demo
from twin.kernels import ahead

ahead.prestart()  # a cold cache of the twin's kernels: the helper starts importing now
prestarted = ahead._helper is not None
sent = ahead.compile_ahead(ahead_demo.plus_one, (types.float64,))
here = []
idle = []  # what this process did while it waited: the compiles it had done by then
ahead.while_waiting(lambda: idle.append(len(here)))


class Compiles(event.Listener):
    def on_start(self, ev):
        here.append(ev.data["dispatcher"].py_func.__name__)

    def on_end(self, ev):
        pass


with event.install_listener("numba:compile", Compiles()):
    value = ahead_demo.plus_one(2.0)
print(json.dumps({"sent": sent, "value": value, "compiled_here": here,
                  "loaded": sum(ahead_demo.plus_one._cache_hits.values()),
                  "prestarted": prestarted, "idle": idle}))
"""


def _run(tmp_path, *, on_path=True, ahead="1"):
    folder = tmp_path / "modules"
    folder.mkdir(exist_ok=True)
    (folder / "ahead_demo.py").write_text(MODULE)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), TWIN_COMPILE_AHEAD=ahead)
    env.pop("PYTHONPATH", None)
    if on_path:  # else only this process finds the module: the helper cannot import it
        env["PYTHONPATH"] = str(folder)
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(folder)], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    return json.loads(p.stdout.splitlines()[-1])


def test_the_helper_compiles_into_the_cache_and_the_caller_loads_it(tmp_path):
    got = _run(tmp_path)
    # started before the kernel was sent; the work given for the wait done at the wait
    assert got == {"sent": True, "value": 3.0, "compiled_here": [], "loaded": 1,
                   "prestarted": True, "idle": [0]}  # fmt: skip
    again = _run(tmp_path)  # cached now: nothing sent, loaded, no wait
    assert again == {"sent": False, "value": 3.0, "compiled_here": [], "loaded": 1,
                     "prestarted": True, "idle": []}  # fmt: skip


def test_a_helper_that_fails_leaves_the_compile_to_the_caller(tmp_path):
    got = _run(tmp_path, on_path=False)
    assert got == {"sent": True, "value": 3.0, "compiled_here": ["plus_one"], "loaded": 0,
                   "prestarted": True, "idle": [0]}  # fmt: skip


def test_turned_off_nothing_is_sent(tmp_path):
    got = _run(tmp_path, ahead="0")
    assert got == {"sent": False, "value": 3.0, "compiled_here": ["plus_one"], "loaded": 0,
                   "prestarted": False, "idle": []}  # fmt: skip


def test_auto_starts_the_helper_only_on_an_idle_core_outside_worker_processes(monkeypatch):
    import multiprocessing

    from twin.kernels import ahead

    monkeypatch.setenv("TWIN_COMPILE_AHEAD", "auto")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: None)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.4, 0.4))
    assert ahead.enabled()
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 0.4, 0.4))  # no core idle
    assert not ahead.enabled()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.4, 0.4))
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())  # a worker
    assert not ahead.enabled()
    monkeypatch.setenv("TWIN_COMPILE_AHEAD", "1")
    assert ahead.enabled()
