"""`twin report` and `twin render`: what a results file holds."""

from __future__ import annotations

from pathlib import Path

import click

import twin
from twin.cli import cli

_RENDER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".mp4", ".html", ".htm")


@cli.command("report")
@click.argument("results", type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text: tables fitted to the terminal (-o: SWMM-style fixed-width text); csv: one "
    "file per table in -o DIR; markdown, json: one document.",
)
@click.option(
    "-o", "--output", type=click.Path(), help="File to write (csv: a folder); default stdout."
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    help="Rows per per-element table [default: 20 for text and markdown, all for csv, json].",
)
def report_cmd(results, fmt, output, top):
    """Print or write the SWMM-style summary of a results file (a run or an ensemble)."""
    from twin.report import format_report, print_report
    from twin.report import formats as F

    if fmt == "csv" and output is None:
        raise click.UsageError("--format csv writes one file per table: give -o DIR")
    ds = twin.open_results(results)
    if top is None and fmt in ("text", "markdown"):
        top = 20
    if fmt == "csv":
        paths = F.write_csv_tables(ds, output, top=top)
        click.echo(f"report: {len(paths)} tables in {output}")
        return
    if fmt == "text" and output is None:
        print_report(ds, top=top)
        return
    text = {
        "text": lambda: format_report(ds, top=top),
        "markdown": lambda: F.format_markdown(ds, top=top),
        "json": lambda: F.format_json(ds, top=top, file=results),
    }[fmt]()
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"report: {F.write_text(text, output)}")


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
@click.option("--force", is_flag=True, help="Replace RESULTS.png even when it is not a render.")
def render_cmd(results, output, when, network, member, quantile, force):
    """Render a results file in 3D (off-screen).

    The picture goes to -o (default: RESULTS with .png, which replaces an existing file
    only when that is an earlier twin render, or with --force); missing folders are
    created. The output is checked before the results are read.
    """
    from twin.files import check_output
    from twin.networks.catalog import load_terrain_for
    from twin.render import export_html, render, render_animation

    out = check_output(
        Path(output) if output else Path(results).with_suffix(".png"),
        suffixes=_RENDER_SUFFIXES, named=output is not None, force=force,
        hint="it is the default render of RESULTS; -o names it",
    )  # fmt: skip
    when = when if when == "max" else _time_index(when)
    ds = twin.open_results(results)
    terrain = load_terrain_for(network or ds.attrs.get("source") or "default")
    suffix = out.suffix.lower()
    if member is not None and member.isdigit() and "member" in ds.coords:
        member = member if member in [str(v) for v in ds["member"].values] else int(member)
    pick = {"member": member, "quantile": quantile}
    if suffix in (".gif", ".mp4"):
        path = render_animation(ds, out, terrain=terrain, **pick)
    elif suffix == ".html":
        path = export_html(ds, out, terrain=terrain, **pick)
    else:
        path = render(ds, out, terrain=terrain, time=when, **pick)
    click.echo(f"render: {path}")


def _time_index(when: str) -> int:
    """``--time``: a whole number (report-time index), else a usage error (exit 2)."""
    try:
        return int(when)
    except ValueError:
        raise click.BadParameter(f"expected 'max' or a whole number, got {when!r}",
                                 param_hint="'--time'") from None  # fmt: skip
