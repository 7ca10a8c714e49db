"""`twin run`: the main job (simulate, report, write, render)."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

import twin
from twin.cli import announce_compile, cli

DEFAULT_SCENARIO = "seoul-100mmh"


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
@click.option("--render/--no-render", default=True, show_default=True, help="Render a PNG.")
@click.option("--image", type=click.Path(dir_okay=False), help="Where the PNG goes.")
@click.option("--quiet", is_flag=True, help="No progress bar and no report.")
def run_cmd(
    network, scenario, output, report_step, routing_step, end_hours, surface, threads, render,
    image, quiet,
):  # fmt: skip
    """Simulate NETWORK, print the summary, write NetCDF and render a PNG.

    NETWORK is a bundled name (`twin networks`) or a SWMM .inp file; it runs under
    its own rainfall unless --scenario is given. With no NETWORK this is the main
    job: the bundled default network under the default scenario (Seoul's 100 mm/h
    design storm) with the 2D street surface, so the render shows where the
    streets flood and how deep.
    """
    from twin.report import print_report

    main_job = network is None
    network = network or "default"
    if main_job:
        scenario = scenario or DEFAULT_SCENARIO
        surface = True if surface is None else surface
    net = twin.load_network(network)
    stem = Path(net.source).stem if net.source else str(network)
    if scenario:
        from twin.scenarios import load_scenario

        sc = load_scenario(scenario)
        net = sc.apply(net)
        stem = f"{stem}-{sc.name}"
    out = Path(output) if output else Path("twin-output") / f"{stem}.nc"
    opts = {}
    if report_step is not None:
        opts["report_step_s"] = report_step
    if routing_step is not None:
        opts["routing_step_s"] = routing_step
    if end_hours is not None:
        opts["end_hours"] = end_hours
    if surface:
        opts["surface"] = True
    if threads is not None:
        opts["threads"] = threads
    announce_compile()
    ds = _simulate_with_progress(net, opts, quiet)
    if scenario:
        ds.attrs["scenario"] = sc.name
    out.parent.mkdir(parents=True, exist_ok=True)
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

        png = Path(image) if image else out.with_suffix(".png")
        terrain = load_terrain_for(network)
        click.echo(f"render:  {render_png(ds, png, terrain=terrain)}")


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
    warnings.warn(f"render skipped: {why}", UserWarning, stacklevel=2)
    return False


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
