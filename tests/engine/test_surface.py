"""The Surface driver: analytic overland cases, coupling bookkeeping, input checks."""

import numpy as np
import pytest
import xarray as xr

from twin.engine.surface import Surface
from twin.errors import InputError


def _dem(z, d=2.0, y_descending=False):
    ny, nx = z.shape
    x = (np.arange(nx) + 0.5) * d
    y = (np.arange(ny) + 0.5) * d
    if y_descending:
        y, z = y[::-1], z[::-1]
    return xr.DataArray(z, dims=("y", "x"), coords={"y": y, "x": x}, name="elevation")


def test_sheet_flow_on_a_plane_reaches_manning_normal_depth():
    length, d, slope, n = 100.0, 2.0, 0.01, 0.03
    rain = 50.0 / 1000.0 / 3600.0  # 50 mm/h
    x = (np.arange(int(length / d)) + 0.5) * d
    z = np.tile(slope * (length - x), (4, 1))
    s = Surface(_dem(z, d), n, boundary={"east": "free"})
    for _ in range(40):  # 40 min; the kinematic equilibrium time is about 11 min
        s.advance(60.0, rain_mps=rain)
    before = s.boundary_outflow_m3
    s.advance(60.0, rain_mps=rain)
    q_unit = rain * length
    h_normal = (q_unit * n / np.sqrt(slope)) ** 0.6
    h_end = s.depth.values[:, -1]
    assert np.all(np.abs(h_end / h_normal - 1.0) < 0.02)
    # steady: what falls on the plane leaves it
    rain_in = rain * 60.0 * z.size * d * d
    assert (s.boundary_outflow_m3 - before) == pytest.approx(rain_in, rel=0.005)
    assert abs(s.mass_balance_error_m3) < 1e-9 * s.rain_volume_m3


def test_closed_basin_filled_by_a_point_source_conserves_volume():
    xx, yy = np.meshgrid(np.arange(30.0), np.arange(25.0))
    z = 0.01 * (xx - 12.0) ** 2 + 0.02 * (yy - 14.0) ** 2 - 0.2 * np.cos(xx / 3.0)
    s = Surface(_dem(z, 1.5), 0.02, node_x=[10.0], node_y=[20.0])
    for _ in range(20):
        s.advance(30.0, [0.2])
    added = 0.2 * 600.0
    assert s.source_volume_m3 == pytest.approx(added, rel=1e-12)
    assert abs(s.volume_m3() - added) / added < 1e-10
    assert s.boundary_outflow_m3 == 0.0
    assert s.depth.values.min() >= 0.0
    assert s.flooded_area_m2(0.01) > 50 * 1.5 * 1.5


def test_fixed_level_edge_fills_a_basin_to_that_level():
    xx, yy = np.meshgrid(np.arange(20.0), np.arange(12.0))
    z = 0.2 + 0.1 * np.sin(xx / 2.0) * np.cos(yy / 3.0)
    # rough ground (n = 0.1) damps the seiche that the filling starts
    s = Surface(_dem(z, 2.0), 0.1, boundary={"west": 0.5})
    for _ in range(60):
        s.advance(30.0)
    eta = z + s.depth.values
    np.testing.assert_allclose(eta, 0.5, atol=1e-3)
    assert s.boundary_outflow_m3 < 0  # water came in
    assert abs(s.mass_balance_error_m3) < 1e-9 * s.volume_m3()


def test_manhole_drains_a_pond_and_the_cell_never_goes_negative():
    z = np.zeros((5, 5))
    s = Surface(
        _dem(z, 2.0),
        0.03,
        initial_depth_m=0.3,
        node_x=[5.0],
        node_y=[5.0],
        node_area_m2=1.0,
        node_rim_m=0.0,
    )
    total_q = 0.0
    for _ in range(600):
        q = s.exchange([-2.0], 1.0)  # pipe head below the rim: free weir
        assert s.exchange_regime[0] in (0, 1)
        assert q[0] * 1.0 <= s.depth.values[2, 2] * s.cell_area_m2 + 1e-12
        s.advance(1.0, -q)
        total_q += q[0] * 1.0
        assert s.depth.values.min() >= 0.0
    assert total_q > 0.9 * 0.3 * 25 * 4.0  # most of the pond went down the manhole
    assert s.source_volume_m3 == pytest.approx(-total_q, rel=1e-12)
    assert abs(s.mass_balance_error_m3) < 1e-10 * s.initial_volume_m3


