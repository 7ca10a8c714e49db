"""Run ensemble members on Dask, keep failures apart, stack the results on ``member``.

Members are batched: a chunk of members is one
:class:`~twin.engine.batch.MemberBatch` (one numba call routes every member's step,
members spread over threads with ``prange``) and each chunk is one Dask task.

Where chunks run:

* ``client=`` a ``dask.distributed.Client`` you already have;
* ``scheduler="tcp://host:port"`` (or the ``TWIN_SCHEDULER`` environment variable): a
  running dask.distributed cluster;
* ``scheduler="local"`` (default): a local cluster sized to the machine (one
  single-threaded worker process per core, at most :data:`MAX_LOCAL_WORKERS`; with
  more cores each chunk gets several numba threads), started and closed here;
* ``scheduler="serial"``: in this process, the chunks one after the other (each still
  batched over the cores).

Each chunk's numba threads are the cores of its worker's host divided by the task
slots (worker threads) on that host, so two single-threaded workers on a 2-core
machine run one thread each and one worker runs two.

The network goes to the cluster once, as the result of a task (not scattered: Dask
can compute a lost task's result again, not a lost scattered value), and each worker
fetches it once, not with every chunk.  With ``surface=`` every member runs coupled
to the same 2D street surface (the DEM is resolved once, here, and sent like the
network); members keep
``surface_max_depth`` and ``surface_flooded_area`` (not the depth time series).

With ``solver="newton"`` (or a member whose scenario's ``[simulation.options]`` say
``solver = "newton"``) a chunk's newton members run as newton
:class:`~twin.engine.simulation.Simulation` s, one after another in the chunk's
process (the batch kernel is SWMM's scheme only); the chunks, their scheduling, the
stacking and the summaries are the same.  A network the Newton solver refuses (conduit
evaporation or seepage) is refused before any member runs, with the error of
``twin run --solver newton``.

A member that raises is recorded (``member_status`` 1 and ``member_error``)
and the others go on; losing the cluster (the scheduler, or every worker for
:data:`~twin.ensemble.dask_run.WORKER_WAIT_S`) fails the run
(:mod:`twin.ensemble.dask_run`).
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from twin.engine.dataset import static_names
from twin.ensemble.dask_run import (
    MAX_LOCAL_WORKERS,
    connect,
    gather_chunks,
    held_by_cluster,
    local_cluster,
    wait_for_workers,
)
from twin.ensemble.members import Member, as_members
from twin.ensemble.summary import SURFACE_THRESHOLD_M, summarize
from twin.errors import TwinError, checked_number
from twin.limits import OPTION_RANGES

__all__ = [
    "ENV_SCHEDULER",
    "MAX_LOCAL_WORKERS",
    "MEMBERS_PER_THREAD",
    "check_solver",
    "run_chunk",
    "run_ensemble",
    "run_member",
]

ENV_SCHEDULER = "TWIN_SCHEDULER"
#: Most members in one chunk (one Dask task) per numba thread of the chunk.  A chunk
#: steps its members in lockstep, so each step sweeps every member's state through the
#: cache; small chunks keep that in cache and let the progress bar move.  Measured on
#: 2 cores, 2 single-threaded workers, 64 members of medium-conduits: 66-67 s with 1,
#: 2 or 4 members per chunk, 71 s with 8, 70-72 s with 16.
MEMBERS_PER_THREAD = 4


def _member_setup(network, member: Member, options: dict, dem=None):
    """The network (scenario applied) and Simulation keyword arguments of ``member``."""
    net = member.scenario.apply(network) if member.scenario is not None else network
    opts = {**options, **(member.scenario.options if member.scenario else {}), **member.options}
    if dem is not None:
        from twin.engine.coupling import SurfaceCoupler

        opts.setdefault("allow_ponding", False)
        opts["couplers"] = (SurfaceCoupler(dem),)
    return net, opts


def _solver_of(opts: dict) -> str:
    """The solver a member's Simulation keyword arguments ask for ("swmm" by default)."""
    given = opts.get("solver")
    if given is None and opts.get("options") is not None:
        given = getattr(opts["options"], "solver", None)
    return str(given or "swmm").lower()


