"""Colours, colour maps, scalar bars, camera and vertical exaggeration of the 3D scenes.

Colour choices keep the picture readable for a hydraulic engineer and keep blue for
water only: the ground is in earth tones, pipes and manholes go from green (empty)
through yellow and orange to red (full / surcharged), flooded manholes carry a pure
red marker, and water is the only blue thing in the scene.
"""

from __future__ import annotations

import contextlib

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

__all__ = [
    "BACKGROUND",
    "FILL_CMAP",
    "FLOOD_RED",
    "PUDDLE_BLUE",
    "TERRAIN_CMAP",
    "TERRAIN_OPACITY",
    "WATER_CMAP",
    "WATER_OPACITY",
    "OTHER_LINK_GREY",
    "TEXT_COLOUR",
    "fill_bar_args",
    "font",
    "water_bar_args",
    "choose_vertical_exaggeration",
    "frame_camera",
    "quiet_vtk",
]

# -- colours -------------------------------------------------------------------------
BACKGROUND = ("#f4f3ef", "#ffffff")  # bottom, top: a neutral (not blue) gradient
TEXT_COLOUR = "#1a1a1a"
TERRAIN_OPACITY = 0.32
WATER_OPACITY = 0.8
FLOOD_RED = (1.0, 0.0, 0.0)
PUDDLE_BLUE = (0.12, 0.35, 0.95)
OTHER_LINK_GREY = (0.25, 0.25, 0.28)  # pumps, orifices, weirs, outlets

TERRAIN_CMAP = LinearSegmentedColormap.from_list(
    "twin_earth", ["#6f7f45", "#a89a68", "#b58e5c", "#8a6a48", "#d8ccb4"]
)
"""Ground elevation, low to high: olive, sand, ochre, brown, pale stone."""

FILL_CMAP = LinearSegmentedColormap.from_list(
    "twin_fill",
    [(0.0, "#1a9850"), (0.5, "#fee08b"), (0.8, "#f46d43"), (1.0, "#a50026")],
)
"""Fill fraction 0..1 of pipes (depth / full depth) and manholes (depth / rim depth)."""

WATER_CMAP = LinearSegmentedColormap.from_list("twin_water", ["#4f8fe0", "#1f5fd0", "#0b2e8a"])
"""Surface water depth, shallow to deep: every shade is clearly blue-dominant."""


def font(plotter, points: int) -> int:
    """Font size ``points`` (chosen for a 1000 px tall image) for this window's height.

    Scaled less than proportionally, so that small images stay legible.
    """
    return max(7, int(round(points * (plotter.window_size[1] / 1000.0) ** 0.6)))


def _bar_args(plotter, title: str, position_y: float) -> dict:
    return dict(
        title=title,
        vertical=True,
        position_x=0.90,
        position_y=position_y,
        width=0.035,
        height=0.32,
        title_font_size=font(plotter, 16),
        label_font_size=font(plotter, 14),
        n_labels=5,
        fmt="%.2f",
        color=TEXT_COLOUR,
        font_family="arial",
    )


def fill_bar_args(plotter) -> dict:
    """Scalar-bar settings of the fill fraction (pipes and manholes)."""
    return _bar_args(plotter, "Fill d/D, h/H\n", 0.55)


def water_bar_args(plotter) -> dict:
    """Scalar-bar settings of the surface water depth [m]."""
    return _bar_args(plotter, "Water depth [m]\n", 0.12)


def choose_vertical_exaggeration(width_m: float, relief_m: float) -> float:
    """Vertical exaggeration that makes a town's relief readable: ``width / relief / 8``.

    Parameters
    ----------
    width_m : float
        Largest horizontal extent of the scene [m].
    relief_m : float
        Highest ground minus lowest invert [m].

    Returns
    -------
    float
        Between 1 and 50 (1 for a scene that is already as tall as it is wide).
    """
    relief_m = max(float(relief_m), 0.5)
    return float(np.clip(width_m / relief_m / 8.0, 1.0, 50.0))


def frame_camera(plotter, bounds, direction=(1.0, -1.0, 0.9), zoom: float = 1.0) -> None:
    """Oblique view from the south-east framing ``bounds`` (xmin, xmax, ymin, ymax, zmin, zmax).

    The view looks towards the north-west and down; ``bounds`` are in scene units
    (metres horizontally, exaggerated metres vertically).
    """
    b = np.asarray(bounds, dtype=np.float64)
    centre = np.array([(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2])
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    radius = 0.5 * np.linalg.norm(b[1::2] - b[0::2])
    cam = plotter.camera
    cam.focal_point = tuple(centre)
    cam.position = tuple(centre + d * max(radius, 1.0) * 3.0)
    cam.up = (0.0, 0.0, 1.0)
    plotter.reset_camera(bounds=tuple(b))
    if zoom != 1.0:
        cam.zoom(zoom)


@contextlib.contextmanager
def quiet_vtk():
    """Silence VTK's console chatter (e.g. "bad X server connection") while rendering.

    VTK writes that warning through its logger when it falls back from X to an
    off-screen context; users must not see it.  Errors are still shown.
    """
    from vtkmodules.vtkCommonCore import vtkLogger, vtkObject

    previous = vtkLogger.GetCurrentVerbosityCutoff()
    warn = vtkObject.GetGlobalWarningDisplay()
    vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
    vtkObject.GlobalWarningDisplayOff()
    try:
        yield
    finally:
        vtkLogger.SetStderrVerbosity(previous)
        vtkObject.SetGlobalWarningDisplay(warn)
