"""`twin run` and `twin ensemble` judge what they computed and refuse work without bounds.

* A continuity error above --max-continuity-error (5 %) ends with exit 1 naming the
  worst nodes; the results are written all the same, marked; --quiet never hides it.
* A routing step of 1e-12 s, a report step of 1e308 s or 1e-6 s, a hundred million
  members: refused before anything runs, naming the option and the value given.
* A run that blows up says so in SI, in the words of the input.
"""

from __future__ import annotations

import twin
from tests.cli.test_outputs import one_error_line, twin_cli


def _bad_continuity_network(tmp_path):
    """small-conduits with a fixed 60 s routing step: far too long for its short pipes
    (flow routing continuity about -200 %)."""
    net = twin.load_network("small-conduits")
    net.options["VARIABLE_STEP"] = "0"
    net.options["ROUTING_STEP"] = "0:01:00"
    path = tmp_path / "coarse.inp"
    net.to_inp(path)
    return path


def test_a_run_beyond_the_continuity_limit_fails_but_keeps_its_results(tmp_path):
    inp = _bad_continuity_network(tmp_path)
    out = tmp_path / "coarse.nc"
    r = twin_cli("run", inp, "--end-hours", "1", "--no-render", "--quiet", "-o", out)
    assert r.returncode == 1
    line = one_error_line(r)
    assert "flow routing continuity error" in line and "beyond the limit of 5 %" in line
    assert "worst nodes: MH0000" in line and "--max-continuity-error 5" in line
    assert f"results: {out}" in r.stdout  # written, so it can be looked at
    ds = twin.open_results(out)
    assert ds.attrs["continuity_check"].startswith("failed: flow routing continuity error")
    assert ds.attrs["continuity_limit_percent"] == 5.0
    assert abs(ds.attrs["flow_routing_continuity_error_percent"]) > 5.0
    r = twin_cli("run", inp, "--end-hours", "1", "--no-render", "--quiet", "-o", out,
                 "--max-continuity-error", "1000")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert twin.open_results(out).attrs["continuity_check"] == "passed"


def test_work_without_bounds_is_refused_before_it_starts(tmp_path):
    out = tmp_path / "x.nc"
    cases = [  # a step outside its own range, then steps in range but too much work
        (("run", "small", "--routing-step", "1e-12"), "'--routing-step': option must be >= 0.001"),
        (("run", "small", "--report-step", "1e308"), "'--report-step': option must be >= 1"),
        (("run", "small", "--routing-step", "0.001", "--end-hours", "87000"),
         "'--routing-step': 0.001 s: the run would take at least 313,200,000,000 routing steps"),
        (("run", "small", "--report-step", "1", "--end-hours", "87000"),
         "more memory than this machine has"),
        (("ensemble", "small", "-n", "100000000", "--scheduler", "serial"), "'-n/--members'"),
    ]  # fmt: skip
    for args, expected in cases:
        r = twin_cli(*args, "--quiet", "-o", out, timeout=120)
        assert r.returncode == 2 and expected in one_error_line(r), (args, r.stderr)
        assert not out.exists() and "results:" not in r.stdout


def test_a_blow_up_is_reported_in_metres(tmp_path):
    inp = tmp_path / "pond.inp"
    inp.write_text(POND)
    r = twin_cli("run", inp, "--no-render", "--quiet", "-o", tmp_path / "p.nc")
    assert r.returncode == 1
    line = one_error_line(r)
    assert "depth 318.661 m, more than 304.8 m above the node's top (2 m deep)" in line
    assert "at J1, 10.5 s after the start, step 2" in line and " ft" not in line


# a ponded manhole of 0.01 m2 fed 100 m3/s through a 0.1 m pipe: the pond's head runs away
POND = """[OPTIONS]
FLOW_UNITS CMS
FLOW_ROUTING DYNWAVE
ALLOW_PONDING YES
START_DATE 01/01/2024
START_TIME 00:00:00
END_DATE 01/01/2024
END_TIME 01:00:00
ROUTING_STEP 0:00:10
REPORT_STEP 0:05:00

[JUNCTIONS]
J1 10 2 0 0 0.01
J2 9 2 0 0 0

[OUTFALLS]
O1 8 FREE

[CONDUITS]
C1 J1 J2 100 0.013 0 0
C2 J2 O1 100 0.013 0 0

[XSECTIONS]
C1 CIRCULAR 0.1 0 0 0
C2 CIRCULAR 0.1 0 0 0

[INFLOWS]
J1 FLOW "" FLOW 1.0 1.0 100
"""


def test_a_scenarios_simulation_options_reach_twin_run_and_flags_win(tmp_path):
    """`twin run --scenario S.toml` runs with S's [simulation.options] (they were read
    and checked, then left out of the run until round 10); a flag given wins."""
    sc = tmp_path / "s.toml"
    sc.write_text('name = "opts"\n[rainfall]\nsource = "preset"\npreset = "seoul-100mmh"\n'
                  "[simulation]\ntail_hours = 0.5\n"
                  '[simulation.options]\nreport_step_s = 600.0\nsolver = "newton"\n')  # fmt: skip
    out = tmp_path / "a.nc"
    r = twin_cli("run", "small-conduits", "--scenario", sc, "--end-hours", "1", "--no-render",
                 "--quiet", "-o", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    ds = twin.open_results(out)
    step = (ds["time"].values[1] - ds["time"].values[0]).astype("timedelta64[s]").astype(int)
    assert step == 600 and ds.attrs["solver"] == "newton"
    out2 = tmp_path / "b.nc"
    r = twin_cli("run", "small-conduits", "--scenario", sc, "--end-hours", "1", "--no-render",
                 "--quiet", "--report-step", "300", "--solver", "swmm", "-o", out2)  # fmt: skip
    assert r.returncode == 0, r.stderr
    ds = twin.open_results(out2)
    step = (ds["time"].values[1] - ds["time"].values[0]).astype("timedelta64[s]").astype(int)
    assert step == 300 and ds.attrs["solver"] == "swmm"
