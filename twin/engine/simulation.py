"""The time loop: runoff, system inflows and flow routing, stepped as SWMM 5.2 steps them.

One routing step (``swmm5.c`` ``execRouting``): find the routing step, run runoff
steps until the runoff clock passes the end of this routing step, add the system
inflows (external and dry-weather at the step's start time, runoff interpolated
between the old and new runoff states), route, update the statistics, and save a
report sample (interpolated between the old and new routing states) when the
clock passes the next report time.
"""

from __future__ import annotations

import numpy as np

from twin.engine.inflows import SystemInflows
from twin.engine.options import SimOptions
from twin.engine.recorder import Recorder
from twin.engine.routing import Router
from twin.errors import SimulationError

MIN_STEP_S = 0.001


class Simulation:
    """A simulation you can step through, or run to the end.

    Parameters
    ----------
    network : Network
    options : SimOptions, optional
        Defaults to the network's own [OPTIONS]; keyword ``overrides`` change single
        settings (e.g. ``routing_step_s=5``).

    Examples
    --------
    >>> import twin
    >>> net = twin.load_network("small-conduits")
    >>> with twin.Simulation(net, end_hours=0.5) as sim:   # doctest: +SKIP
    ...     for t in sim:
    ...         pass
    >>> ds = sim.results()                                  # doctest: +SKIP
    """

    def __init__(
        self, network, options: SimOptions | None = None, *, progress=None, couplers=(), **overrides
    ):
        from twin.engine.runoff import Runoff

        end_hours = overrides.pop("end_hours", None)
        opts = options or SimOptions.from_network(network)
        if overrides:
            opts = opts.with_(**overrides)
        if end_hours is not None:
            opts = opts.with_(end=opts.start + np.timedelta64(int(round(end_hours * 3600)), "s"))
        has_runoff = network.n_subcatchments > 0 and not opts.ignore_rainfall
        self.runoff = Runoff(network, opts) if has_runoff else None
        if self.runoff is not None and opts.routing_step_s > self.runoff.wet_step_s:
            # SWMM lowers the wet step to the shortest gauge interval, then caps the
            # routing step at the wet step (project_validate)
            opts = opts.with_(routing_step_s=float(self.runoff.wet_step_s))
        self.net = network
        self.opts = opts
        self.duration_s = opts.duration_s
        self.router = Router(network, opts)
        self.inflows = SystemInflows(network, opts.start)
        n = network.n_nodes
        self._ext = np.zeros(n)
        self._dwf = np.zeros(n)
        self._ww = np.zeros(n)
        self._lat = np.zeros(n)
        self.t_s = 0.0
        self.steps = 0
        self.iterations = 0
        self.min_step_s = np.inf
        self.max_step_s = 0.0
        self.recorder = Recorder(self)
        self._progress = progress
        # couplers exchange water with the pipes (e.g. the 2D surface); each has
        # add_lateral_cfs(t_s, dt_s, out), after_step(t_s, dt_s), on_report(t_s),
        # dataset_vars() -> dict and volumes() -> dict (m3)
        self.couplers = [c.attach(self) if hasattr(c, "attach") else c for c in couplers]
        self.volumes = {  # routing inflow volumes [ft3], trapezoidal like SWMM's massbal
            "dry_weather_inflow": 0.0,
            "wet_weather_inflow": 0.0,
            "external_inflow": 0.0,
            "external_outflow": 0.0,
        }
        self._rates_old = np.zeros(4)
        self._started = False

    # -- context manager and iteration (PySWMM style) ---------------------------
    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __iter__(self):
        while not self.finished:
            yield self.step()

    @property
    def finished(self) -> bool:
        return self.t_s >= self.duration_s - 1e-9

    @property
    def current_time(self) -> np.datetime64:
        return self.opts.start + np.timedelta64(int(round(self.t_s * 1000)), "ms")

    # -- stepping -----------------------------------------------------------------
    def step(self) -> float:
        """Advance one routing step; returns the new time [s after the start]."""
        if self.finished:
            return self.t_s
        t = self.t_s
        dt = self.router.step_size(t)
        if not dt > 0.0:
            raise SimulationError("routing step is not positive", time=self.current_time)
        if t + dt > self.duration_s:
            dt = max(self.duration_s - t, MIN_STEP_S)
        t_next = t + dt
        if self.runoff is not None:
            while self.runoff.t_new_s < t_next:
                self.runoff.advance()
        self._add_inflows(t, dt)
        for c in self.couplers:
            c.add_lateral_cfs(t, dt, self._lat)
        iters = self.router.advance(t, dt, self._lat)
        for c in self.couplers:
            c.after_step(t, dt)
        self.t_s = t_next
        self.steps += 1
        self.iterations += iters
        self.min_step_s = min(self.min_step_s, dt) if t > 0 else self.min_step_s
        self.max_step_s = max(self.max_step_s, dt)
        self.recorder.after_step(t, dt)
        if self._progress is not None:
            self._progress(self.t_s, self.duration_s)
        return self.t_s

    def step_advance(self, seconds: float) -> float:
        """Advance until at least ``seconds`` more of simulated time have passed."""
        target = min(self.t_s + seconds, self.duration_s)
        while self.t_s < target - 1e-9 and not self.finished:
            self.step()
        return self.t_s

    def run(self):
        """Run to the end and return the results Dataset."""
        while not self.finished:
            self.step()
        return self.results()

    def results(self):
        """The xarray Dataset of what has been simulated so far."""
        return self.recorder.dataset()

    # -- inflows --------------------------------------------------------------------
    def _add_inflows(self, t: float, dt: float) -> None:
        ext = self.inflows.external_cfs(t, self._ext)
        dwf = self.inflows.dwf_cfs(t, self._dwf)
        ww = self._ww
        ww[:] = 0.0
        if self.runoff is not None:
            self.runoff.node_inflow_cfs(t, ww)
        np.add(ext, dwf, out=self._lat)
        self._lat += ww
        rates = np.array(
            [dwf.sum(), ww.sum(), ext[ext > 0].sum(), -ext[ext < 0].sum()], dtype=np.float64
        )
        # SWMM adds half a step of the previous rates and half of the new ones
        vol = 0.5 * dt * (self._rates_old + rates) if self._started else 0.5 * dt * rates
        for k, key in enumerate(self.volumes):
            self.volumes[key] += vol[k]
        self._rates_old = rates
        self._started = True
