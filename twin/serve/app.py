"""The web application: a read-only JSON API over a board, the page, and live events.

Starlette (ASGI) with plain GET routes; nothing in it writes a file or changes the
model.  A watch folder is polled every ``poll_s`` in one task shared by all viewers,
and the pages hear of a new cycle through server-sent events (``/api/events``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from twin.serve.board import floats
from twin.serve.guard import Guard
from twin.serve.raster import raster_png

STATIC = Path(__file__).parent / "static"
HEARTBEAT_S = 15.0
_SERIES = {"node": "node_series", "link": "link_series", "sensor": "sensor_series"}


class _Live:
    """The board, asked from one worker thread, and the change signal.

    One thread answers every request in turn: the board reads HDF5 files (one reader
    at a time) and its answers take milliseconds; one thread also keeps the process's
    memory in one allocator arena, so it does not creep up with the requests.
    """

    def __init__(self, board):
        self.board = board
        self.lock = threading.Lock()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="twin-board")
        self.changed: asyncio.Condition | None = None
        self.network_json: bytes | None = None

    def call(self, method: str, *args):
        with self.lock:
            return getattr(self.board, method)(*args)

    async def run(self, fn, *args):
        """``fn(*args)`` on the board's thread."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, fn, *args)


def create_app(board, *, token: str | None = None, poll_s: float = 0.5):
    """The ASGI application showing ``board``.

    Parameters
    ----------
    board : Board
    token : str, optional
        When given, every request must carry it (``?token=``, the cookie the page gets
        with it, or ``Authorization: Bearer``); others get 401.
    poll_s : float
        How often a watch folder is looked at [s].
    """
    live = _Live(board)

    def _t(request) -> int:
        n = len(live.call("times"))
        try:
            t = int(request.query_params.get("t", live.call("now_index")))
        except ValueError:
            t = 0
        return min(max(t, 0), max(n - 1, 0))

    async def index(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def meta(request):
        return JSONResponse(await live.run(live.call, "meta"))

    async def network(request):
        if live.network_json is None:
            view = live.board.view
            live.network_json = await live.run(
                lambda: json.dumps(view.to_json(), separators=(",", ":")).encode()
            )
        return Response(live.network_json, media_type="application/json")

    def _frame(request):
        t = _t(request)
        out = {"t": t, "version": live.board.version}
        fields = {f.key: f for f in live.call("fields")}
        for element in ("node", "link"):
            key = request.query_params.get(element)
            if key in fields and fields[key].element == element:
                out[element] = floats(live.call("values", key, t))
        return out

    async def frame(request):
        return JSONResponse(await live.run(_frame, request))

    async def risk(request):
        return JSONResponse(await live.run(lambda: live.call("risk", _t(request))))

    def _series(method, request):
        name = request.query_params.get("name", "")
        out = live.call(method, name, _t(request))
        return out

    async def series(request):
        method = _SERIES.get(request.path_params["kind"])
        if method is None:
            return JSONResponse({"error": "no such chart"}, status_code=404)
        out = await live.run(_series, method, request)
        if out is None:
            return JSONResponse({"error": "no such element"}, status_code=404)
        return JSONResponse(out)

    async def panel(request):
        name = request.path_params["name"]
        if name not in ("sensors", "warnings", "advice"):
            return JSONResponse({"error": "no such panel"}, status_code=404)
        if name == "sensors":
            out = await live.run(lambda: live.call("sensors", _t(request)))
        else:
            out = await live.run(live.call, name)
        return JSONResponse(out)

    def _surface(request):
        got = live.call("surface", _t(request))
        if got is None:
            return None, None
        values, bounds, label, unit, vmax = got
        palette = "YlOrRd" if unit == "" else "Blues"
        return raster_png(values, vmax, palette), bounds

    async def surface(request):
        png, bounds = await live.run(_surface, request)
        if png is None:
            return Response(status_code=404)
        headers = {"X-Bounds": json.dumps(bounds), "Cache-Control": "max-age=60"}
        return Response(png, media_type="image/png", headers=headers)

    async def events(request):
        async def stream():
            yield "retry: 1000\n\n"
            seen = None
            while True:
                version = live.board.version
                if version != seen:
                    seen = version
                    n = len(await live.run(live.call, "times"))
                    data = json.dumps({"version": version, "times": n})
                    yield f"event: cycle\ndata: {data}\n\n"
                    continue
                try:
                    async with live.changed:
                        await asyncio.wait_for(live.changed.wait(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": ping\n\n"

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        live.changed = asyncio.Condition()
        task = asyncio.create_task(_poll(live, poll_s))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            live.worker.shutdown(wait=False)

    routes = [
        Route("/", index),
        Route("/api/meta", meta),
        Route("/api/network", network),
        Route("/api/frame", frame),
        Route("/api/risk", risk),
        Route("/api/series/{kind:str}", series),
        Route("/api/panel/{name:str}", panel),
        Route("/api/surface.png", surface),
        Route("/api/events", events),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.live = live
    return Guard(app, token)


async def _poll(live: _Live, poll_s: float) -> None:
    """Look at the board's source every ``poll_s``; wake the event streams on a change."""
    if not live.board.follows:
        return  # a results file never changes
    while True:
        await asyncio.sleep(poll_s)
        try:
            changed = await live.run(live.call, "refresh")
        except Exception:  # noqa: BLE001 - a folder being written: the next poll retries
            import logging

            logging.getLogger("twin.serve").exception("refreshing %s", live.board.path)
            continue
        if changed:
            async with live.changed:
                live.changed.notify_all()
