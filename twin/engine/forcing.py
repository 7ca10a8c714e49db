"""Live forcing: rainfall fed into a simulation while it runs (a digital twin's rain feed).

:func:`set_rainfall` overrides the rate of one rain gauge (or of every gauge) from a
time on, until it is changed again or cleared with ``None``.  The runoff clock of a
SWMM-style simulation runs up to one runoff step *ahead* of the routing clock (a
runoff step is taken as soon as the routing step would pass the runoff time), so a
rate cannot change a runoff step already taken: it takes effect at the later of the
asked time and the runoff clock.  A feed that sends each reading at (or before) the
start of its interval therefore drives the run exactly as the same readings given as
a time series would.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError, TwinError

MM_PER_IN = 25.4


def seconds_after_start(sim, when) -> float:
    """Seconds between the simulation start and ``when``.

    Parameters
    ----------
    sim : Simulation
    when : numpy.datetime64, datetime, or ISO text such as ``"2024-07-15T01:00"``
    """
    try:
        t = np.datetime64(when, "ms")
    except (ValueError, TypeError):
        raise InputError(f"not a date and time: {when!r}", field="time") from None
    if np.isnat(t):
        raise InputError(f"not a date and time: {when!r}", field="time")
    return float((t - sim.opts.start.astype("datetime64[ms]")) / np.timedelta64(1, "ms")) / 1e3


def _gauge_indices(sim, gauge) -> list[int]:
    names = [str(n) for n in sim.net.raingages.name]
    if gauge is None:
        return list(range(len(names)))
    if isinstance(gauge, (int, np.integer)) and not isinstance(gauge, bool):
        if 0 <= int(gauge) < len(names):
            return [int(gauge)]
    elif str(gauge) in names:
        return [names.index(str(gauge))]
    raise InputError(
        f"no rain gauge {gauge!r} (gauges: {', '.join(names) or 'none'})", field="gauge"
    )


def set_rainfall(sim, intensity_mmh, gauge=None, start=None) -> np.datetime64:
    """Override the rainfall of a gauge (or of every gauge) from now (or ``start``) on.

    Parameters
    ----------
    sim : Simulation
    intensity_mmh : float or None
        Rainfall intensity [mm/h] (>= 0); ``None`` gives the gauge its own record back.
    gauge : str or int, optional
        Gauge name or index; every gauge when omitted.
    start : datetime64 or str, optional
        When the rate starts (a forecast may be set ahead of time); defaults to the
        current time.  A time the runoff has already passed becomes the runoff clock.

    Returns
    -------
    numpy.datetime64
        The time from which the rate applies.
    """
    runoff = sim.runoff
    if runoff is None:
        raise TwinError("this simulation has no runoff (no subcatchments, or rainfall ignored)")
    if intensity_mmh is None:
        rate = np.nan
    else:
        try:
            rate = float(intensity_mmh)
        except (TypeError, ValueError):
            raise InputError(f"rainfall must be a number, got {intensity_mmh!r}") from None
        if not (np.isfinite(rate) and rate >= 0.0):
            raise InputError(f"rainfall must be a finite number >= 0 mm/h, got {intensity_mmh!r}")
        if runoff.rain.unit_system == "US":
            rate /= MM_PER_IN  # the gauges keep the network's units (in/h)
    indices = _gauge_indices(sim, gauge)
    from_s = sim.t_s if start is None else seconds_after_start(sim, start)
    from_s = max(from_s, runoff.t_new_s)
    for j in indices:
        runoff.rain.set_override(j, rate, from_s)
    return sim.opts.start + np.timedelta64(int(round(from_s * 1000)), "ms")
