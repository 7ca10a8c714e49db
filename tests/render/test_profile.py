"""Long sections: the path, its geometry and water levels, the picture and the GIF.

A real run of the bundled ``small`` district (pumping station, tank behind an orifice,
CSO weir) under Gangnam's 212 mm storm, which floods the manholes above the tank.  The
path from MH000046 to the outfall OF01 runs through the tank and its orifice.  The
table is checked against the network walked by hand (the one link leaving each node
downstream), the network's own inverts, offsets and lengths, and the result's
variables; pictures are measured by colour (water blue, flood markers red).
"""

from __future__ import annotations

import warnings

import imageio.v3 as iio
import numpy as np
import pytest

import twin
from twin.cli import main
from twin.errors import InputError
from twin.render.profile import NOMINAL_LENGTH_FRACTION, profile_table
from twin.render.profile_plot import FLOOD, WATER, animate_profile, plot_profile
from twin.scenarios import load_scenario

TOP, BOTTOM = "MH000046", "OF01"


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small")


@pytest.fixture(scope="module")
def ds(net):
    storm = load_scenario("gangnam-212mm-3h")
    return twin.simulate(storm.apply(net), end_hours=2.0, report_step_s=600)


def _walk_down(net, start, stop):
    """Follow the conduit leaving each node downstream (the district's pipes are a tree;
    a node with a weir or orifice beside its conduit has one outgoing conduit)."""
    names, links = list(net.nodes.name), []
    node = names.index(start)
    while names[node] != stop:
        out = np.flatnonzero(net.links.from_node == node)
        conduits = [j for j in out if net.links.kind[j] == 0]
        (j,) = conduits if conduits else out  # the tank drains through its orifice only
        links.append(int(j))
        node = int(net.links.to_node[j])
    return links


def test_the_path_is_the_way_down_with_the_networks_geometry(ds, net):
    t = profile_table(ds, TOP, BOTTOM, network=net)
    links = _walk_down(net, TOP, BOTTOM)
    assert list(t["link"].iloc[:-1]) == [net.links.name[j] for j in links]
    nodes = [net.nodes.name[net.links.from_node[j]] for j in links] + [BOTTOM]
    assert list(t["node"]) == nodes and not t["reversed"].any()
    inv = net.nodes.invert_m
    a, b = net.offsets_above_invert()
    for i, j in enumerate(links):
        assert t["link_start_invert_m"].iat[i] == pytest.approx(inv[net.links.from_node[j]] + a[j])
        assert t["link_end_invert_m"].iat[i] == pytest.approx(inv[net.links.to_node[j]] + b[j])
    conduit = np.array([net.links.kind[j] == 0 for j in links])
    lengths = np.array([net.links.length_m[j] for j in links])
    steps = np.diff(t["distance_m"].to_numpy())
    np.testing.assert_allclose(steps[conduit], lengths[conduit])
    nominal = NOMINAL_LENGTH_FRACTION * np.median(lengths[conduit])
    assert (~conduit).sum() == 1 and steps[~conduit] == pytest.approx(nominal)  # the orifice
    assert "orifice" in set(t["link_kind"]) and "storage" in set(t["kind"])


def test_levels_and_marks_come_from_the_results(ds):
    t = profile_table(ds, TOP, BOTTOM)
    sel = {"node": list(t["node"])}
    np.testing.assert_array_equal(t["max_head_m"], ds["node_max_head"].sel(sel).values)
    np.testing.assert_array_equal(t["head_m"], t["max_head_m"])
    flooded = ds["node_flood_volume"].sel(sel).values > 0
    np.testing.assert_array_equal(t["flooded"], flooded)
    assert flooded[:3].all() and not flooded[-1]  # the upper manholes flood, the outfall not
    when = ds["time"].values[8]
    at = profile_table(ds, TOP, BOTTOM, time=str(when)[:19])
    head = ds["node_head"].sel(sel).sel(time=when).values
    np.testing.assert_array_equal(at["head_m"], head)
    np.testing.assert_array_equal(at["surcharged"], head > ds["node_crown"].sel(sel).values)
    np.testing.assert_array_equal(at["flooded"], ds["node_flooding"].sel(sel).sel(time=when) > 0)
    assert at.attrs["time"] == str(when)[:19]


