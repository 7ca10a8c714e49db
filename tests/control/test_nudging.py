"""Nudging keeps the controller's twin on the track of a plant whose truth it does not
know: EPA SWMM runs the town with 30 % more rain than the gauges measured."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.control.nudging import Nudger, storage_area_m2
from twin.control.plants import SwmmPlant
from twin.control.truth import perturbed_truth
from twin.engine.simulation import Simulation
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario

pytestmark = pytest.mark.swmm


def test_storage_area_of_functional_and_tabular_units():
    net = load_network("rtc")
    assert storage_area_m2(net, net.nodes.index_of()["WW_PS"], 1.0) == pytest.approx(200.0)
    ex = load_network("example")  # ST1: 150 + 30 d^0.5; ST2: table (0, 40) (2, 50) (5, 70)
    idx = ex.nodes.index_of()
    assert storage_area_m2(ex, idx["ST1"], 4.0) == pytest.approx(150.0 + 30.0 * 2.0)
    assert storage_area_m2(ex, idx["ST2"], 1.0) == pytest.approx(45.0)
    assert storage_area_m2(ex, idx["ST2"], 3.5) == pytest.approx(60.0)


def test_nudged_twin_tracks_the_plant_levels_better_than_the_open_loop_twin():
    storm = Scenario.design("huff2", depth_mm=45, duration_min=40, step_min=5)
    truth = storm.replace(time_shift_min=10, tail_hours=0.4).apply(load_network("rtc"))
    model = dataclasses.replace(truth, controls="")
    wetter = perturbed_truth(model, rain_factor=1.3, roughness_sigma=0.0)
    plant = SwmmPlant(wetter)
    try:
        nodes = [model.nodes.index_of()[n] for n in ("TANK_A", "WW_PS")]
        nudger = Nudger(model, nodes, tau_s=120.0)
        nudged, open_loop = Simulation(model), Simulation(model)
        err_nudged, err_open = [], []
        t = 0.0
        while not plant.finished and t < 4200.0:
            t = plant.advance_to(t + 60.0)
            when = model_time(nudged, t)
            nudged.advance_to(when)
            open_loop.advance_to(when)
            obs = nudger.read(plant)
            nudger.update(nudged, obs, 60.0)
            err_nudged.append([nudged.nodes[n].depth for n in nodes] - obs)
            err_open.append([open_loop.nodes[n].depth for n in nodes] - obs)
    finally:
        plant.close()
    rms_n = np.sqrt(np.mean(np.square(err_nudged), axis=0))
    rms_o = np.sqrt(np.mean(np.square(err_open), axis=0))
    # the open-loop twin misses the extra rain; the nudged one follows the sensors
    assert np.all(rms_o > 0.05)
    assert np.all(rms_n < 0.5 * rms_o)
    assert nudger.volume_m3 > 0.0  # it added water: the plant had more than the twin


def model_time(sim, t_s):
    return sim.opts.start + np.timedelta64(int(round(t_s * 1000)), "ms")
