"""Where the routing kernel spends its time, per compiled function, with Linux ``perf``.

Usage::

    perf record -o /tmp/twin.perf python benchmarks/perf_kernel.py [NETWORK] [--hours H]
    python benchmarks/perf_kernel.py [NETWORK] [--hours H] --record /tmp/twin.perf
    python benchmarks/perf_kernel.py --report /tmp/twin.perf [--annotate NAME]

The first command runs ``NETWORK`` (``medium-conduits``) for ``--hours`` of simulated
time under ``perf record`` and, before the time loop, writes ``/tmp/perf-PID.map``:
the address and size of every function numba compiled into the routing kernel, read
from the kernel's object code (numba keeps it for its cache).  ``perf report`` reads
that map, so JIT code shows as ``routing.conduit.conduit_flow``, ``xsect.geometry.width_at_depth``
and so on instead of bare addresses.  The second command prints the share of samples
per function (numba's mangled names shortened), and with ``--annotate NAME`` the
disassembly of the function named ``NAME`` (short name, or part of one), each instruction with
its samples (the object code is saved beside the map as ``/tmp/twin-kernel-PID.o``).
With ``--record FILE`` the script starts ``perf record`` on itself after the warm-up
and stops it after the time loop, so the profile holds the steps only (not the
imports, the warm-up or the kernels' loading).  The steps are taken as ``twin.simulate``
takes them: by the compiled step loop (``run_steps``, specialised to the network) where
it applies, else the Python loop around the routing step.

This reads numba internals (the library's compiled object, through a wrapper on
``CodeLibrary._set_compiled_object`` installed before the kernels load): a developer
tool, not part of the package.  Functions that LLVM inlined have no symbol of their
own; their samples count in their caller.  Sampling here is by CPU clock (the virtual
machines this runs on have no hardware counters), so an instruction's samples often
land on the one after a slow load or division.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _keep_object_code() -> None:
    """Make numba's code libraries keep a copy of the object code they load or compile."""
    import numba.core.codegen as cg

    original = cg.CodeLibrary._set_compiled_object

    def keep(self, value):
        self._kept_object = value
        return original(self, value)

    cg.CodeLibrary._set_compiled_object = keep


