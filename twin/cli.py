"""The ``twin`` command: a thin layer that parses arguments, calls the API and prints.

Every failure the user can cause prints one line ``twin: error: ...`` and exits
non-zero (2 for bad input, 1 for a failed simulation), never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import twin
from twin.errors import InputError, TwinError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(twin.__version__, prog_name="twin")
def cli():
    """sewer-twin: a digital twin of municipal sewer systems for preemptive flood prevention.

    Run `twin run` to simulate, report and render the bundled default network.
    """


@cli.command("networks")
def networks_cmd():
    """List the bundled networks."""
    from twin.networks.catalog import list_networks

    for e in list_networks():
        click.echo(f"{e.name:18s} {e.description}")


@cli.command("info")
@click.argument("network", default="default")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info_cmd(network, as_json):
    """Counts, lengths, areas and elevations of NETWORK (a name or an .inp file)."""
    from twin.networks.summary import network_summary

    s = network_summary(twin.load_network(network))
    if as_json:
        click.echo(json.dumps(s, default=float))
        return
    for key, value in s.items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for k, v in value.items():
                click.echo(f"  {k:24s} {v}")
        else:
            click.echo(f"{key:26s} {value}")


@cli.command("check")
@click.argument("network", default="default")
def check_cmd(network):
    """Structural warnings: unreachable outfalls, disconnected parts, adverse slopes..."""
    from twin.networks.check import check_network

    findings = check_network(twin.load_network(network))
    for f in findings:
        click.echo(f"{f.severity:8s} {f.kind} {f.name}: {f.message}")
    click.echo(f"{len(findings)} finding(s)")


@cli.group("generate")
def generate_cmd():
    """Generate synthetic networks."""


@generate_cmd.command("district")
@click.option("--conduits", type=int, default=80, show_default=True, help="Target conduits.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--no-structures", is_flag=True, help="Conduits, junctions and outfalls only.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def generate_district_cmd(conduits, seed, no_structures, output):
    """A street-grid town with dendritic sewers, its terrain beside it (.terrain.nc)."""
    from twin.networks.district import write_district

    inp, terrain = write_district(
        output, conduits=conduits, seed=seed, structures=not no_structures
    )
    click.echo(f"wrote {inp} and {terrain}")


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
    if render:
        from twin.networks.catalog import load_terrain_for
        from twin.render import render as render_png

        png = Path(image) if image else out.with_suffix(".png")
        terrain = load_terrain_for(network)
        click.echo(f"render:  {render_png(ds, png, terrain=terrain)}")


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


@cli.command("report")
@click.argument("results", type=click.Path())
@click.option(
    "--top", type=click.IntRange(min=1), default=20, show_default=True, help="Rows per table."
)
def report_cmd(results, top):
    """Print the SWMM-style summary of a results file."""
    from twin.report import print_report

    print_report(twin.open_results(results), top=top)


@cli.command("render")
@click.argument("results", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), help=".png, .gif, .mp4, .html")
@click.option(
    "--time",
    "when",
    default="max",
    show_default=True,
    help="'max' or a report-time index (negative: from the end, -1 the last).",
)
@click.option("--network", help="Network name or .inp (for its terrain).")
@click.option("--member", help="Ensemble member to show (label or position).")
@click.option("--quantile", type=float, help="Ensemble quantile to show, 0..1 (default median).")
def render_cmd(results, output, when, network, member, quantile):
    """Render a results file in 3D (off-screen)."""
    from twin.networks.catalog import load_terrain_for
    from twin.render import export_html, render, render_animation

    ds = twin.open_results(results)
    terrain = load_terrain_for(network or ds.attrs.get("source") or "default")
    out = Path(output) if output else Path(results).with_suffix(".png")
    suffix = out.suffix.lower()
    if member is not None and member.isdigit() and "member" in ds.coords:
        member = member if member in [str(v) for v in ds["member"].values] else int(member)
    pick = {"member": member, "quantile": quantile}
    if suffix in (".gif", ".mp4"):
        path = render_animation(ds, out, terrain=terrain, **pick)
    elif suffix == ".html":
        path = export_html(ds, out, terrain=terrain, **pick)
    else:
        when = when if when == "max" else _time_index(when)
        path = render(ds, out, terrain=terrain, time=when, **pick)
    click.echo(f"render: {path}")


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
@click.option("-n", "--members", type=int, default=4, show_default=True, help="Members.")
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
    "-o", "--output", type=click.Path(dir_okay=False), default="ens.nc", show_default=True
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ensemble_cmd(network, scenario, members, generator, max_failed, blocked_links, surface,
                 surface_threshold, seed, scheduler, batch, end_hours, threshold, output,
                 quiet):  # fmt: skip
    """Run an ensemble of SCENARIO (a TOML file or bundled name) on NETWORK with Dask."""
    from twin.ensemble import members as gen
    from twin.scenarios.scenario import Scenario, load_scenario

    sc = load_scenario(scenario) if scenario else Scenario.preset("seoul-100mmh")
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
    ens = twin.run_ensemble(network, mem, scheduler=scheduler, progress=not quiet,
                            flood_threshold_m3=threshold, surface=surface or None,
                            surface_threshold_m=surface_threshold, batch=batch,
                            **opts)  # fmt: skip
    path = twin.write_results(ens, output)
    failed = int(ens.attrs.get("n_members_failed", 0))
    p = ens["node_flood_probability"].values
    click.echo(f"members: {ens.sizes['member']} ({failed} failed); nodes with flood "
               f"probability > 0: {int((p > 0).sum())}")  # fmt: skip
    if "surface_flood_probability" in ens:
        sp = ens["surface_flood_probability"].values
        click.echo(f"surface cells flooded in any member: {int((sp > 0).sum())}")
    click.echo(f"results: {path}")


@cli.command("bench")
@click.option("--quick", is_flag=True, help="Small cases, one repetition (about 2 minutes).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--cases", "case_names", multiple=True, metavar="NAMES",
    help="Cases to run, comma-separated or repeated; default: the quick/full set.",
)  # fmt: skip
@click.option("--repeats", type=int, help="Alternating (SWMM, twin) runs per case.")
@click.option("--cases-only", is_flag=True, help="Skip compile, 2D surface and ensemble runs.")
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Also write JSON here.")
def bench_cmd(quick, as_json, case_names, repeats, cases_only, output):
    """Time twin against EPA SWMM 5.2 on this machine (needs swmm-toolkit)."""
    import importlib.util
    import tempfile

    if importlib.util.find_spec("swmm") is None:
        raise TwinError("twin bench needs EPA SWMM: pip install 'sewer-twin[bench]'")

    from twin.bench import run_suite
    from twin.bench.report import markdown_table, to_json, write_json

    def log(msg):
        click.echo(msg, err=True)

    names = [n.strip() for item in case_names for n in item.split(",") if n.strip()]
    extras = not cases_only
    with tempfile.TemporaryDirectory(prefix="twin-bench-") as workdir:
        doc = run_suite(names or None, workdir, quick=quick, repeats=repeats, log=log,
                        compile=extras, surface=extras, ensemble=extras)  # fmt: skip
    if output:
        log(f"results: {write_json(doc, output)}")
    click.echo(to_json(doc, indent=None) if as_json else markdown_table(doc))


def _time_index(when: str) -> int:
    """``--time``: a whole number (report-time index), else a usage error (exit 2)."""
    try:
        return int(when)
    except ValueError:
        raise click.BadParameter(f"expected 'max' or a whole number, got {when!r}",
                                 param_hint="'--time'") from None  # fmt: skip


def main(argv=None) -> int:
    """Entry point of the ``twin`` console script."""
    try:
        cli.main(args=argv, prog_name="twin", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"twin: error: {exc.format_message()}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("twin: error: aborted", err=True)
        return 1
    except InputError as exc:
        click.echo(f"twin: error: {exc}", err=True)
        return 2
    except TwinError as exc:
        click.echo(f"twin: error: {exc}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"twin: error: {exc}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
