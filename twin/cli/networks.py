"""`twin networks`, `twin info`, `twin check`, `twin generate`: the networks themselves."""

from __future__ import annotations

import json

import click

import twin
from twin.cli import cli


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
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The network file, FILE.inp.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace FILE.terrain.nc even when it is not a twin "
              "terrain.")  # fmt: skip
def generate_district_cmd(conduits, seed, no_structures, output, force):
    """A street-grid town with dendritic sewers, its terrain beside it (FILE.terrain.nc).

    -o must end in .inp; the terrain beside it replaces an existing file only when that
    is a twin terrain (or with --force). Both are checked before the town is built.
    """
    from twin.networks.district import write_district

    inp, terrain = write_district(
        output, conduits=conduits, seed=seed, structures=not no_structures, force=force
    )
    click.echo(f"wrote {inp} and {terrain}")