def run_chunk(network, members, options: dict, dem=None, threads=None, lockstep=False):
    """Run a chunk of members batched (:class:`~twin.engine.batch.MemberBatch`, or
    with ``lockstep`` :class:`~twin.engine.lockstep.LockstepBatch`: one step size for
    the chunk, members the innermost axis of the routing state).  Members whose
    solver is ``"newton"`` run one after another as their own
    :class:`~twin.engine.simulation.Simulation` (the batch kernels are SWMM's scheme;
    with ``lockstep`` they go to the lockstep batch, which refuses them).

    Returns ``[(status, error, dataset)]`` in member order; never raises for a
    member's fault (a chunk that cannot be stepped in lockstep raises).  ``threads``
    (int) are the numba threads, or a dict ``{host: task slots on that host}`` from
    which this worker takes its share of the cores.
    """
    from twin.engine.batch import MemberBatch, describe_failure
    from twin.engine.lockstep import LockstepBatch

    if isinstance(threads, dict):
        threads = _threads_here(threads)
    batched, alone, done = [], [], {}
    for k, m in enumerate(members):
        try:
            setup = _member_setup(network, m, options, dem)
        except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
            done[k] = (1, describe_failure(exc), None)
            continue
        newton = not lockstep and _solver_of(setup[1]) == "newton"
        (alone if newton else batched).append((k, setup))
    if batched:
        batch_kind = LockstepBatch if lockstep else MemberBatch
        ran = batch_kind([s for _, s in batched], threads=threads).run()
        done.update(zip([k for k, _ in batched], ran, strict=True))
    for k, (net, opts) in alone:
        done[k] = _run_simulation(net, opts)
    out = []
    for k in range(len(members)):
        status, error, ds = done[k]
        if ds is not None and dem is not None:
            ds = ds.drop_vars("surface_depth", errors="ignore")
        out.append((status, error, ds))
    return out


def _run_simulation(net, opts: dict):
    """One member's own Simulation run to its end: ``(status, error, dataset)``."""
    from twin.engine.batch import describe_failure
    from twin.engine.simulation import Simulation

    try:
        return 0, "", Simulation(net, **opts).run()
    except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
        return 1, describe_failure(exc), None


