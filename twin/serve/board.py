"""What the operator's page shows, whatever it is read from.

A :class:`Board` answers the page's questions (the times, the values on the map at a
time, the risk list, an element's hydrograph, the sensors, warnings and advice, the
street flooding raster) for one source: a results file or an ensemble file
(:mod:`twin.serve.run_board`) or a watch folder (:mod:`twin.serve.watch_board`).
Answers are plain JSON-ready dicts; every value array is in the order of the board's
:class:`~twin.serve.network_view.NetworkView`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Field:
    """A quantity the map can colour its nodes or links by.

    Attributes
    ----------
    key : str
        Name used by the page (``depth``, ``flood_probability`` ...).
    element : {"node", "link"}
    label, unit : str
    palette : str
        A matplotlib colormap name.
    vmin, vmax : float
        Ends of the colour scale, fixed over time so that colours compare.
    per_time : bool
        True when the values change with the time slider.
    """

    key: str
    element: str
    label: str
    unit: str
    palette: str
    vmin: float
    vmax: float
    per_time: bool

    def to_json(self) -> dict:
        d = asdict(self)
        d["colors"] = palette_colors(self.palette)
        return d


class Board:
    """The questions the page asks; subclasses answer them for their source.

    ``version`` grows whenever :meth:`refresh` finds new content (a watch folder's new
    cycle); a results file never changes.
    """

    kind = "results"
    version = 0
    follows = False  # True: refresh() may find new content (a watch folder)
    surface_per_time = True  # False: the street raster does not change with the slider

    def refresh(self) -> bool:
        """Look for new content; True when there is some (then ``version`` grew)."""
        return False

    def close(self) -> None:
        """Release open files."""

    # -- to be answered by every board ---------------------------------------------------
    def times(self) -> np.ndarray:  # (n,) datetime64[s]
        raise NotImplementedError

    def now_index(self) -> int:
        return max(len(self.times()) - 1, 0)

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def values(self, key: str, t: int) -> np.ndarray:
        raise NotImplementedError

    def risk(self, t: int) -> dict:
        raise NotImplementedError

    def node_series(self, name: str, t: int) -> dict | None:
        raise NotImplementedError

    def link_series(self, name: str, t: int) -> dict | None:
        raise NotImplementedError

    # -- optional ------------------------------------------------------------------------
    def sensors(self, t: int) -> list | None:
        return None

    def has_sensors(self) -> bool:
        return False

    def sensor_series(self, sensor: str, t: int) -> dict | None:
        return None

    def warnings(self) -> dict | None:
        return None

    def advice(self) -> dict | None:
        return None

    def surface(self, t: int):
        """``(depth (ny, nx) float, (x0, y0, x1, y1) m, label, unit, vmax)`` or None."""
        return None

    def meta(self) -> dict:
        """What the page needs before anything else."""
        surf = self.surface(self.now_index())
        return {
            "kind": self.kind,
            "title": self.title,
            "source": str(self.path),
            "version": self.version,
            "times": iso_list(self.times()),
            "now": self.now_index(),
            "fields": [f.to_json() for f in self.fields()],
            "surface": None
            if surf is None
            else {
                "label": surf[2],
                "unit": surf[3],
                "bounds": list(surf[1]),
                "per_time": self.surface_per_time,
            },  # fmt: skip
            "panels": {
                "sensors": self.has_sensors(),
                "warnings": self.warnings() is not None,
                "advice": self.advice() is not None,
            },
        }


def add_rim_line(chart: dict, view, i: int) -> dict:
    """Add node ``i``'s rim (its depth above the invert [m]) to a depth ``chart`` as a
    dashed line over the chart's times, when the node has a rim above its invert."""
    rim = float(view.node_rim[i] - view.node_invert[i])
    n = len(chart["t"])
    if np.isfinite(rim) and rim > 0 and n:
        chart["lines"].append({"label": "rim", "values": [rim] * n, "color": "#e4572e",
                               "dash": True})  # fmt: skip
    return chart


def iso(t) -> str | None:
    """ISO 8601 text of a datetime64 in whole seconds (``None`` for NaT)."""
    t = np.datetime64(t, "s")
    return None if np.isnat(t) else str(t)


def iso_list(times) -> list:
    return [iso(t) for t in np.asarray(times, "datetime64[s]")]


def epoch_s(times) -> list:
    """POSIX seconds of datetime64 values (the charts' time axis)."""
    t = np.asarray(times, "datetime64[s]").astype(np.int64)
    return t.tolist()


def floats(values, digits: int = 4) -> list:
    """Floats for JSON, rounded to ``digits`` significant figures, NaN as ``None``."""
    a = np.asarray(values, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(a != 0, np.floor(np.log10(np.abs(a))), 0)
    scale = np.where(np.isfinite(mag), 10.0 ** (digits - 1 - mag), 1.0)
    r = np.round(a * scale) / scale
    return [None if not np.isfinite(v) else v for v in r.tolist()]


def scale_max(values, floor: float) -> float:
    """Top of a colour scale: the 99th percentile of the finite values, at least ``floor``."""
    a = np.asarray(values, np.float64)
    a = a[np.isfinite(a)]
    top = float(np.percentile(a, 99)) if a.size else 0.0
    return max(top, floor)


_PALETTES: dict[str, list] = {}


def palette_colors(name: str, n: int = 32) -> list[str]:
    """``n`` hex colours along the matplotlib colormap ``name``."""
    if name not in _PALETTES:
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        cmap = colormaps[name]
        _PALETTES[name] = [to_hex(cmap(i / (n - 1))) for i in range(n)]
    return _PALETTES[name]
