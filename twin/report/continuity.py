"""Is a run's mass balance good enough to trust?  The continuity limit.

SWMM reports continuity errors and leaves judging them to the reader; a twin that
acts on its results must not.  :func:`judge_continuity` compares the run's
continuity errors (flow routing, runoff, and the pipe + street system when the 2D
surface is coupled) with a limit (default :data:`DEFAULT_LIMIT_PERCENT`), marks the
verdict in the Dataset's attributes (``continuity_check``,
``continuity_limit_percent``) and returns a message naming the worst nodes when the
limit is exceeded.  The CLI still writes the file (so it can be looked at) and then
exits with status 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_LIMIT_PERCENT", "judge_continuity", "judge_member_continuity"]

#: Largest continuity error [%] (absolute) a run may have and count as sound.
DEFAULT_LIMIT_PERCENT = 5.0
_ERRORS = (
    ("flow_routing_continuity_error_percent", "flow routing"),
    ("runoff_continuity_error_percent", "runoff"),
    ("system_continuity_error_percent", "system (pipes and streets)"),
)
_WORST_NODES = 3


def _beyond(attrs: dict, limit: float) -> list[str]:
    """``['flow routing continuity error 7.3 %', ...]``: the errors beyond ``limit``."""
    out = []
    for key, label in _ERRORS:
        value = attrs.get(key)
        if value is None:
            continue
        value = float(value)
        if not np.isfinite(value) or abs(value) > limit:
            out.append(f"{label} continuity error {value:.3g} %")
    return out


def _worst_nodes(ds) -> str:
    """The nodes whose flow balance loses or makes the most water [m3] (their error in
    percent of their inflow, and the volume)."""
    if "node_continuity_error_percent" not in ds:
        return ""
    err = np.asarray(ds["node_continuity_error_percent"].values, dtype=np.float64)
    if err.ndim != 1 or not err.size:
        return ""
    if "node_inflow_volume" in ds:
        volume = np.asarray(ds["node_inflow_volume"].values, dtype=np.float64) * err / 100.0
    else:
        volume = np.full(err.shape, np.nan)
    key = np.where(np.isfinite(volume), np.abs(volume), np.where(np.isfinite(err), 0.0, np.inf))
    order = np.argsort(-key, kind="stable")[:_WORST_NODES]
    names = ds["node"].values
    parts = []
    for i in order:
        vol = f", {volume[i]:.4g} m3" if np.isfinite(volume[i]) else ""
        parts.append(f"{names[i]} ({err[i]:.3g} %{vol})")
    return "; worst nodes: " + ", ".join(parts)


def judge_continuity(ds, limit_percent: float = DEFAULT_LIMIT_PERCENT) -> str | None:
    """Mark ``ds.attrs`` with the continuity verdict; the failure message, or None.

    Parameters
    ----------
    ds : xarray.Dataset
        One run's results (attributes ``*_continuity_error_percent``).
    limit_percent : float
        Largest absolute continuity error [%] that passes.

    Returns
    -------
    str or None
        ``flow routing continuity error -7.3 % is beyond the limit of 5 %; worst
        nodes: J1 (-41 %), ...`` when a continuity error (or a NaN) exceeds the limit.
    """
    limit = float(limit_percent)
    bad = _beyond(ds.attrs, limit)
    ds.attrs["continuity_limit_percent"] = limit
    if not bad:
        ds.attrs["continuity_check"] = "passed"
        return None
    verb = "is" if len(bad) == 1 else "are"
    message = f"{' and '.join(bad)} {verb} beyond the limit of {limit:g} %"
    ds.attrs["continuity_check"] = f"failed: {message}"
    if any(not b.startswith("runoff") for b in bad):  # a node's balance is routing's
        message += _worst_nodes(ds)
    return message


def judge_member_continuity(ens, limit_percent: float = DEFAULT_LIMIT_PERCENT) -> str | None:
    """:func:`judge_continuity` for an ensemble: every member's routing and runoff
    errors (``member_*_continuity_error_percent``); names the worst members."""
    limit = float(limit_percent)
    ens.attrs["continuity_limit_percent"] = limit
    worst = {}
    for key, label in _ERRORS:
        name = f"member_{key}"
        if name not in ens:
            continue
        err = np.asarray(ens[name].values, dtype=np.float64)
        ran = np.asarray(ens["member_status"].values) == 0 if "member_status" in ens else True
        bad = ran & (~np.isfinite(err) | (np.abs(np.nan_to_num(err, nan=np.inf)) > limit))
        for i in np.flatnonzero(bad):
            m = str(ens["member"].values[i])
            worst.setdefault(m, f"{m} ({label} {err[i]:.3g} %)")
    if not worst:
        ens.attrs["continuity_check"] = "passed"
        return None
    message = (
        f"{len(worst)} member(s) with a continuity error beyond the limit of {limit:g} %: "
        + ", ".join(list(worst.values())[:5])
        + (", ..." if len(worst) > 5 else "")
    )
    ens.attrs["continuity_check"] = f"failed: {message}"
    return message