def _threads_here(slots_by_host: dict) -> int:
    """This worker's share of its host's cores (1 at least)."""
    try:
        from dask.distributed import get_worker

        host = get_worker().address.rsplit(":", 1)[0]
    except (ImportError, ValueError):
        host = None
    return max(1, (os.cpu_count() or 1) // max(1, slots_by_host.get(host, 1)))


def run_member(network, member: Member, options: dict, dem=None):
    """Run one member: ``(status, error, dataset)``; never raises for the member's faults.

    ``dem`` (an ``elevation`` DataArray on ``y``, ``x``) couples the run to the 2D
    surface; ``surface_depth`` is then left out of the member's result.
    """
    from twin.engine.batch import describe_failure

    try:
        net, opts = _member_setup(network, member, options, dem)
    except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
        return 1, describe_failure(exc), None
    status, error, ds = _run_simulation(net, opts)
    if ds is not None and dem is not None:
        ds = ds.drop_vars("surface_depth", errors="ignore")
    return status, error, ds


def run_ensemble(
    network,
    members,
    *,
    scenario=None,
    client=None,
    scheduler=None,
    progress=True,
    flood_threshold_m3: float = 0.0,
    summary: bool = True,
    surface=None,
    surface_threshold_m: float = SURFACE_THRESHOLD_M,
    batch: int | None = None,
    lockstep: bool = False,
    solver: str | None = None,
    **options,
) -> xr.Dataset:
    """Run an ensemble and return the stacked results with ensemble statistics.

    Parameters
    ----------
    network : Network or str
        A Network or a bundled network name / ``.inp`` path.
    members : int or sequence of Member / Scenario
        An int runs that many copies of ``scenario`` (or of the network as it is).
    scenario : Scenario, optional
        Used when ``members`` is an int.
    client : dask.distributed.Client, optional
    scheduler : str, optional
        ``"local"``, ``"serial"`` or a scheduler address (see the module docstring).
    progress : bool
        Show a rich progress bar counting finished members.
    flood_threshold_m3 : float
        Flood volume above which a node counts as flooded (``node_flood_probability``).
    summary : bool
        Add the statistics of :func:`~twin.ensemble.summary.summarize`.
    surface : None, bool, xarray.DataArray or path, optional
        As for :func:`twin.simulate`: True couples every member to the network's
        terrain, a DataArray or DEM file to that one.
    surface_threshold_m : float
        Maximum surface depth [m] above which a cell counts as flooded in a member
        (``surface_flood_probability``).
    batch : int, optional
        Members per chunk (one Dask task, routed in one batch); default: the members
        shared out over the task slots, at most :data:`MEMBERS_PER_THREAD` per numba
        thread of a chunk (with ``lockstep``: the members shared out over the slots).
    lockstep : bool
        Step each chunk's members in lockstep (:mod:`twin.engine.lockstep`): one step
        size for the chunk (the smallest of its members' Courant steps), the routing
        state laid out ``[element][member]``.  Networks of conduits only, dynamic wave,
        SWMM's solver; each member agrees with its own run as a run at a smaller step
        does, not bit for bit.
    solver : {"swmm", "newton"}, optional
        The dynamic-wave solver of every member (default ``"swmm"``, SWMM 5.2's scheme,
        batched).  ``"newton"``: each member runs as a newton Simulation, the members
        of a chunk one after another in its process (see the README, "Newton solver").
        A member's scenario ``[simulation.options]`` may set its own, as it may any
        option.  Not with ``lockstep``.  A network the Newton solver refuses is refused
        here (:class:`~twin.errors.InputError`) before any member runs.
    **options
        SimOptions overrides for every member (e.g. ``end_hours=1``).

    Returns
    -------
    xarray.Dataset
        Every result variable with a leading ``member`` dim; ``member_status``
        (0 ok, 1 failed), ``member_error`` and ``member_scenario`` per member.
    """
    from twin.api import load_network

    flood_threshold_m3 = checked_number(flood_threshold_m3, "flood_threshold_m3", 0.0)
    surface_threshold_m = checked_number(surface_threshold_m, "surface_threshold_m", 0.0)
    if solver is not None:
        options["solver"] = solver
    _check_shared_options(options)
    net = load_network(network)
    mem = as_members(members, scenario)
    dem = _surface_dem(network, net, surface)
    check_solver(net, mem, options, lockstep=lockstep, dem=dem)
    scheduler = scheduler or os.environ.get(ENV_SCHEDULER) or "local"
    bar = _Bar(len(mem), progress)
    if client is None and scheduler == "serial":
        results = []
        import numba

        for chunk in _chunks(mem, 1, batch, numba.get_num_threads(), lockstep):
            results.extend(run_chunk(net, chunk, options, dem, lockstep=lockstep))
            bar.advance(len(chunk))
    else:
        results = _run_dask(net, mem, options, client, scheduler, bar, dem, batch, lockstep)
    bar.close()
    ens = stack_members(mem, results)
    if not summary:
        return ens
    return summarize(ens, flood_threshold_m3, surface_threshold_m=surface_threshold_m)


def _check_shared_options(options: dict) -> None:
    """Options given to every member are checked once, here: a bad one is the caller's
    error, not a failure of each member."""
    from twin.engine.options import SimOptions

    if "end_hours" in options:
        low, high = OPTION_RANGES["end_hours"]
        checked_number(options["end_hours"], "end_hours", max(low, 1 / 3600), high)
    SimOptions().with_(**{k: v for k, v in options.items() if k != "end_hours"})


def check_solver(net, members, options: dict, *, lockstep: bool = False, dem=None) -> None:
    """Refuse, before any member runs, an ensemble whose newton members the Newton
    solver cannot route: with ``lockstep`` (SWMM's scheme only), or on a network with
    conduit evaporation or seepage (the first newton member's network and options are
    asked, as ``twin run --solver newton`` asks its own:
    :meth:`~twin.engine.routing.Router.refuse_what_newton_cannot_route`).

    Raises
    ------
    InputError
    """
    import dataclasses

    from twin.engine.options import SimOptions
    from twin.engine.routing import Router
    from twin.engine.simulation import run_options
    from twin.errors import InputError

    first = None
    for m in members:
        merged = {**options, **(m.scenario.options if m.scenario else {}), **m.options}
        if _solver_of(merged) == "newton":
            first = m
            break
    if first is None:
        return
    if lockstep:
        raise InputError(
            "lockstep runs SWMM's Picard scheme; solver='newton' members run one at a time: "
            "drop lockstep, or use solver='swmm'",
            field="lockstep",
        )
    try:
        mnet, opts = _member_setup(net, first, options, dem)
        known = {f.name for f in dataclasses.fields(SimOptions)} | {"end_hours", "options"}
        sim_opts = run_options(mnet, **{k: v for k, v in opts.items() if k in known})
        router = Router(mnet, sim_opts, compile_ahead=False, defer_state=True)
    except Exception:  # noqa: BLE001 - the member fails as its own run would, recorded
        return
    router.refuse_what_newton_cannot_route()


def _surface_dem(network, net, surface):
    """The DEM every member couples to (None: SWMM mode), resolved once."""
    if surface is None or surface is False:
        return None
    from twin.engine.coupling import read_dem, terrain_for

    if surface is True:
        return terrain_for(network, net)
    if isinstance(surface, str | os.PathLike):
        return read_dem(surface)
    return surface


def _chunks(mem: list, slots: int, batch: int | None, threads: int = 1,
            lockstep: bool = False) -> list[list]:  # fmt: skip
    """Consecutive chunks of members: ``batch`` each, or shared out over ``slots`` task
    slots, at most :data:`MEMBERS_PER_THREAD` per thread of a chunk (``threads``; no
    such bound in ``lockstep``, where more members a step is the point)."""
    most = len(mem) if lockstep else MEMBERS_PER_THREAD * max(1, int(threads))
    size = batch or min(most, -(-len(mem) // max(1, slots)))
    size = max(1, int(size))
    return [mem[i : i + size] for i in range(0, len(mem), size)]


def _chunk_threads(client, slots_by_host: dict) -> int:
    """The numba threads every chunk gets at least: a host's cores over its task slots."""
    try:
        cores = client.run(os.cpu_count)  # {worker address: cores of its host}
    except Exception:  # noqa: BLE001 - a worker that cannot answer: assume one thread
        return 1
    per_host = {a.rsplit(":", 1)[0]: int(n or 1) for a, n in cores.items()}
    return max(1, min(per_host.get(h, 1) // max(1, n) for h, n in slots_by_host.items()))


def _slots_by_host(client) -> dict:
    """Task slots (worker threads) per host of the cluster."""
    slots: dict[str, int] = {}
    for addr, info in client.scheduler_info()["workers"].items():
        host = addr.rsplit(":", 1)[0]
        slots[host] = slots.get(host, 0) + int(info.get("nthreads", 1))
    return slots


def _run_dask(net, mem, options, client, scheduler, bar, dem=None, batch=None, lockstep=False):
    cluster = own = None
    try:
        if client is None:
            if scheduler == "local":
                from dask.distributed import Client

                cluster = local_cluster()
                own = client = Client(cluster)
            else:
                own = client = connect(scheduler)
        wait_for_workers(client)
        slots = _slots_by_host(client)
        threads = _chunk_threads(client, slots) if batch is None else 1
        chunks = _chunks(mem, sum(slots.values()), batch, threads, lockstep)
        net_f = held_by_cluster(client, net, f"twin-network-{id(mem)}")
        dem_f = None if dem is None else held_by_cluster(client, dem, f"twin-dem-{id(mem)}")
        futs = [
            client.submit(
                run_chunk,
                net_f,
                chunk,
                options,
                dem_f,
                slots,
                lockstep,
                pure=False,
                key=f"twin-chunk-{chunk[0].name}-{id(mem)}",
            )
            for chunk in chunks
        ]
        done = gather_chunks(client, futs, [len(c) for c in chunks], bar)
        return [r for part in done for r in part]
    finally:
        if own is not None:
            own.close()
        if cluster is not None:
            cluster.close()


def stack_members(mem: list[Member], results) -> xr.Dataset:
    """Concatenate member Datasets on ``member``; failed members are NaN / NaT."""
    ok = [ds for status, _, ds in results if status == 0]
    if not ok:
        errs = "; ".join(f"{m.name}: {e}" for m, (_, e, _) in zip(mem, results, strict=True))
        raise TwinError(f"every ensemble member failed: {errs}")
    template = ok[0]
    static = set(static_names(template))  # the network's, kept once
    per_member = [v for v in template.data_vars if template[v].dims and v not in static]
    blank = None  # made once, and only when a member failed
    parts = []
    for status, _, ds in results:
        if status == 0:
            ds = ds[per_member]
            if ds.sizes.get("time") != template.sizes.get("time"):
                ds = ds.reindex(time=template["time"])  # mismatched window: NaN outside
        elif blank is None:
            blank = template[per_member].map(_blank, keep_attrs=True)
        parts.append(ds if status == 0 else blank)
    ens = xr.concat(
        parts,
        dim="member",
        data_vars="all",
        coords="minimal",
        compat="override",
        join="override",
        combine_attrs="override",
    )
    for v in template.data_vars:
        if v not in per_member:
            ens[v] = template[v]
    ens = ens.assign_coords(member=("member", np.array([m.name for m in mem], dtype=object)))
    ens["member_status"] = (
        "member",
        np.array([r[0] for r in results], np.int8),
        {"long_name": "0 ran, 1 failed", "units": "1"},
    )
    ens["member_error"] = (
        "member",
        np.array([r[1] for r in results], dtype=object),
        {"long_name": "error of a failed member"},
    )
    for key in ("flow_routing_continuity_error_percent", "runoff_continuity_error_percent"):
        if key in template.attrs:  # each member's own (the Dataset attrs keep the first's)
            ens[f"member_{key}"] = (
                "member",
                np.array(
                    [float(ds.attrs.get(key, np.nan)) if s == 0 else np.nan for s, _, ds in results]
                ),  # fmt: skip
                {"units": "%", "long_name": key.replace("_", " ").replace(" percent", "")},
            )
    ens["member_scenario"] = (
        "member",
        np.array([m.scenario.name if m.scenario else "" for m in mem], dtype=object),
    )
    ens.attrs = dict(template.attrs)
    ens.attrs["n_members"] = len(mem)
    ens.attrs["n_members_failed"] = int(sum(r[0] != 0 for r in results))
    return ens


def _blank(da: xr.DataArray) -> xr.DataArray:
    if da.dtype.kind == "M":
        return xr.full_like(da, np.datetime64("NaT"))
    if da.dtype.kind in "fc":
        return xr.full_like(da, np.nan)
    if da.dtype.kind in "iub":
        return xr.full_like(da, np.nan, dtype=np.float64)
    return xr.full_like(da, "", dtype=object)


class _Bar:
    """A rich progress bar counting finished members (or nothing)."""

    def __init__(self, total: int, show: bool):
        self._p = None
        if show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._p = Progress(
                TextColumn("ensemble"), BarColumn(), MofNCompleteColumn(), transient=True
            )
            self._p.start()
            self._task = self._p.add_task("members", total=total)

    def advance(self, n: int = 1):
        if self._p is not None:
            self._p.advance(self._task, n)

    def close(self):
        if self._p is not None:
            self._p.stop()
