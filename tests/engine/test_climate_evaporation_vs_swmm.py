"""Evaporation from a climate file against EPA SWMM 5.2: [EVAPORATION] TEMPERATURE
(Hargreaves from the daily minimum and maximum temperatures, their 7-day moving average,
the latitude of [TEMPERATURE] SNOWMELT) and [EVAPORATION] FILE (the file's pan
evaporation times monthly pan coefficients), from a user-prepared file and from a
GHCN-Daily file, both written by the test.

``evaporation_climate.inp``: a catchment whose depression storage and a storage pond dry
out over ten dry days after a storm.  Compared: the pond's depth hydrograph, the runoff
continuity's evaporation loss (SWMM prints it to 0.001 acre-ft, 1.2 m3) and the routing
continuity's (to 0.001 10^6 gal, 3.8 m3).

``evaporation_climate_si.inp``: the same in SI units (CMS), where SWMM reads a user file's
temperatures in C and its evaporation in mm/day, a GHCN-Daily file's values by default
in whole C and mm, and [ADJUSTMENTS] TEMPERATURE in C (routing losses printed to 0.001
10^6 ltr, 1 m3; runoff to 0.001 ha-m, 10 m3).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import twin
from twin.engine.climate import hargreaves
from twin.errors import InputError
from twin.validation.swmm_run import run_swmm

TEXT = (Path(__file__).parent / "data" / "evaporation_climate.inp").read_text()
MAX_RUNOFF_EVAP_DIFF_M3 = 10.0
#: SWMM prints the routing losses of a US model to 0.001 10^6 gal (3.785 m3): half of it
MAX_LOSS_DIFF_M3 = 0.5 * 0.001 * 3785.411784


def _days(t_mid=80, t_amp=10, spread=15, spread_amp=5, ev_mid=0.15, ev_amp=0.05):
    """June and July: (month, day, day number, Tmax, Tmin, pan evaporation), smooth
    waves around ``t_mid`` and ``ev_mid`` (defaults: US units, F and in/day)."""
    for m, nd in ((6, 30), (7, 31)):
        for d in range(1, nd + 1):
            k = (m - 6) * 30 + d
            tmax = t_mid + t_amp * math.sin(k / 3.0)
            tmin = tmax - spread - spread_amp * math.cos(k / 2.0)
            yield m, d, k, tmax, tmin, ev_mid + ev_amp * math.sin(k / 4.0)


def user_file() -> str:
    """Station, year, month, day, Tmax, Tmin [F], pan evaporation [in/day], wind; two
    missing maxima (``*``: the last value holds)."""
    return "".join(
        f"STA1 2022 {m} {d} {'*' if k in (5, 6) else f'{tx:.1f}'} {tn:.1f} {ev:.3f} 5\n"
        for m, d, k, tx, tn, ev in _days()
    )


def _ghcnd_text(days) -> str:
    """NCDC GHCN-Daily text of ``days``: (month, day, TMAX, TMIN, EVAP) as integers."""
    head = f"{'STATION':<18}{'STATION_NAME':<51}{'DATE':<9}{'TMAX':<9}{'TMIN':<9}EVAP\n"
    rows = [head, "-" * 17 + " " + "-" * 50 + " " + " ".join(["-" * 8] * 4) + "\n"]
    for m, d, tx, tn, ev in days:
        rows.append(f"{'GHCND:USC00000001':<18}{'TEST':<51}2022{m:02d}{d:02d} "
                    f"{tx:<8d} {tn:<8d} {ev:<8d}\n")  # fmt: skip
    return "".join(rows)


def ghcnd_file() -> str:
    """NCDC GHCN-Daily text: TMAX, TMIN in tenths of C, EVAP in tenths of mm."""

    def c10(t):
        return round((t - 32.0) * 5.0 / 9.0 * 10.0)

    return _ghcnd_text(
        (m, d, c10(tx), c10(tn), round(ev * 254.0)) for m, d, _k, tx, tn, ev in _days()
    )


TEXT_SI = (Path(__file__).parent / "data" / "evaporation_climate_si.inp").read_text()
#: half of what SWMM prints for each unit system (0.001 10^6 gal or 10^6 ltr), and ours
MAX_LOSS_DIFF_M3 = {"US": MAX_LOSS_DIFF_M3, "SI": 0.5 * 0.001 * 1000.0 + 0.1}


def _days_si():
    """The days in SI: C and mm/day."""
    return _days(t_mid=27, t_amp=6, spread=8, spread_amp=3, ev_mid=4.0, ev_amp=1.2)


def user_file_si() -> str:
    """The user format in SI: Tmax, Tmin [C], pan evaporation [mm/day]; two missing maxima."""
    return "".join(
        f"STA1 2022 {m} {d} {'*' if k in (5, 6) else f'{tx:.1f}'} {tn:.1f} {ev:.2f} 5\n"
        for m, d, k, tx, tn, ev in _days_si()
    )


def ghcnd_file_si() -> str:
    """GHCN-Daily text in whole C and mm (what SWMM assumes in SI without a units word)."""
    return _ghcnd_text(
        (m, d, round(tx), round(tn), round(ev)) for m, d, _k, tx, tn, ev in _days_si()
    )


CASES = {
    "temperature-user": ("TEMPERATURE", user_file(), '"clim.txt"'),
    "temperature-ghcnd": ("TEMPERATURE", ghcnd_file(), '"clim.txt" * C10'),
    "file-ghcnd-pan": ("FILE 0.7 0.7 0.7 0.7 0.7 0.75 0.8 0.8 0.7 0.7 0.7 0.7", ghcnd_file(),
                       '"clim.txt" * C10'),
    "si-temperature-user": ("TEMPERATURE", user_file_si(), '"clim.txt"'),
    "si-temperature-ghcnd": ("TEMPERATURE", ghcnd_file_si(), '"clim.txt"'),
    "si-file-user-pan": ("FILE 0.7 0.7 0.7 0.7 0.7 0.75 0.8 0.8 0.7 0.7 0.7 0.7",
                         user_file_si(), '"clim.txt"'),
}  # fmt: skip


@pytest.mark.swmm
@pytest.mark.parametrize("case", list(CASES))
def test_climate_file_evaporation_agrees_with_swmm(case, tmp_path):
    evap, climate, file_line = CASES[case]
    (tmp_path / "clim.txt").write_text(climate)
    si = case.startswith("si-")
    text = (TEXT_SI if si else TEXT).replace("[EVAPORATION]\nTEMPERATURE\n",
                                             f"[EVAPORATION]\n{evap}\n")  # fmt: skip
    text = text.replace('FILE "clim_user.txt"', f"FILE {file_line}")
    path = tmp_path / "evap.inp"
    path.write_text(text)
    ours, ref = twin.simulate(twin.load_network(path)), run_swmm(path)
    assert ref.attrs["routing_evaporation_m3"] > 50.0
    assert twin.load_network(path).unit_system == ("SI" if si else "US")
    a = ours["node_depth"].sel(node="POND").values
    b = ref["node_depth"].sel(node="POND").values
    n = min(len(a), len(b))
    assert np.abs(a[:n] - b[:n]).max() <= 1e-4  # m
    runoff = abs(ours.attrs["runoff_evaporation_m3"] - ref.attrs["runoff_evaporation_m3"])
    assert runoff <= MAX_RUNOFF_EVAP_DIFF_M3
    routing = abs(ours.attrs["routing_evaporation_m3"] - ref.attrs["routing_evaporation_m3"])
    assert routing <= MAX_LOSS_DIFF_M3["SI" if si else "US"]


def test_hargreaves_is_swmms_formula():
    """FAO-56's Hargreaves with SWMM's constants: 25 C mean, 12 C range, 37.5 N on day 172
    (in mm/day; 1/25.4 of it in in/day)."""
    ta, tr = 25.0, 12.0
    phi, dl = math.radians(37.5), 0.4093 * math.sin(2 * math.pi / 365 * (284 + 172))
    om = math.acos(-math.tan(phi) * math.tan(dl))
    ra = (
        37.6
        * (1 + 0.033 * math.cos(2 * math.pi / 365 * 172))
        * (om * math.sin(phi) * math.sin(dl) + math.cos(phi) * math.cos(dl) * math.sin(om))
    )
    e = 0.0023 * ra / (2.50 - 0.002361 * ta) * math.sqrt(tr) * (ta + 17.8)
    t_f, r_f = ta * 9 / 5 + 32, tr * 9 / 5
    assert hargreaves(172, t_f, r_f, 37.5, True) == pytest.approx(e, rel=1e-12)
    assert hargreaves(172, t_f, r_f, 37.5, False) == pytest.approx(e / 25.4, rel=1e-12)
    assert 5.0 < e < 8.0


def test_old_ncdc_formats_are_refused_by_name(tmp_path):
    record = "DLY" + "04143950TMAXF2022060" + "9999" + "0" * 40  # TD-3200: "9999" at 24
    assert record[23:27] == "9999"
    (tmp_path / "clim.txt").write_text(record + "\n")
    path = tmp_path / "evap.inp"
    path.write_text(TEXT.replace('FILE "clim_user.txt"', 'FILE "clim.txt"'))
    with pytest.raises(InputError, match="TD3200 format"):
        twin.simulate(twin.load_network(path))


def test_temperature_evaporation_needs_a_climate_file(tmp_path):
    path = tmp_path / "evap.inp"
    path.write_text(TEXT.replace('FILE "clim_user.txt"\n', ""))
    with pytest.raises(InputError, match="needs a climate file"):
        twin.simulate(twin.load_network(path))
