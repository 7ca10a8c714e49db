"""`twin run`: the main job (simulate, report, write, render)."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

import twin
from twin.cli import announce_compile, cli
from twin.errors import InputError, TwinError, TwinWarning
from twin.report.continuity import DEFAULT_LIMIT_PERCENT

DEFAULT_SCENARIO = "seoul-100mmh"
DEFAULT_FOLDER = Path("twin-output")
RESULT_SUFFIXES = (".nc", ".zarr")


@cli.command("run")
@click.argument("network", required=False)
@click.option("--scenario", help="Scenario name (`twin scenarios`) or TOML file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Results NetCDF file.")
@click.option("--report-step", type=float, help="Report step [s].")
@click.option("--routing-step", type=float, help="Routing step [s].")
@click.option("--end-hours", type=float, help="Stop after this many simulated hours.")
@click.option(
    "--surface/--no-surface",
    default=None,
    help="Couple to 2D overland flow on the terrain (derived from rims if none).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=0),
    help="Routing threads, as SWMM's THREADS (0 = all cores; used from 2000 conduits).",
)
@click.option(
    "--solver",
    type=click.Choice(["swmm", "newton"]),
    default=None,
    help="Dynamic wave by SWMM 5.2's Picard passes (the default, unless the scenario's "
    "[simulation.options] say solver), or all node heads at once by Newton.",
)
@click.option("--render/--no-render", default=True, show_default=True, help="Render a PNG.")
@click.option("--image", type=click.Path(dir_okay=False), help="Where the PNG goes.")
@click.option(
    "--max-continuity-error", type=click.FloatRange(min=0.0), default=DEFAULT_LIMIT_PERCENT,
    show_default=True, metavar="PERCENT",
    help="Exit 1 (results still written, marked) when a continuity error exceeds this.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Also replace files not named (the PNG beside -o).")
@click.option("--quiet", is_flag=True, help="No progress bar and no report.")
@click.option(
    "-v", "--verbose", is_flag=True,
    help="Show the log too (as `twin -v run`); with --solver newton, what limited its steps.",
)  # fmt: skip
def run_cmd(
    network, scenario, output, report_step, routing_step, end_hours, surface, threads, solver,
    render, image, max_continuity_error, force, quiet, verbose,
):  # fmt: skip
    """Simulate NETWORK, print the summary, write NetCDF and render a PNG.

    NETWORK is a bundled name (`twin networks`) or a SWMM .inp file; it runs under
    its own rainfall unless --scenario is given. With no NETWORK this is the main
    job: the bundled default network under the default scenario (Seoul's 100 mm/h
    design storm) with the 2D street surface, so the render shows where the
    streets flood and how deep.

    Outputs: -o FILE.nc (default twin-output/NETWORK-SCENARIO.nc) and the PNG beside
    it (or --image). Missing folders are created; an existing file that is not a
    regular file is refused; the PNG beside -o replaces an existing file only when
    that is an earlier twin render (or with --force). All of this is checked before
    the simulation starts.
    """
    from twin.files import safe_file_name
    from twin.kernels import ahead

    # a cold start: the helper that compiles the routing step ahead starts now (it
    # imports while this process reads the network), and this process imports what it
    # writes and renders with while it waits for that step (twin.kernels.ahead)
    ahead.prestart()
    ahead.while_waiting(lambda: _import_for_later(render))
    if verbose:
        from twin.cli._console import set_verbose

        set_verbose(True)
    from twin.report import print_report
    from twin.report.continuity import judge_continuity

    main_job = network is None
    network = network or "default"
    if main_job:
        scenario = scenario or DEFAULT_SCENARIO
        surface = True if surface is None else surface
    out = _check_path(output, RESULT_SUFFIXES, force, "-o/--output") if output else None
    png = _check_path(image, (".png",), force, "--image") if image and render else None
    net = twin.load_network(network)
    stem = safe_file_name(Path(net.source).stem if net.source else str(network))
    if scenario:
        from twin.scenarios import load_scenario

        sc = load_scenario(scenario)
        net = sc.apply(net)
        stem = f"{stem}-{safe_file_name(sc.name)}"
    # the scenario's [simulation.options] (checked when it was read), then the flags given
    opts = dict(sc.options) if scenario else {}
    if report_step is not None:
        opts["report_step_s"] = report_step
    if routing_step is not None:
        opts["routing_step_s"] = routing_step
    if end_hours is not None:
        opts["end_hours"] = end_hours
    if threads is not None:
        opts["threads"] = threads
    if solver is not None:
        opts["solver"] = solver
    _check_work(net, opts, report_step, routing_step, quiet)
    if out is None:  # the default: the twin's own folder, a name made safe
        out = _check_path(DEFAULT_FOLDER / f"{stem}.nc", RESULT_SUFFIXES, force, None)
    if render and png is None:
        png = _check_path(out.with_suffix(".png"), (".png",), force, None,
                          hint=f"it is the render beside {out.name}; --image names it, "
                          "--no-render skips it")  # fmt: skip
    if surface:
        opts["surface"] = True
    announce_compile()
    ds = _simulate_with_progress(net, opts, quiet)
    if scenario:
        ds.attrs["scenario"] = sc.name
    failure = judge_continuity(ds, max_continuity_error)
    path = twin.write_results(ds, out)
    if not quiet:
        print_report(ds, top=10)
    if surface:
        area = float(ds["surface_flooded_area"].max()) if ds.sizes["time"] else 0.0
        click.echo(
            f"surface: max flooded area {area:,.0f} m2, max depth "
            f"{float(ds['surface_max_depth'].max()):.3f} m, system continuity error "
            f"{ds.attrs['system_continuity_error_percent']:.3f} %"
        )
    click.echo(f"results: {path}")
    if render and _can_render(ds):
        from twin.networks.catalog import load_terrain_for
        from twin.render import render as render_png

        terrain = load_terrain_for(network)
        click.echo(f"render:  {render_png(ds, png, terrain=terrain)}")
    if failure:
        raise TwinError(
            f"{failure} (--max-continuity-error {max_continuity_error:g}); the results "
            f"are in {path}, marked continuity_check = failed"
        )


def _check_path(path, suffixes, force, option, hint=""):
    """An output path checked before the work (:func:`twin.files.check_output`);
    ``option`` is the option that named it (None: a default or companion file)."""
    from twin.files import check_output

    return check_output(Path(path), suffixes=suffixes, named=option is not None, force=force,
                        store=Path(path).suffix.lower() == ".zarr", hint=hint)  # fmt: skip


#: SimOptions fields and the options of `twin run` that set them
_FLAGS = {
    "routing_step_s": "--routing-step",
    "report_step_s": "--report-step",
    "end_hours": "--end-hours",
    "threads": "--threads",
}


def _check_work(net, opts, report_step, routing_step, quiet) -> None:
    """Refuse a run beyond bounds before it starts, in the words the user used; print
    the estimate of a large one."""
    from twin.engine.simulation import run_options
    from twin.engine.workload import check_work, estimate_work

    try:
        sim_opts = run_options(net, **opts)
    except InputError as exc:  # a step or a length out of its range (twin.limits)
        flag = _FLAGS.get(exc.field)
        if flag is None:
            raise
        raise click.BadParameter(exc.message, param_hint=f"'{flag}'") from None
    work = estimate_work(net, sim_opts)
    if report_step is not None and work.report_times < 1:
        raise click.BadParameter(
            f"{report_step:g} s is longer than the run ({sim_opts.duration_s:g} s from the "
            "report start): the results would have no report times",
            param_hint="'--report-step'",
        )
    try:
        check_work(work, step_field="--routing-step", report_field="--report-step")
    except InputError as exc:
        given = {"--routing-step": routing_step, "--report-step": report_step}.get(exc.field)
        if given is None:
            raise
        raise click.BadParameter(f"{given:g} s: {exc.message}", param_hint=f"'{exc.field}'"
                                 ) from None  # fmt: skip
    if work.is_large() and not quiet:
        click.echo(f"twin: large run: {work.describe()}", err=True)


def _can_render(ds) -> bool:
    """Whether every node has map coordinates; if not, say once why there is no picture."""
    import numpy as np

    x = np.asarray(ds["node_x"].values, np.float64)
    y = np.asarray(ds["node_y"].values, np.float64)
    missing = int((~(np.isfinite(x) & np.isfinite(y))).sum())
    if not missing:
        return True
    why = (
        "no node has map coordinates ([COORDINATES] is empty)"
        if missing == len(x)
        else f"{missing} of {len(x)} nodes have no map coordinates in [COORDINATES]"
    )
    warnings.warn(f"render skipped: {why}", TwinWarning, stacklevel=2)
    return False


def _import_for_later(render: bool) -> None:
    """Import the modules that writing the results (xarray's NetCDF writer asks dask
    for its scheduler) and the render use."""
    import importlib

    names = ["h5netcdf", "dask.distributed"]
    if render:
        names += ["twin.render.scene", "twin.render.style"]
    for name in names:
        importlib.import_module(name)


def _simulate_with_progress(net, opts, quiet):
    if quiet:
        return twin.simulate(net, **opts)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("simulating"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("run", total=1.0)

        def progress(t, total):
            bar.update(task, completed=t / total if total else 1.0)

        return twin.simulate(net, progress=progress, **opts)
