"""Ensembles with ``solver="newton"``: members run as newton Simulations, one after another.

Each newton member equals its own ``twin.simulate(..., solver="newton")`` run bit for
bit (in the same chunk as a member that keeps SWMM's scheme); a loopback Dask cluster
gives what the in-process run gives; two members agree with EPA SWMM 5.2 run on the
same perturbed members' ``.inp`` files (the suite's check,
:func:`twin.validation.with_swmm.judge`); a network the Newton solver refuses is refused
before any member runs, with ``twin run --solver newton``'s line and exit 2.

Small on purpose: small-conduits (its own 4 h window), 2-3 members.  Cut to 1 h the
window ends mid-storm and SWMM's own routing continuity error reaches -2.1 % on
member p001; newton's -1.8 % then misses the suite's "within 0.1 point of SWMM's"
(more water kept, not less): benchmarks/results/newton/ensemble-notes.md.
"""

import numpy as np
import pytest

import twin
from twin.bench.cases import Case
from twin.bench.ensemble import bench_members, write_member_inputs
from twin.cli import main
from twin.ensemble import Member, run_ensemble
from twin.errors import InputError

PER_RUN = ["node_depth", "link_flow", "node_flooding", "node_flood_volume", "node_max_depth",
           "link_max_capacity", "subcatchment_runoff"]  # fmt: skip


@pytest.fixture(scope="module")
def inp(tmp_path_factory):
    """small-conduits, every element saved (as the ensemble benchmark writes its input)."""
    return Case("small-conduits", "small-conduits", duration_h=None).prepare(
        tmp_path_factory.mktemp("newton-ensemble")
    )


@pytest.fixture(scope="module")
def members():
    """Perturbed forecasts of the network's own rainfall, as the benchmark makes them."""
    return bench_members(2, seed=3)


@pytest.fixture(scope="module")
def serial(inp, members):
    # a third member keeps SWMM's scheme by its own options, in the same chunk
    swmm_one = Member("swmm-one", members[0].scenario, options={"solver": "swmm"})
    return run_ensemble(str(inp), [*members, swmm_one], solver="newton", scheduler="serial",
                        progress=False, summary=False)  # fmt: skip


def test_newton_members_equal_their_own_runs(inp, members, serial):
    net = twin.load_network(str(inp))
    assert np.all(serial["member_status"].values == 0)
    for k, m in enumerate(members):
        own = twin.simulate(m.scenario.apply(net), solver="newton")
        assert own.attrs["solver"] == "newton"
        for v in PER_RUN:
            assert np.array_equal(serial[v].isel(member=k).values, own[v].values,
                                  equal_nan=True), (m.name, v)  # fmt: skip
    swmm_own = twin.simulate(members[0].scenario.apply(net))
    newton_first = serial["link_flow"].isel(member=0).values
    assert np.array_equal(serial["link_flow"].isel(member=2).values, swmm_own["link_flow"].values)
    assert not np.array_equal(newton_first, swmm_own["link_flow"].values)  # two solvers ran


def test_newton_ensemble_on_a_loopback_cluster_equals_the_serial_one(inp, members, serial):
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        ens = run_ensemble(str(inp), members, solver="newton", client=client, batch=1,
                           progress=False, summary=False)  # fmt: skip
    assert np.all(ens["member_status"].values == 0)
    for v in PER_RUN:
        assert np.array_equal(ens[v].values, serial[v].isel(member=slice(0, 2)).values,
                              equal_nan=True), v  # fmt: skip


@pytest.mark.swmm
def test_newton_members_agree_with_epa_swmm_on_their_inp_files(inp, members, serial, tmp_path):
    from twin.validation.swmm_run import run_swmm
    from twin.validation.with_swmm import judge

    files = write_member_inputs(inp, members, tmp_path)
    for k, path in enumerate(files):
        ours = serial.isel(member=k).load()
        key = "flow_routing_continuity_error_percent"  # each member's own, not the first's
        ours.attrs[key] = float(serial[f"member_{key}"].values[k])
        verdict = judge(ours, run_swmm(path, workdir=tmp_path).load())
        assert verdict["n_links"] > 0 and verdict["n_times"] > 10
        assert verdict["agrees"], (members[k].name, verdict["failed"])


LOSSES = """[OPTIONS]
FLOW_UNITS CMS
FLOW_ROUTING DYNWAVE
START_DATE 07/01/2020
START_TIME 00:00:00
END_DATE 07/01/2020
END_TIME 01:00:00
ROUTING_STEP 10
[JUNCTIONS]
J1 10 3 0 0 0
J2 9.8 3 0 0 0
[OUTFALLS]
O1 9 FREE NO
[CONDUITS]
C1 J1 J2 400 0.013 0 0 0 0
C2 J2 O1 400 0.013 0 0 0 0
[XSECTIONS]
C1 CIRCULAR 0.6 0 0 0 1
C2 CIRCULAR 0.6 0 0 0 1
[LOSSES]
C2 0 0 0 NO 20
[INFLOWS]
J1 FLOW HYD
[TIMESERIES]
HYD 0:00 0.01
HYD 1:00 0.1
"""


def test_a_network_newton_refuses_is_refused_before_any_member_runs(tmp_path, capsys):
    path = tmp_path / "seeping.inp"
    path.write_text(LOSSES)
    assert main(["run", str(path), "--solver", "newton", "--no-render", "--quiet",
                 "-o", str(tmp_path / "run.nc")]) == 2  # fmt: skip
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said.startswith("twin: error: solver='newton' does not route seepage") and "C2" in said
    out = tmp_path / "ens.nc"
    assert main(["ensemble", str(path), "-n", "2", "--generator", "identical", "--solver",
                 "newton", "--scheduler", "serial", "--quiet", "-o", str(out)]) == 2  # fmt: skip
    assert capsys.readouterr().err.strip().splitlines()[-1] == said
    assert not out.exists()
    # the API too: raised (a member that ran would record it as its failure instead)
    with pytest.raises(InputError, match="does not route seepage"):
        run_ensemble(str(path), [Member("a"), Member("b", options={"progress": print})],
                     solver="newton", scheduler="serial", progress=False)  # fmt: skip
    with pytest.raises(InputError, match="lockstep runs SWMM's Picard scheme"):
        run_ensemble(str(path), 2, solver="newton", lockstep=True, scheduler="serial",
                     progress=False)  # fmt: skip


def test_a_member_batch_refuses_to_route_a_newton_member(inp):
    """Its kernels are SWMM's scheme: a newton member in one would be routed by them.
    It may live in the batch's rows (the watch steps it itself), but the batch does not
    route it: the member fails with the reason, the others run."""
    from twin.engine.batch import MemberBatch

    net = twin.load_network(str(inp))
    batch = MemberBatch([(net, {"solver": "newton", "end_hours": 0.1}),
                         (net, {"end_hours": 0.1})])  # fmt: skip
    assert batch.sims[0] is not None and batch.sims[0].router.newton is not None
    (s0, e0, d0), (s1, e1, d1) = batch.run()
    assert s0 == 1 and d0 is None and "solver='newton' members run" in e0
    assert s1 == 0 and d1 is not None and batch.sims[1].finished
