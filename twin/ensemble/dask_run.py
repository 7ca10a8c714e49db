"""Chunks of ensemble members on a dask.distributed cluster, and what losing it means.

A member that fails numerically is recorded by :func:`twin.ensemble.runner.run_chunk`
and the others go on.  Losing the *cluster* is another matter: a worker that dies is
replaced by Dask, which runs its tasks again elsewhere (``distributed.scheduler.
allowed-failures`` times); but when no worker is left for :data:`WORKER_WAIT_S`, when
the scheduler is gone, or when a chunk's task fails as a task (a worker killed under
it again and again), the whole run fails with a :class:`~twin.errors.TwinError` (exit
1) and writes nothing: flood probabilities from the survivors would be wrong.

Clusters the twin starts itself listen on 127.0.0.1 only, without the dashboard and
with no HTTP route but ``/health``.  A scheduler the user names is trusted with code
execution (Dask's protocol is pickle): point ``--scheduler`` only at your own cluster,
over TLS (``tls://``, with ``distributed.comm.tls`` set) when it is on another machine.
"""

from __future__ import annotations

import os
import time

from twin.errors import InputError, TwinError

#: How long a run waits for a first worker, and tolerates having none mid-run [s].
WORKER_WAIT_S = 30.0
#: How often the run looks at the cluster while no chunk finishes [s].
POLL_S = 1.0
#: Most worker processes of the local cluster (each holds its own compiled kernels,
#: about half a GiB).
MAX_LOCAL_WORKERS = 8
#: HTTP routes of the clusters the twin starts: a health check, nothing that lists
#: workers, tasks or logs.
HTTP_ROUTES = ["distributed.http.health"]


def local_cluster():
    """A local cluster on loopback: one single-threaded worker process per core (at most
    :data:`MAX_LOCAL_WORKERS`).  Processes, not threads: a member's step spends about a
    tenth of its time in Python, and threads of one process would queue for the GIL."""
    import dask
    from dask.distributed import LocalCluster

    workers = max(1, min(os.cpu_count() or 1, MAX_LOCAL_WORKERS))
    routes = {
        "distributed.scheduler.http.routes": HTTP_ROUTES,
        "distributed.worker.http.routes": HTTP_ROUTES,
    }
    with dask.config.set(routes):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address="127.0.0.1:0",
        )


def connect(scheduler: str, default: bool = True):
    """A Client of the scheduler at ``scheduler`` (an address); TwinError when it cannot
    be reached, InputError when it is not an address. ``default=False``: the client is
    not made dask's default scheduler (so xarray's writes in this process stay local)."""
    from dask.distributed import Client
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        # the address first: a Client made of no address raises, then its __del__ waits
        # WORKER_WAIT_S to close a connection it never had
        protocol, location = parse_address(scheduler)
        if protocol in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"not a Dask scheduler address ('local', 'serial' or tcp://host:port): {exc}",
            field="scheduler",
        ) from None
    try:
        return Client(scheduler, timeout=WORKER_WAIT_S, set_as_default=default)
    except (OSError, TimeoutError) as exc:
        raise TwinError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    except (ValueError, TypeError) as exc:  # not an address at all
        raise InputError(
            f"not a Dask scheduler address ('local', 'serial' or tcp://host:port): {exc}",
            field="scheduler",
        ) from None


def wait_for_workers(client) -> None:
    """Return when the cluster has a worker; TwinError after :data:`WORKER_WAIT_S`."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (TimeoutError, OSError) as exc:
        where = client.scheduler.address if client.scheduler else "the Dask scheduler"
        if isinstance(exc, TimeoutError):
            raise TwinError(
                f"the Dask scheduler {where} has no workers (waited {WORKER_WAIT_S:g} s)"
            ) from None
        raise TwinError(f"lost the Dask scheduler {where}: {exc}") from None


def _scheduler_answers(client) -> bool:
    """Whether the scheduler's port still takes connections (the client's own view of
    the cluster is a cache that outlives the scheduler)."""
    import socket

    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        host, port = parse_host_port(parse_address(client.scheduler.address)[1])
        with socket.create_connection((host, port), timeout=5):
            return True
    except (OSError, ValueError, TypeError, AttributeError):
        return False


def _n_workers(client) -> int:
    """Workers the scheduler has now; TwinError when the scheduler is gone."""
    if client.status not in ("running", "connecting") or not _scheduler_answers(client):
        raise TwinError(
            f"lost the Dask scheduler (client {client.status}, no answer at "
            f"{client.scheduler.address if client.scheduler else '?'}); no output written"
        )
    try:
        return len(client.scheduler_info()["workers"])
    except Exception as exc:  # noqa: BLE001 - a closed comm, a timeout: the scheduler is gone
        raise TwinError(
            f"lost the Dask scheduler ({type(exc).__name__}: {exc}); no output written"
        ) from None


def _same(value):
    return value


def held_by_cluster(client, value, key: str):
    """A future of ``value`` that the cluster can make again when the worker holding it
    dies: the result of a task (``client.scatter`` data is lost with its worker, and
    Dask's memory manager drops the extra copies of a broadcast)."""
    return client.submit(_same, value, key=key, pure=False)


def gather_chunks(client, futures: list, sizes: list[int], bar) -> list:
    """The results of the chunk ``futures`` in order, advancing ``bar`` by each chunk's
    ``sizes``; a TwinError when the cluster is lost (see the module docstring)."""
    from dask.distributed import wait

    index = {f.key: k for k, f in enumerate(futures)}
    done: list = [None] * len(futures)
    pending = set(futures)
    alone_since = None
    while pending:
        try:
            finished, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
        except TimeoutError:
            finished = set()
        except Exception as exc:  # noqa: BLE001 - cancelled by a scheduler that lost them
            # Futures are cancelled only by the scheduler (a dead worker's tasks run again
            # elsewhere): it died, restarted or dropped this client. ``_n_workers`` names a
            # scheduler that no longer answers; one that still answers may report no
            # workers, else it is the scheduler that let the chunks go.
            n_workers = _n_workers(client)
            lost = "lost every Dask worker" if n_workers == 0 else "the Dask scheduler let go"
            raise TwinError(
                f"{lost}: {len(pending)} chunk(s) cancelled "
                f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); no output written"
            ) from None
        for fut in finished:
            k = index[fut.key]
            try:
                done[k] = fut.result()
            except Exception as exc:  # noqa: BLE001 - members' own failures never get here
                raise TwinError(
                    f"the Dask cluster failed under a chunk of {sizes[k]} member(s) "
                    f"({type(exc).__name__}: {str(exc)[:200]}); no output written"
                ) from None
            bar.advance(sizes[k])
        if finished:
            alone_since = None
            continue
        if _n_workers(client) > 0:
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > WORKER_WAIT_S:
            raise TwinError(
                f"lost every Dask worker ({len(pending)} chunk(s) left, none came back "
                f"in {WORKER_WAIT_S:g} s); no output written"
            )
    return done
