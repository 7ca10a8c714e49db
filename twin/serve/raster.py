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
