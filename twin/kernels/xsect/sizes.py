"""SWMM 5.2's standard sizes of elliptical and arch pipes (its ``xsect.dat``).

An [XSECTIONS] line of a HORIZ_ELLIPSE, VERT_ELLIPSE or ARCH conduit may give a standard
size code instead of dimensions (SWMM's ``xsect_setParams``): when Geom2 is 0, Geom1 is
the code; otherwise a Geom3 above 0 is.  The code selects a row of the tables below
(code 1 is the first), which give the full height and width and also the full area and
hydraulic radius SWMM uses for that pipe (not the values of the shape's formula).
Ellipses: 23 concrete sizes (ASTM C507); arches: 102 sizes (concrete, corrugated steel
2-2/3 x 1/2 and 3 x 1 inch, structural plate with 19 and 31 inch corner radii).  Plain
numpy: lengths in inches as SWMM tabulates them, areas ft2, radii ft.
"""

import numpy as np

from twin.kernels.codes import Shape

# fmt: off
#: Ellipses, by code: minor axis [in]
ELLIPSE_MINOR_IN = np.array([
    14, 19, 22, 24, 27, 29, 32, 34, 38, 43, 48, 53,
    58, 63, 68, 72, 77, 82, 87, 92, 97, 106, 116,
])
#: Ellipses, by code: major axis [in]
ELLIPSE_MAJOR_IN = np.array([
    23, 30, 34, 38, 42, 45, 49, 53, 60, 68, 76, 83,
    91, 98, 106, 113, 121, 128, 136, 143, 151, 166, 180,
])
#: Ellipses, by code: full area [ft2]
ELLIPSE_AFULL_FT2 = np.array([
    1.80, 3.30, 4.10, 5.10, 6.30, 7.40, 8.80, 10.20, 12.90, 16.60, 20.50, 24.80,
    29.50, 34.60, 40.10, 46.10, 52.40, 59.20, 66.40, 74.00, 82.00, 99.20, 118.60,
])
#: Ellipses, by code: full hydraulic radius [ft]
ELLIPSE_RFULL_FT = np.array([
    0.367, 0.490, 0.546, 0.613, 0.686, 0.736, 0.812, 0.875, 0.969, 1.106, 1.229, 1.352,
    1.475, 1.598, 1.721, 1.845, 1.967, 2.091, 2.215, 2.340, 2.461, 2.707, 2.968,
])
#: Arches, by code: full height (rise) [in]
ARCH_YFULL_IN = np.array([
    11, 13.5, 15.5, 18, 22.5, 26.625, 31.3125, 36, 40, 45, 54, 62,
    72, 77.5, 87.125, 96.875, 106.5, 13, 15, 18, 20, 24, 29, 33,
    38, 43, 47, 52, 57, 31, 36, 41, 46, 51, 55, 59,
    63, 67, 71, 75, 79, 83, 87, 91, 55, 57, 59, 61,
    63, 65, 67, 69, 71, 73, 75, 77, 79, 81, 83, 85,
    87, 89, 91, 93, 95, 97, 100, 101, 103, 105, 107, 109,
    111, 113, 115, 118, 119, 121, 112, 114, 116, 118, 120, 122,
    124, 126, 128, 130, 132, 134, 136, 138, 140, 142, 144, 146,
    148, 150, 152, 154, 156, 158,
])
#: Arches, by code: maximum width (span) [in]
ARCH_WMAX_IN = np.array([
    18, 22, 26, 28.5, 36.25, 43.75, 51.125, 58.5, 65, 73, 88, 102,
    115, 122, 138, 154, 168.75, 17, 21, 24, 28, 35, 42, 49,
    57, 64, 71, 77, 83, 40, 46, 53, 60, 66, 73, 81,
    87, 95, 103, 112, 117, 128, 137, 142, 73, 76, 81, 84,
    87, 92, 95, 98, 103, 106, 112, 114, 117, 123, 128, 131,
    137, 139, 142, 148, 150, 152, 154, 161, 167, 169, 171, 178,
    184, 186, 188, 190, 197, 199, 159, 162, 168, 170, 173, 179,
    184, 187, 190, 195, 198, 204, 206, 209, 215, 217, 223, 225,
    231, 234, 236, 239, 245, 247,
])
#: Arches, by code: full area [ft2]
ARCH_AFULL_FT2 = np.array([
    1.1, 1.65, 2.2, 2.8, 4.4, 6.4, 8.8, 11.4, 14.3, 17.7, 25.6, 34.6,
    44.5, 51.7, 66, 81.8, 99.1, 1.1, 1.6, 2.2, 2.9, 4.5, 6.5, 8.9,
    11.6, 14.7, 18.1, 21.9, 26, 7, 9.4, 12.3, 15.6, 19.3, 23.2, 27.4,
    32.1, 37, 42.4, 48, 54.2, 60.5, 67.4, 74.5, 22, 24, 26, 28,
    31, 33, 35, 38, 40, 43, 46, 49, 52, 55, 58, 61,
    64, 67, 71, 74, 78, 81, 85, 89, 93, 97, 101, 105,
    109, 113, 118, 122, 126, 131, 97, 102, 105, 109, 114, 118,
    123, 127, 132, 137, 142, 146, 151, 157, 161, 167, 172, 177,
    182, 188, 194, 200, 205, 211,
])
#: Arches, by code: full hydraulic radius [ft]
ARCH_RFULL_FT = np.array([
    0.25, 0.3, 0.36, 0.45, 0.56, 0.68, 0.8, 0.9, 1.01, 1.13, 1.35, 1.57,
    1.77, 1.92, 2.17, 2.42, 2.65, 0.324, 0.374, 0.449, 0.499, 0.598, 0.723, 0.823,
    0.947, 1.072, 1.171, 1.296, 1.421, 0.773, 0.773, 1.022, 1.147, 1.271, 1.371, 1.471,
    1.570, 1.670, 1.770, 1.869, 1.969, 2.069, 2.168, 2.268, 1.371, 1.421, 1.471, 1.520,
    1.570, 1.620, 1.670, 1.720, 1.770, 1.820, 1.869, 1.919, 1.969, 2.019, 2.069, 2.119,
    2.168, 2.218, 2.268, 2.318, 2.368, 2.418, 2.493, 2.517, 2.567, 2.617, 2.667, 2.717,
    2.767, 2.817, 2.866, 2.941, 2.966, 3.016, 2.792, 2.841, 2.891, 2.941, 2.991, 3.041,
    3.091, 3.141, 3.190, 3.240, 3.290, 3.340, 3.390, 3.440, 3.490, 3.539, 3.589, 3.639,
    3.689, 3.739, 3.789, 3.838, 3.888, 3.938,
])
# fmt: on