def test_upstream_walk_is_the_same_path_reversed(ds):
    down, up = profile_table(ds, TOP, BOTTOM), profile_table(ds, BOTTOM, TOP)
    assert list(up["node"]) == list(down["node"])[::-1]
    assert up["reversed"].iloc[:-1].all()
    np.testing.assert_allclose(up["link_start_invert_m"].iloc[:-1],
                               down["link_end_invert_m"].iloc[:-1][::-1])  # fmt: skip


def test_without_the_network_pipes_sit_on_the_inverts_with_a_warning(ds):
    lost = ds.assign_attrs(source="/nowhere/gone.inp")
    with pytest.warns(UserWarning, match="offsets unknown"):
        t = profile_table(lost, TOP, BOTTOM)
    np.testing.assert_array_equal(t["link_start_invert_m"].iloc[:-1], t["invert_m"].iloc[:-1])


@pytest.mark.parametrize(
    ("a", "b", "time", "match"),
    [
        ("NOPE", BOTTOM, "max", "no node named 'NOPE'"),
        (TOP, "NOPE", "max", "no node named 'NOPE'"),
        (TOP, TOP, "max", "same node"),
        (TOP, "OF_PS", "max", "no path"),  # the pumping station drains apart
        (TOP, BOTTOM, "2030-01-01", "not in the run"),
        (TOP, BOTTOM, "noon", "expected 'max' or a time"),
    ],
)
def test_bad_requests_are_input_errors(ds, a, b, time, match):
    with pytest.raises(InputError, match=match):
        profile_table(ds, a, b, time=time)


def _share(image, colour, tol=40) -> float:
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    return float((np.abs(image[..., :3].astype(int) - rgb).sum(axis=-1) < tol).mean())


def test_picture_shows_water_and_the_flooded_manholes(ds, tmp_path):
    peak = iio.imread(plot_profile(ds, TOP, BOTTOM, tmp_path / "max.png"))
    early = iio.imread(plot_profile(ds, TOP, BOTTOM, tmp_path / "t1.png",
                                    time=str(ds["time"].values[1])[:19]))  # fmt: skip
    assert peak.shape[0] > 400 and peak.shape[1] > 1000
    assert _share(peak, FLOOD) > 5 * _share(early, FLOOD)  # markers only where it floods
    assert _share(peak, WATER, tol=120) > _share(early, WATER, tol=120)


def test_gif_has_a_frame_per_report_time(ds, tmp_path):
    out = animate_profile(ds, TOP, BOTTOM, tmp_path / "p.gif", every=3)
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == len(range(0, ds.sizes["time"], 3))
    water = [_share(f, WATER, tol=120) for f in frames]
    assert max(water) > water[0]  # the water rises during the storm


def test_cli_draws_and_refuses_in_one_line(ds, tmp_path, capsys):
    path = twin.write_results(ds, tmp_path / "r.nc")
    png = tmp_path / "p.png"
    assert main(["profile", str(path), "--from", TOP, "--to", BOTTOM, "-o", str(png)]) == 0
    assert png.stat().st_size > 20_000
    capsys.readouterr()
    (tmp_path / "plain").write_text("a file where a folder would be made")
    for args in (
        ["--from", "NOPE", "--to", BOTTOM, "-o", str(tmp_path / "x.png")],
        ["--from", TOP, "--to", "OF_PS", "-o", str(tmp_path / "x.png")],
        ["--from", TOP, "--to", BOTTOM, "-o", str(tmp_path / "plain" / "x.png")],
        ["--from", TOP, "--to", BOTTOM, "--gif", "-o", str(tmp_path / "x.png")],
    ):
        assert main(["profile", str(path), *args]) == 2
        err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(err) == 1 and err[0].startswith("twin: error:"), err
    assert not list(tmp_path.glob("x.*")) and (tmp_path / "plain").is_file()


def test_python_api_returns_the_table(ds, tmp_path):
    path = twin.write_results(ds, tmp_path / "r.nc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the file names its own network: no warning
        t = twin.profile(path, TOP, BOTTOM)
    assert list(t["node"])[0] == TOP and list(t["node"])[-1] == BOTTOM