def _symbols(obj: Path) -> dict[str, tuple[int, int]]:
    """Defined function symbols of an object file: name -> (offset, size)."""
    out = subprocess.run(
        ["nm", "-S", "--defined-only", str(obj)], capture_output=True, text=True, check=True
    ).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "TtWw":
            syms[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return syms


def short_name(symbol: str) -> str:
    """A numba symbol's module path and function name, without the package prefix.

    ``_ZN4twin7kernels7routing7conduit12conduit_flowB4v1...`` ->
    ``routing.conduit.conduit_flow``.
    """
    m = re.match(r"(?:cfunc\.)?_ZN(?:7cpython)?(?=\d)", symbol)
    if not m:
        return symbol
    # length-prefixed parts up to numba's ABI tag (``B<n>v<n>B``); read one by one (a
    # regular expression of nested repeats backtracks for minutes on long names)
    parts, pos = [], m.end()
    while pos < len(symbol) and symbol[pos].isdigit():
        n = re.match(r"\d+", symbol[pos:])
        k = int(n.group())
        pos += n.end()
        parts.append(symbol[pos : pos + k])
        pos += k
    if not parts:
        return symbol
    return ".".join(p for p in parts if p not in ("twin", "kernels"))


def find_symbol(symbols, name: str) -> str:
    """The symbol ``--annotate NAME`` means: its short name equals ``NAME``, else ends
    with ``.NAME``, else contains it; the mangled name containing it is the last resort."""
    syms = [s for s in symbols if not s.startswith("_ZN08NumbaEnv")]
    short = {s: short_name(s) for s in syms}
    for test in (
        lambda s: short[s] == name,
        lambda s: short[s].endswith("." + name),
        lambda s: name in short[s],
        lambda s: name in s,
    ):
        hit = next((s for s in syms if test(s)), None)
        if hit is not None:
            return hit
    raise SystemExit(f"no compiled function matches {name!r}")


def write_perf_map(dispatcher) -> tuple[Path, Path]:
    """Write ``/tmp/perf-PID.map`` for the compiled code of ``dispatcher`` and of every
    other kernel loaded in this process (the JIT linker may resolve a call to a helper
    of the same name in another kernel's object: those samples are named too); return
    (map, object of ``dispatcher``)."""
    import gc

    from numba.core.registry import CPUDispatcher

    lines = []
    pid = os.getpid()
    obj = Path(f"/tmp/twin-kernel-{pid}.o")
    others = [d for d in gc.get_objects() if isinstance(d, CPUDispatcher) and d is not dispatcher]
    for k, disp in enumerate([dispatcher, *others]):
        for cres in disp.overloads.values():
            lib = cres.library
            # loaded from numba's cache: kept by _keep_object_code; compiled in this
            # process: the object numba made for its cache
            code = getattr(lib, "_kept_object", None) or getattr(lib, "_compiled_object", None)
            if not code:
                if k == 0:
                    raise SystemExit("numba kept no object code for the routing kernel")
                continue
            path = obj if k == 0 else Path(f"/tmp/twin-kernel-{pid}-other.o")
            path.write_bytes(code)
            entry = cres.fndesc.llvm_func_name
            syms = _symbols(path)
            if entry not in syms:
                continue
            try:
                base = lib.get_pointer_to_function(entry) - syms[entry][0]
            except Exception:  # noqa: BLE001 - a library numba did not load here
                continue
            lines += [f"{base + off:x} {size:x} {name}" for name, (off, size) in syms.items()]
    Path(f"/tmp/twin-kernel-{pid}-other.o").unlink(missing_ok=True)
    path = Path(f"/tmp/perf-{pid}.map")
    path.write_text("\n".join(lines) + "\n")
    return path, obj


def run(network: str, hours: float, record: str | None = None) -> None:
    _keep_object_code()
    import twin
    from twin.engine.simulation import Simulation
    from twin.kernels.routing.step import route_step

    net = twin.load_network(network)
    warm = Simulation(net, end_hours=0.01)
    warm.step()
    warm.step()
    sim = Simulation(net, end_hours=hours)
    # the kernel that takes the steps: the compiled step loop (run_steps, specialised to
    # the network) where it applies, else the routing step the Python loop calls
    steps = sim._compiled
    path, obj = write_perf_map(steps.kernel if steps is not None else route_step)
    perf = None
    if record:
        perf = subprocess.Popen(["perf", "record", "-F", "999", "-o", record,
                                 "-p", str(os.getpid())], stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(1.0)  # perf attaches
    t0 = time.perf_counter()
    sim._step_until(sim.duration_s)
    wall = time.perf_counter() - t0
    if perf is not None:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    print(f"{network}: {hours} h in {wall:.2f} s; map {path}, object {obj}")


def _samples(data: str) -> tuple[list[tuple[int, str]], int | None]:
    """(instruction pointer, symbol) of every sample, and the PID with most samples."""
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "pid,ip,sym"], capture_output=True, text=True
    ).stdout
    rows, pids = [], collections.Counter()
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2:
            pids[int(parts[0])] += 1
            rows.append((int(parts[1], 16), parts[2].strip() if len(parts) > 2 else ""))
    return rows, (pids.most_common(1)[0][0] if pids else None)


def report(data: str, annotate: str | None, top: int) -> None:
    rows, pid = _samples(data)
    counts = collections.Counter(short_name(sym) or "?" for _, sym in rows)
    total = sum(counts.values())
    print(f"{total} samples")
    for name, n in counts.most_common(top):
        print(f"{100 * n / total:6.2f} %  {name}")
    if annotate:
        _annotate(rows, annotate, pid)


def _annotate(rows, name: str, pid: int | None) -> None:
    map_path = Path(f"/tmp/perf-{pid}.map")
    if not map_path.exists():
        raise SystemExit(f"no {map_path}: record the run with this script (perf record ...)")
    obj = Path(f"/tmp/twin-kernel-{pid}.o")
    runtime = {}
    for line in map_path.read_text().splitlines():
        addr, _size, sym = line.split()
        runtime[sym] = int(addr, 16)
    syms = _symbols(obj)
    sym = find_symbol(syms, name)
    off, size = syms[sym]
    start = runtime[sym]
    hits = collections.Counter(ip - start for ip, _ in rows if 0 <= ip - start < size)
    asm = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(obj),
         f"--start-address={off}", f"--stop-address={off + size}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    print(f"\n{short_name(sym)}: {sum(hits.values())} samples")
    for line in asm.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t(.*)", line)
        if m:
            o = int(m.group(1), 16) - off
            print(f"{hits.get(o, 0):6d} {o:6x}  {re.sub(r'<[^>]*>', '', m.group(2))}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("network", nargs="?", default="medium-conduits")
    p.add_argument("--hours", type=float, default=2.0)
    p.add_argument("--record", metavar="PERF_DATA", help="run perf record on the steps only")
    p.add_argument("--report", metavar="PERF_DATA", help="summarise a recorded run")
    p.add_argument("--annotate", metavar="NAME", help="with --report: one function's code")
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args(argv)
    if a.report:
        report(a.report, a.annotate, a.top)
    else:
        run(a.network, a.hours, a.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
