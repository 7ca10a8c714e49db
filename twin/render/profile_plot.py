"""Drawing a long section (:mod:`twin.render.profile`) with matplotlib: PNG, SVG, PDF, GIF.

The picture reads as InfoWorks ICM's long section: distance along the path across,
elevation up; the ground (node rims) in brown, each manhole a box from invert to rim,
each pipe its invert and crown (pumps, orifices, weirs and outlets dashed, at their
nominal length), water blue up to the hydraulic grade line at the chosen time, the
maximum grade line dashed, surcharged nodes (water above the crown of their highest
pipe) orange, flooded nodes a red triangle on the ground with their flood volume.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.render.profile import at_time, static_table, time_index

__all__ = ["draw_profile", "plot_profile", "animate_profile"]

GROUND, PIPE, WATER, MAX_LINE = "#8c6d46", "#4d4d4d", "#2b7bba", "#0b3c6e"
SURCHARGE, FLOOD = "#f28e2b", "#d62728"
#: What a still long section can be written as.
SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def _levels(table, head):
    """Water level at both ends of each link: the node's head, not below the pipe's
    invert there (an end above the water is dry)."""
    start = np.fmax(head[:-1], table["link_start_invert_m"].to_numpy()[:-1])
    end = np.fmax(head[1:], table["link_end_invert_m"].to_numpy()[:-1])
    return start, end


def _box_width(x) -> float:
    return max(float(x[-1] - x[0]) * 0.006, 0.3)


def _draw_static(ax, table):
    x = table["distance_m"].to_numpy()
    inv, rim = table["invert_m"].to_numpy(), table["rim_m"].to_numpy()
    w = _box_width(x)
    # an outfall has no rim (SWMM gives it no depth): the ground line stops before it
    ground = np.where((table["kind"] == "outfall").to_numpy() & (rim <= inv), np.nan, rim)
    ax.plot(x, ground, color=GROUND, lw=2.0, label="ground (rim)", zorder=4)
    for i in range(len(x) - 1):
        xs = (x[i] + w / 2, x[i + 1] - w / 2)
        lo = (table["link_start_invert_m"].iat[i], table["link_end_invert_m"].iat[i])
        depth = table["link_full_depth_m"].iat[i]
        hi = (lo[0] + depth, lo[1] + depth)
        conduit = table["link_kind"].iat[i] == "conduit"
        style = {"color": PIPE, "lw": 1.3 if conduit else 1.0, "ls": "-" if conduit else "--"}
        ax.plot(xs, lo, zorder=3, **style, label="pipe invert and crown" if i == 0 else None)
        ax.plot(xs, hi, zorder=3, **style)
        if not conduit:
            ax.annotate(f"{table['link_kind'].iat[i]} {table['link'].iat[i]}",
                        ((xs[0] + xs[1]) / 2, max(hi)), textcoords="offset points",
                        xytext=(0, 4), ha="center", fontsize=7, color=PIPE)  # fmt: skip
    for xi, lo, hi in zip(x, inv, ground, strict=True):
        if hi > lo:
            ax.add_patch(_rect(xi - w / 2, lo, w, hi - lo, fc="white", ec=PIPE, lw=0.9))


def _rect(x, y, w, h, **kw):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, zorder=2, **kw)


def _draw_water(ax, table, label_time):
    x = table["distance_m"].to_numpy()
    w = _box_width(x)
    head, inv = table["head_m"].to_numpy(), table["invert_m"].to_numpy()
    start, end = _levels(table, head)
    for i in range(len(x) - 1):
        xs = (x[i] + w / 2, x[i + 1] - w / 2)
        lo = (table["link_start_invert_m"].iat[i], table["link_end_invert_m"].iat[i])
        depth = table["link_full_depth_m"].iat[i]
        top = (min(start[i], lo[0] + depth), min(end[i], lo[1] + depth))
        if table["link_kind"].iat[i] == "conduit" and max(top[0] - lo[0], top[1] - lo[1]) > 0:
            ax.fill_between(xs, lo, top, color=WATER, alpha=0.55, lw=0, zorder=2.5)
    for xi, lo, h in zip(x, inv, head, strict=True):
        if h > lo:
            ax.add_patch(_rect(xi - w / 2, lo, w, h - lo, fc=WATER, alpha=0.55, lw=0))
    xs, ys = _grade_line(x, w, head, start, end)
    ax.plot(xs, ys, color=WATER, lw=1.8, zorder=5, label=f"water level, {label_time}")
    sur, fl = table["surcharged"].to_numpy(), table["flooded"].to_numpy()
    if sur.any():
        ax.scatter(x[sur], head[sur], s=36, color=SURCHARGE, edgecolor="black", lw=0.5,
                   zorder=6, label="surcharged (above crown)")  # fmt: skip
    if fl.any():
        rim = table["rim_m"].to_numpy()
        ax.scatter(x[fl], rim[fl], marker="v", s=70, color=FLOOD, edgecolor="black", lw=0.5,
                   zorder=7, label="flooded (m³ over the run)")  # fmt: skip


def _grade_line(x, w, head, start, end):
    """The grade line through the manholes (flat across each box) and along the pipes."""
    xs, ys = [x[0] - w / 2, x[0] + w / 2], [head[0], head[0]]
    for i in range(len(x) - 1):
        xs += [x[i] + w / 2, x[i + 1] - w / 2, x[i + 1] - w / 2, x[i + 1] + w / 2]
        ys += [start[i], end[i], head[i + 1], head[i + 1]]
    return xs, ys


def draw_profile(ax, table, *, show_max=True, title=None, limits=None):
    """Draw a profile table (:func:`~twin.render.profile.profile_table`) on ``ax``."""
    x = table["distance_m"].to_numpy()
    _draw_static(ax, table)
    when = table.attrs.get("time", "max")
    _draw_water(ax, table, "maximum" if when == "max" else when.replace("T", " "))
    if show_max and when != "max":
        mx = table["max_head_m"].to_numpy()
        s, e = _levels(table, mx)
        xs, ys = _grade_line(x, _box_width(x), mx, s, e)
        ax.plot(xs, ys, color=MAX_LINE, lw=1.2, ls="--", zorder=5, label="maximum water level")
    for xi, top, vol, fl in zip(x, table["rim_m"], table["flood_volume_m3"], table["flooded"],
                                strict=True):  # fmt: skip
        if fl and vol > 0:
            ax.annotate(f"{vol:,.0f} m³", (xi, top), textcoords="offset points", xytext=(0, 9),
                        ha="center", fontsize=7, color=FLOOD)  # fmt: skip
    _label_nodes(ax, table)
    ax.set_ylabel("elevation [m]")
    ax.set_xlim(x[0] - 2 * _box_width(x), x[-1] + 2 * _box_width(x))
    ax.set_ylim(*(limits or _limits(table)))
    ax.grid(alpha=0.25)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    first, last = table["node"].iat[0], table["node"].iat[-1]
    ax.set_title(title or f"Long section {first} → {last}", loc="left", fontsize=11)


def _limits(table):
    lows = np.concatenate([table["invert_m"], table["link_start_invert_m"].dropna()])
    highs = np.concatenate([table["rim_m"], table["max_head_m"]])
    lo, hi = float(np.nanmin(lows)), float(np.nanmax(highs))
    pad = 0.08 * (hi - lo) + 0.1
    return lo - pad, hi + 2.5 * pad


def _label_nodes(ax, table):
    x = table["distance_m"].to_numpy()
    step = max(1, int(np.ceil(len(x) / 25)))  # at most ~25 labels
    ax.set_xticks(x[::step], [str(n) for n in table["node"].iloc[::step]], rotation=60,
                  ha="right", fontsize=7)  # fmt: skip
    ax.tick_params(axis="x", length=3)
    top = ax.secondary_xaxis("top")
    top.tick_params(labelsize=7)
    top.set_xlabel("distance along the path [m]", fontsize=8)


def _figure(dpi=110):
    """A figure drawn off-screen by Agg (no pyplot, no display, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5.5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _checked_output(out_path, suffixes) -> Path:
    """The output checked before the work (:func:`twin.files.check_output`)."""
    from twin.files import check_output

    return check_output(out_path, suffixes=suffixes)


def plot_profile(ds, from_node, to_node, out_path=None, *, time="max", network=None,
                 title=None):  # fmt: skip
    """Draw the long section from ``from_node`` to ``to_node`` (see
    :func:`~twin.render.profile.profile_table` for ``time`` and ``network``).

    Returns the path written (``.png``, ``.svg``, ``.pdf``, ``.jpg``; whole or not at
    all), or the matplotlib Figure when ``out_path`` is None.
    """
    path = None if out_path is None else _checked_output(out_path, SUFFIXES)
    table = at_time(static_table(ds, from_node, to_node, network=network), ds,
                    time_index(ds, time))  # fmt: skip
    fig = _figure()
    draw_profile(fig.add_subplot(), table, title=title)
    if path is None:
        return fig
    from twin.files import write_bytes

    buf = io.BytesIO()  # encoded in memory, written whole (a full disk is one clean error)
    kind = path.suffix.lstrip(".").lower()
    meta = {"Software": "sewer-twin"} if kind == "png" else None  # marks it as the twin's own
    fig.savefig(buf, format=kind, metadata=meta)
    return write_bytes(path, buf.getbuffer())


def animate_profile(ds, from_node, to_node, out_path, *, network=None, fps=4, every=1,
                    title=None):  # fmt: skip
    """A GIF of the long section over the report times (every ``every``-th), the
    maximum water level dashed in each frame; written whole or not at all."""
    import imageio.v3 as iio

    from twin.files import write_bytes

    path = _checked_output(out_path, (".gif",))
    if not (np.isfinite(fps) and fps > 0) or int(every) < 1:
        raise InputError(f"fps must be positive and every at least 1, got {fps!r}, {every!r}")
    static = static_table(ds, from_node, to_node, network=network)
    n = len(ds["time"])
    if n == 0:
        raise InputError("the results have no report times to animate")
    limits = _limits(at_time(static, ds, None))
    frames = []
    for k in range(0, n, int(every)):
        fig = _figure(dpi=80)
        draw_profile(fig.add_subplot(), at_time(static, ds, k), title=title, limits=limits)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    data = iio.imwrite("<bytes>", np.stack(frames), extension=".gif", duration=1000.0 / fps,
                       loop=0)  # fmt: skip
    return write_bytes(path, data)
