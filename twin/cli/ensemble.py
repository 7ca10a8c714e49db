"""`twin scenarios` and `twin ensemble`."""

from __future__ import annotations

import click

import twin
from twin.cli import announce_compile, cli
from twin.errors import InputError, TwinError
from twin.report.continuity import DEFAULT_LIMIT_PERCENT

DEFAULT_OUTPUT = "ens.nc"


@cli.command("scenarios")
def scenarios_cmd():
    """List the bundled scenario files and the design-storm presets."""
    from twin.scenarios import PRESETS
    from twin.scenarios.scenario import bundled_scenarios

    for name, sc in bundled_scenarios().items():
        click.echo(f"{name:<24} {sc.description}")
    for name, p in sorted(PRESETS.items()):
        click.echo(f"preset:{name:<17} {p['description']}")


@cli.command("ensemble")
@click.argument("network", default="default")
@click.argument("scenario", required=False)
@click.option(
    "-n", "--members", type=click.IntRange(min=1), default=4, show_default=True, help="Members."
)
@click.option(
    "--generator",
    default="perturb",
    show_default=True,
    type=click.Choice(["perturb", "identical", "return-period", "duration", "radar", "failures"]),
)
@click.option(
    "--max-failed",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="failures: elements out of service at once.",
)
@click.option(
    "--blocked-links",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="failures: also block this many of the largest conduits.",
)
@click.option("--surface", is_flag=True, help="Couple every member to the 2D street surface.")
@click.option(
    "--surface-threshold",
    type=float,
    default=0.1,
    show_default=True,
    help="Max surface depth [m] above which a cell counts as flooded.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Perturbation seed."
)
@click.option("--scheduler", help="Dask scheduler address (or TWIN_SCHEDULER); 'serial'.")
@click.option(
    "--batch", type=click.IntRange(min=1), help="Members per batched chunk (one Dask task)."
)
@click.option("--end-hours", type=float, help="Stop after this many simulated hours.")
@click.option(
    "--threshold",
    type=float,
    default=0.0,
    show_default=True,
    help="Flood volume [m3] above which a node counts as flooded.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Results file.  [default: ens.nc]"
)
@click.option(
    "--max-continuity-error", type=click.FloatRange(min=0.0), default=DEFAULT_LIMIT_PERCENT,
    show_default=True, metavar="PERCENT",
    help="Exit 1 (results still written, marked) when a member's continuity error exceeds this.",
)  # fmt: skip
@click.option(
    "--lockstep", is_flag=True,
    help="Step each chunk's members together (one step size, members innermost); "
    "networks of conduits only.",
)  # fmt: skip
@click.option(
    "--solver", type=click.Choice(["swmm", "newton"]), default="swmm", show_default=True,
    help="Dynamic wave by SWMM 5.2's Picard passes (members batched), or all node heads "
    "at once by Newton (members one after another in each chunk); a scenario's "
    "[simulation.options] solver overrides it.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace ens.nc even when it is not a twin result.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ensemble_cmd(network, scenario, members, generator, max_failed, blocked_links, surface,
                 surface_threshold, seed, scheduler, batch, end_hours, threshold, output,
                 max_continuity_error, lockstep, solver, force, quiet):  # fmt: skip
    """Run an ensemble of SCENARIO (a TOML file or bundled name) on NETWORK with Dask.

    The output (-o, default ens.nc, which replaces an existing file only when that is
    a twin result, or with --force) and the size of the work are checked before any
    member runs.
    """
    from twin.ensemble import members as gen
    from twin.files import check_output
    from twin.report.continuity import judge_member_continuity
    from twin.scenarios.scenario import Scenario, load_scenario

    if lockstep and solver == "newton":
        raise click.BadParameter(
            "lockstep runs SWMM's Picard scheme; newton members run one at a time",
            param_hint="'--lockstep' with '--solver newton'",
        )
    out = check_output(output or DEFAULT_OUTPUT, suffixes=(".nc", ".zarr"),
                       named=output is not None, force=force,
                       store=str(output or "").lower().endswith(".zarr"),
                       hint="it is the default output; -o names it")  # fmt: skip
    sc = load_scenario(scenario) if scenario else Scenario.preset("seoul-100mmh")
    if generator in ("perturb", "identical"):
        _check_members(network, sc, members, end_hours, quiet)
    if generator == "perturb":
        mem = gen.perturbed_forecast(sc, members, seed=seed)
    elif generator == "identical":
        mem = gen.identical(sc, members)
    elif generator == "return-period":
        mem = gen.return_period_sweep(sc)
    elif generator == "duration":
        mem = gen.duration_sweep(sc)
    elif generator == "failures":
        mem = gen.failure_combinations(sc, twin.load_network(network), max_failed=max_failed,
                                       blocked_links=blocked_links)  # fmt: skip
    else:
        if sc.source != "radar":
            raise InputError("--generator radar needs a radar scenario", field="rainfall.source")
        mem = gen.radar_members(sc._resolve(sc.rainfall["path"]), sc, sc.rainfall.get("variable"))
    opts = {"end_hours": end_hours} if end_hours is not None else {}
    announce_compile()
    ens = twin.run_ensemble(network, mem, scheduler=scheduler, progress=not quiet,
                            flood_threshold_m3=threshold, surface=surface or None,
                            surface_threshold_m=surface_threshold, batch=batch,
                            lockstep=lockstep, solver=solver, **opts)  # fmt: skip
    failure = judge_member_continuity(ens, max_continuity_error)
    path = twin.write_results(ens, out)
    failed = int(ens.attrs.get("n_members_failed", 0))
    p = ens["node_flood_probability"].values
    click.echo(f"members: {ens.sizes['member']} ({failed} failed); nodes with flood "
               f"probability > 0: {int((p > 0).sum())}")  # fmt: skip
    if "surface_flood_probability" in ens:
        sp = ens["surface_flood_probability"].values
        click.echo(f"surface cells flooded in any member: {int((sp > 0).sum())}")
    click.echo(f"results: {path}")
    if failure:
        raise TwinError(
            f"{failure} (--max-continuity-error {max_continuity_error:g}); the results are "
            f"in {path}, marked continuity_check = failed"
        )


def _check_members(network, sc, members, end_hours, quiet) -> None:
    """Refuse ``-n`` beyond bounds before the members are made; print a large estimate."""
    from twin.engine.simulation import run_options
    from twin.engine.workload import check_work, estimate_work

    net = sc.apply(twin.load_network(network))
    opts = run_options(net, **({"end_hours": end_hours} if end_hours is not None else {}))
    work = estimate_work(net, opts, members=members)
    try:
        check_work(work, members_field="-n/--members")
    except InputError as exc:
        raise click.BadParameter(f"{members}: {exc.message}", param_hint="'-n/--members'"
                                 ) from None  # fmt: skip
    if work.is_large() and not quiet:
        click.echo(f"twin: large ensemble: {work.describe()}", err=True)
