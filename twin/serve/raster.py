"""Street flooding as a picture for the map: a transparent PNG, north up."""

from __future__ import annotations

import io

import numpy as np

#: Cells below this value (depth [m] or probability) are left transparent.
DRY = 0.01


def raster_png(values, vmax: float, palette: str = "Blues") -> bytes:
    """A PNG of a (ny, nx) grid whose rows run south to north (``y`` ascending).

    Parameters
    ----------
    values : (ny, nx) float
        Street water depth [m] or flood probability; NaN and values below
        :data:`DRY` are transparent.
    vmax : float
        Value drawn with the palette's last colour.
    palette : str
        A matplotlib colormap name.
    """
    from matplotlib import colormaps
    from PIL import Image

    a = np.asarray(values, np.float64)[::-1]  # first image row is the northern edge
    wet = np.isfinite(a) & (a >= DRY)
    norm = np.clip(np.where(wet, a, 0.0) / max(float(vmax), 1e-9), 0.0, 1.0)
    rgba = colormaps[palette](0.35 + 0.65 * norm, bytes=True)  # skip the palette's near-white
    rgba[..., 3] = np.where(wet, 200, 0).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def grid_ascending(values, x, y) -> tuple[np.ndarray, tuple]:
    """``values`` (ny, nx) on cell centres ``x``, ``y`` with rows and columns put in
    ascending ``y`` and ``x`` (as :func:`raster_png` wants them; a DEM read from a GeoTIFF
    runs north to south), and the grid's bounds ``(x0, y0, x1, y1)`` [m] (cell edges)."""
    a = np.asarray(values, np.float64)
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(y) > 1 and y[0] > y[-1]:
        a = a[::-1]
    if len(x) > 1 and x[0] > x[-1]:
        a = a[:, ::-1]
    dx = abs(x[1] - x[0]) if len(x) > 1 else 1.0
    dy = abs(y[1] - y[0]) if len(y) > 1 else 1.0
    bounds = (float(x.min() - dx / 2), float(y.min() - dy / 2),
              float(x.max() + dx / 2), float(y.max() + dy / 2))  # fmt: skip
    return a, bounds
