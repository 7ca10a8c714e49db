"""Cross-section geometry (SWMM 5.2 ``xsect.c`` method): the public kernels.

The cross sections of a network are one bundle, :class:`XSects` (one entry per link,
and the shape tables); the kernels take it and a section's index: area, width,
hydraulic radius and section factor (:mod:`~twin.kernels.xsect.geometry`), their
inverses, critical and normal depth (:mod:`~twin.kernels.xsect.depths`).  The
parameters come from :func:`xsect_params`; :func:`section` makes the bundle of one
section.  Lengths ft, areas ft2, flows cfs, section factors ft^(8/3).

>>> from twin.kernels.codes import Shape
>>> xs = section(Shape.CIRCULAR, 2.0)
>>> round(area_at_depth(xs, 0, 1.0), 4)  # half full: pi/2
1.5708
"""

from twin.kernels.xsect.depths import area_at_sfactor, critical_depth, normal_depth
from twin.kernels.xsect.geometry import (
    area_at_depth,
    depth_at_area,
    hrad_at_area,
    hrad_at_depth,
    is_closed,
    sfactor_at_area,
    width_at_depth,
)
from twin.kernels.xsect.params import section, xsect_params
from twin.kernels.xsect.sections import XSects
from twin.kernels.xsect.slope import dsfactor_da
from twin.kernels.xsect.tables import N_STD, custom_shape_table, standard_tables

__all__ = [
    "N_STD",
    "XSects",
    "area_at_depth",
    "area_at_sfactor",
    "critical_depth",
    "custom_shape_table",
    "depth_at_area",
    "dsfactor_da",
    "hrad_at_area",
    "hrad_at_depth",
    "is_closed",
    "normal_depth",
    "section",
    "sfactor_at_area",
    "standard_tables",
    "width_at_depth",
    "xsect_params",
]