#: Shapes that take a standard size code, and how many codes each has
N_SIZE_CODES = {
    Shape.HORIZ_ELLIPSE: len(ELLIPSE_MINOR_IN),
    Shape.VERT_ELLIPSE: len(ELLIPSE_MINOR_IN),
    Shape.ARCH: len(ARCH_YFULL_IN),
}


def size_code(shape, g1: float, g2: float, g3: float) -> float:
    """The standard size code an [XSECTIONS] line gives, or 0 for none (SWMM's rule:
    Geom1 when Geom2 is 0, else Geom3 when it is above 0)."""
    if Shape(int(shape)) not in N_SIZE_CODES:
        return 0.0
    code = g1 if g2 == 0.0 else g3
    return float(code) if code > 0.0 else 0.0


def standard_size(shape, code: float) -> tuple[float, float, float, float]:
    """Full height [ft], maximum width [ft], full area [ft2] and full hydraulic radius
    [ft] of a standard pipe, as SWMM 5.2 takes them from its tables.

    Parameters
    ----------
    shape : Shape
        HORIZ_ELLIPSE, VERT_ELLIPSE or ARCH.
    code : float
        The size code (1-23 for ellipses, 1-102 for arches; SWMM truncates a fraction).

    Raises
    ------
    ValueError
        For a code outside the table (SWMM refuses the line) or another shape.
    """
    shape = Shape(int(shape))
    if shape not in N_SIZE_CODES:
        raise ValueError(f"{shape.name} takes no standard size code")
    index = int(np.floor(code)) - 1
    if not 0 <= index < N_SIZE_CODES[shape]:
        raise ValueError(
            f"{shape.name}: standard size code must be 1-{N_SIZE_CODES[shape]}, got {code:g}"
        )
    if shape == Shape.ARCH:
        height, width = ARCH_YFULL_IN[index], ARCH_WMAX_IN[index]
        area, radius = ARCH_AFULL_FT2[index], ARCH_RFULL_FT[index]
    else:
        minor, major = ELLIPSE_MINOR_IN[index], ELLIPSE_MAJOR_IN[index]
        height, width = (minor, major) if shape == Shape.HORIZ_ELLIPSE else (major, minor)
        area, radius = ELLIPSE_AFULL_FT2[index], ELLIPSE_RFULL_FT[index]
    return float(height) / 12.0, float(width) / 12.0, float(area), float(radius)