def test_node_overflow_spreads_and_is_counted():
    z = np.zeros((10, 12))
    s = Surface(_dem(z), 0.03, node_x=[5.0, 13.0], node_y=[5.0, 9.0])
    s.advance(120.0, [0.05, 0.0])
    assert s.source_volume_m3 == pytest.approx(6.0, rel=1e-12)
    assert s.volume_m3() == pytest.approx(6.0, rel=1e-12)
    assert s.max_depth.values.max() >= s.depth.values.max() > 0


def test_map_edges_follow_the_coordinates_not_the_array_order():
    ny, nx = 20, 6
    y = (np.arange(ny) + 0.5) * 2.0
    z = np.tile((0.02 * (40.0 - y))[:, None], (1, nx))  # falls towards the north (high y)
    up = Surface(_dem(z), 0.03, boundary={"north": "free"})
    down = Surface(_dem(z, y_descending=True), 0.03, boundary={"north": "free"})
    for s in (up, down):
        s.advance(600.0, rain_mps=1e-5)
    assert up.boundary_outflow_m3 > 0
    assert up.boundary_outflow_m3 == pytest.approx(down.boundary_outflow_m3, rel=1e-12)
    a = up.depth
    b = down.depth.sortby("y")
    np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=1e-15)


def test_buildings_stay_dry_and_block_flow():
    z = np.zeros((12, 12))
    walls = np.zeros_like(z, dtype=bool)
    walls[:6, 6] = True  # a wall across the domain: buildings ...
    z[6:, 6] = np.nan  # ... and no-data cells
    h0 = np.zeros_like(z)
    h0[:, :3] = 0.5
    s = Surface(_dem(z), 0.03, buildings=walls, initial_depth_m=h0)
    s.advance(300.0, rain_mps=1e-5)
    d = s.depth.values
    assert np.all(d[:, 6] == 0.0)
    # behind the wall only the rain: 1e-5 m/s for 300 s
    np.testing.assert_allclose(d[:, 7:], 3e-3, rtol=1e-9)
    assert abs(s.mass_balance_error_m3) < 1e-10 * s.volume_m3()


def test_input_errors_are_named():
    z = np.zeros((5, 6))
    dem = _dem(z)
    with pytest.raises(InputError, match="outside the DEM"):
        Surface(dem, node_x=[100.0], node_y=[1.0])
    walls = np.zeros_like(z, dtype=bool)
    walls[0, 0] = True
    with pytest.raises(InputError, match="blocked"):
        Surface(dem, buildings=walls, node_x=[1.0], node_y=[1.0])
    bad = dem.assign_coords(x=[0.0, 1.0, 2.0, 4.0, 5.0, 6.0])
    with pytest.raises(InputError, match="regular"):
        Surface(bad)
    with pytest.raises(InputError, match="boundary"):
        Surface(dem, boundary={"up": "free"})
    s = Surface(dem)
    with pytest.raises(InputError, match="rain"):
        s.advance(1.0, rain_mps=-1.0)
    with pytest.raises(InputError, match="manning"):
        Surface(dem, manning_n=0.0)


def test_kernel_types_are_what_the_first_exchange_and_advance_compile():
    """The types compiled ahead of a run's first flood (twin.kernels.ahead) are the ones
    the surface's calls use: after compiling them, the calls compile nothing more."""
    z = np.zeros((6, 8))
    s = Surface(_dem(z), 0.03, node_x=[5.0, 13.0], node_y=[5.0, 9.0])
    kernels = s.kernel_types()
    assert set(kernels) == {"exchange", "stable_step", "overland"}
    for kernel, types in kernels.values():
        kernel.compile(types)
    counts = {name: len(k.overloads) for name, (k, _) in kernels.items()}
    q = s.exchange(np.array([0.5, 0.5]), 10.0)
    s.advance(10.0, np.array([0.2, 0.0]) - q)
    assert {name: len(k.overloads) for name, (k, _) in kernels.items()} == counts
    assert s.volume_m3() > 0.0
