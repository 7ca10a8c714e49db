"""Synthetic municipal district: a street-grid town with designed sewers, as SWMM 5.2 input.

>>> text = district_inp_text(conduits=60, seed=3)
>>> text.startswith("[TITLE]")
True

The generator is deterministic: the same arguments give the same bytes.  All
randomness comes from ``numpy.random.default_rng(seed)``, drawn in a fixed order
(block sizes, land uses, terrain), and every number is printed with a fixed
number of decimals.  The pieces:

* :mod:`~twin.networks.district_layout` -- streets, manholes, drainage tree, blocks;
* :mod:`~twin.networks.terrain` -- the ground (:class:`TerrainSpec`) and its DEM;
* :mod:`~twin.networks.district_sizing` -- rational-method pipe design;
* :mod:`~twin.networks.district_inp` -- structures and the ``.inp`` text.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.limits import CLI_RANGES
from twin.networks.district_layout import FIRST_STREET_Y_M, DistrictLayout, make_layout
from twin.networks.district_sizing import DesignRules, SewerDesign, design_sewers
from twin.networks.terrain import TerrainSpec, elevation_at, make_terrain, write_terrain

__all__ = [
    "DistrictDesign",
    "District",
    "build_district",
    "district_inp_text",
    "generate_district",
    "write_district",
]

BANK_Y_M = -20.0  # outfalls sit on the river bank
RIVER_Y_M = -110.0  # river centre line
RIVER_DEPTH_M = 2.5  # river bed below the river stage


@dataclass(frozen=True)
class DistrictDesign:
    """Design choices of a district that are not drawn at random.

    Attributes
    ----------
    cover_m : float
        Minimum soil cover over pipe crowns.
    infiltration : str
        ``"HORTON"`` or ``"GREEN_AMPT"``.
    tidal : bool
        River outfalls follow a tide curve (TIDAL) instead of a fixed stage.
    storm_depth_mm : float
        Depth of the 2-hour design storm (Huff third quartile, 5-min steps; its
        peak intensity is 1.35 x depth per hour, ~100 mm/h for 75 mm).
    routing_step_s, duration_h : float
        SWMM routing step and simulated time.
    terrain_cell_m : float
        DEM cell size written by :func:`write_district`.
    idf_a, idf_b, idf_n, inlet_time_min : float
        Design IDF ``i = a / (t^n + b)`` [mm/h, t in min] and inlet time.
    """

    cover_m: float = 1.2
    infiltration: str = "HORTON"
    tidal: bool = False
    storm_depth_mm: float = 75.0
    routing_step_s: float = 2.0
    duration_h: float = 4.0
    terrain_cell_m: float = 10.0
    idf_a: float = 2160.0
    idf_b: float = 9.4
    idf_n: float = 0.7
    inlet_time_min: float = 7.0

    def rules(self) -> DesignRules:
        return DesignRules(
            idf_a=self.idf_a,
            idf_b=self.idf_b,
            idf_n=self.idf_n,
            inlet_time_min=self.inlet_time_min,
            cover_m=self.cover_m,
        )


@dataclass
class District:
    """Everything the generator decided, before it is written as text."""

    conduits: int
    seed: int
    structures: bool
    design: DistrictDesign
    layout: DistrictLayout
    terrain: TerrainSpec
    ground_m: np.ndarray  # (n,) rim elevation of each manhole
    sewers: SewerDesign
    outfall_xy: np.ndarray  # (n_trunks, 2) river outfall of each trunk
    outfall_ground_m: np.ndarray  # (n_trunks,)
    river_stage_m: float
    pumped_trunk: int  # trunk in the polder (lifted by the pumping station)
    cso_trunk: int  # trunk with the CSO weir at its outlet
    tank_node: int  # manhole replaced by the storage tank


def _design_from(kwargs: dict) -> DistrictDesign:
    names = {f.name for f in fields(DistrictDesign)}
    bad = sorted(set(kwargs) - names)
    if bad:
        raise InputError(f"unknown district design option(s) {bad}; known: {sorted(names)}")
    d = DistrictDesign(**kwargs)
    if d.infiltration.upper() not in ("HORTON", "GREEN_AMPT"):
        raise InputError(f"infiltration must be HORTON or GREEN_AMPT, got {d.infiltration!r}")
    return replace(d, infiltration=d.infiltration.upper())


def _terrain_spec(layout: DistrictLayout, rng: np.random.Generator) -> TerrainSpec:
    x0, x1, _y0, y1 = layout.extent
    fall_y = float(rng.uniform(0.006, 0.015))
    fall_x = float(rng.uniform(-0.002, 0.002))
    base = float(rng.uniform(8.0, 25.0))
    waves = []
    for _ in range(2):
        lx = float(rng.uniform(700.0, 2500.0)) * rng.choice([-1.0, 1.0])
        ly = float(rng.uniform(700.0, 2500.0))
        amp = 0.2 * fall_y * min(abs(lx), ly) / (2.0 * np.pi)  # slope stays one-signed
        waves.append((amp, lx, ly, float(rng.uniform(0.0, 2.0 * np.pi))))
    px = float(layout.x[layout.outlet_ids[-1]])
    radius = 0.6 * float(np.mean(np.diff(layout.block_x)))
    polder = (px, FIRST_STREET_Y_M + 0.5 * radius, radius, 2.5)
    return TerrainSpec(
        x_min_m=x0,
        x_max_m=x1,
        y_max_m=y1,
        base_m=base,
        fall_y=fall_y,
        fall_x=fall_x,
        waves=tuple(waves),
        river_y_m=RIVER_Y_M,
        bank_y_m=BANK_Y_M,
        valley_depth_m=0.0,
        polder=polder,
    )


def build_district(conduits: int = 80, seed: int = 0, structures: bool = True, **design):
    """Lay out, design and place the structures of a district (see :class:`District`)."""
    low, high = CLI_RANGES["conduits"]
    if isinstance(conduits, bool) or not isinstance(conduits, numbers.Integral):
        raise InputError(f"expected a whole number, got {conduits!r}", field="conduits")
    if int(conduits) < 20:
        raise InputError(f"a district needs at least 20 conduits, got {conduits}")
    if int(conduits) > high:
        raise InputError(f"at most {high:,} conduits, got {conduits}", field="conduits")
    d = _design_from(design)
    rng = np.random.default_rng(seed)
    # the same town with and without structures (the tank orifice replaces one reach)
    layout = make_layout(int(conduits), rng, min_trunks=2)
    spec = _terrain_spec(layout, rng)
    ground = np.round(elevation_at(spec, layout.x, layout.y), 3)
    out_x = layout.x[layout.outlet_ids]
    out_xy = np.column_stack([out_x, np.full(len(out_x), BANK_Y_M)])
    out_ground = np.round(elevation_at(spec, out_xy[:, 0], out_xy[:, 1]), 3)
    down = layout.down
    dn = np.maximum(down, 0)
    length = np.where(
        down >= 0,
        np.hypot(layout.x[dn] - layout.x, layout.y[dn] - layout.y),
        layout.y - BANK_Y_M,
    )
    r = layout.rect
    area_ha = (r[:, 1] - r[:, 0]) * (r[:, 3] - r[:, 2]) / 1e4
    sewers = design_sewers(down, length, ground, area_ha, layout.imperv_pct, d.rules())

    pumped = len(layout.outlet_ids) - 1
    gravity = [t for t in range(len(layout.outlet_ids)) if t != pumped]
    out_inv = sewers.out_invert_m[layout.outlet_ids]
    stage = float(np.floor((out_inv[gravity].min() - 0.3) * 100.0) / 100.0)
    by_area = sorted(gravity, key=lambda t: (-sewers.area_ha[layout.outlet_ids[t]], t))
    cso = by_area[0]
    tank_trunk = by_area[1] if len(by_area) > 1 else cso
    tank_node = _tank_site(layout, sewers, tank_trunk)
    plane_at_river = spec.base_m + spec.fall_y * RIVER_Y_M
    valley = max(3.0, plane_at_river - (stage - RIVER_DEPTH_M))
    spec = replace(spec, valley_depth_m=round(valley, 3))
    return District(
        conduits=int(conduits),
        seed=int(seed),
        structures=bool(structures),
        design=d,
        layout=layout,
        terrain=spec,
        ground_m=ground,
        sewers=sewers,
        outfall_xy=out_xy,
        outfall_ground_m=out_ground,
        river_stage_m=stage,
        pumped_trunk=pumped,
        cso_trunk=cso,
        tank_node=tank_node,
    )


def _tank_site(layout: DistrictLayout, sewers: SewerDesign, trunk: int) -> int:
    """Trunk manhole draining about half of its trunk's area (not the outlet)."""
    total = sewers.area_ha[layout.outlet_ids[trunk]]
    cand = np.flatnonzero(layout.on_trunk & (layout.trunk == trunk) & (layout.down >= 0))
    if len(cand) == 0:
        cand = np.flatnonzero((layout.trunk == trunk) & (layout.down >= 0))
    k = np.argmin(np.abs(sewers.area_ha[cand] - 0.5 * total) + 1e-9 * cand)
    return int(cand[k])


