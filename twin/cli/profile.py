"""`twin profile`: the long section (hydraulic grade line) between two nodes of a result."""

from __future__ import annotations

from pathlib import Path

import click

import twin
from twin.cli import cli
from twin.errors import InputError


@cli.command("profile")
@click.argument("results", type=click.Path())
@click.option("--from", "from_node", required=True, help="First node of the path.")
@click.option("--to", "to_node", required=True, help="Last node of the path.")
@click.option(
    "--time",
    "when",
    default="max",
    show_default=True,
    help="'max' or a time such as 2024-07-15T01:30 (the nearest report time).",
)
@click.option("--network", help="Network name or .inp for the link offsets [default: the "
              "file the results came from].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(), help=".png, .svg, .pdf (.gif animates).")
@click.option("--gif", is_flag=True, help="Animate over the report times (a .gif).")
@click.option("--fps", type=click.FloatRange(min=0.1), default=4.0, show_default=True,
              help="Frames per second of the GIF.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace RESULTS-profile.png even when it is not "
              "a twin picture.")  # fmt: skip
def profile_cmd(results, from_node, to_node, when, network, output, gif, fps, force):
    """Draw the long section of RESULTS from --from to --to: inverts, crowns, ground,
    the water level at --time and the maximum, surcharged and flooded nodes.

    The path is the shortest one downstream along the links, else the shortest either
    way. The picture goes to -o (default RESULTS-profile.png, which replaces an existing
    file only when that is an earlier twin picture, or with --force), checked before the
    results are read.
    """
    from twin.files import check_output
    from twin.render.profile_plot import SUFFIXES, animate_profile, plot_profile

    stem = Path(results).with_suffix("")
    out = Path(output) if output else Path(f"{stem}-profile{'.gif' if gif else '.png'}")
    animate = gif or out.suffix.lower() == ".gif"
    if gif and out.suffix.lower() != ".gif":
        raise InputError("--gif writes a .gif: give -o NAME.gif", file=out)
    check_output(out, suffixes=(*SUFFIXES, ".gif"), named=output is not None, force=force,
                 hint="it is the default long section of RESULTS; -o names it")  # fmt: skip
    ds = twin.open_results(results)
    if animate:
        path = animate_profile(ds, from_node, to_node, out, network=network, fps=fps)
    else:
        path = plot_profile(ds, from_node, to_node, out, time=when, network=network)
    click.echo(f"profile: {path}")