def district_inp_text(conduits: int = 80, seed: int = 0, structures: bool = True, **design) -> str:
    """The SWMM 5.2 ``.inp`` text of a district (see :func:`generate_district`)."""
    from twin.networks.district_inp import format_district

    return format_district(build_district(conduits, seed, structures, **design))


def generate_district(conduits: int = 80, seed: int = 0, structures: bool = True, **design):
    """Generate a district and read it into a :class:`~twin.networks.model.Network`.

    Parameters
    ----------
    conduits : int
        Target number of conduits (the result lands within 10 %).
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    structures : bool
        Add a pumping station, a storage tank with its orifice and a CSO weir;
        ``False`` gives junctions, conduits, outfalls and subcatchments only.
    **design
        Fields of :class:`DistrictDesign`.
    """
    from twin.networks.inp_reader import read_inp_text

    text = district_inp_text(conduits, seed, structures, **design)
    return read_inp_text(text, source=f"district(conduits={conduits}, seed={seed})")


def district_paths(path, *, force: bool = False) -> tuple[Path, Path]:
    """The ``.inp`` path and its terrain ``<stem>.terrain.nc`` beside it, checked before
    any work (:func:`twin.files.check_output`): the name must end in ``.inp``; the
    terrain, which the caller did not name, may replace an existing file only when that
    is a sewer-twin terrain, or with ``force``."""
    from twin.files import check_output

    path = check_output(path, suffixes=(".inp",))
    terrain_path = path.with_name(path.stem + ".terrain.nc")
    check_output(terrain_path, named=False, force=force,
                 hint=f"it is the terrain written beside {path.name}")  # fmt: skip
    return path, terrain_path


def write_district(
    path, conduits: int = 80, seed: int = 0, structures: bool = True, *, force: bool = False,
    **design,
) -> tuple[Path, Path]:  # fmt: skip
    """Write a district's ``.inp`` and its DEM ``<stem>.terrain.nc`` beside it.

    Both paths are checked before the district is built (:func:`district_paths`;
    ``force`` replaces a terrain file that is not sewer-twin's), and both files are
    written whole or not at all (:func:`twin.files.write_text`).

    Returns
    -------
    (inp_path, terrain_path)
    """
    from twin.files import write_text
    from twin.networks.district_inp import format_district

    path, terrain_path = district_paths(path, force=force)
    dist = build_district(conduits, seed, structures, **design)
    text = format_district(dist)
    dem = make_terrain(dist.terrain, cell_m=dist.design.terrain_cell_m)
    dem.attrs["network"] = path.name
    write_terrain(dem, terrain_path)
    write_text(path, text, encoding="ascii")
    return path, terrain_path
