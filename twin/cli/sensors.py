"""`twin sensors place`: where to install the next depth sensors (:mod:`twin.ops.placement`)."""

from __future__ import annotations

import click

import twin
from twin.cli import cli


@cli.group("sensors")
def sensors_cmd():
    """Plan the twin's sensors."""


@sensors_cmd.command("place")
@click.argument("network")
@click.option("--count", type=int, required=True, help="New depth sensors to place.")
@click.option(
    "--scenario",
    help="Scenario name (`twin scenarios`) or TOML file: the rain (and changes) the "
    "sensors should serve [default: the network's own rain].",
)
@click.option(
    "--existing",
    "existing_path",
    type=click.Path(dir_okay=False),
    help="Sensors already installed (TOML): assimilated first, kept in the output.",
)
@click.option("--members", type=int, default=16, show_default=True, help="Prior members.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the members.")
@click.option("--end-hours", type=float, help="Length of the event [default: the network's].")
@click.option(
    "--sd", type=float, default=0.01, show_default=True, help="New sensors' error sd [m]."
)
@click.option(
    "--rim-weight",
    type=click.FloatRange(0.0, 100.0),
    default=1.0,
    show_default=True,
    help="Extra weight of a manhole's depth variance by its chance of being near its rim.",
)
@click.option(
    "--criterion",
    type=click.Choice(["spread", "total", "local", "forecast"]),
    default="spread",
    show_default=True,
    help="spread: the first sensor by total, then each the manhole farthest in links "
    "from the sensors so far (better forecasts in the twin experiments); total: the prior "
    "depth variance explained; local: the same with the rain factor's share taken out; "
    "forecast: as total, the depths 0, 30 and 60 minutes after the reading.",
)
@click.option("-o", "--output", required=True, help="Sensor file to write (TOML).")
def place_cmd(network, count, scenario, existing_path, members, seed, end_hours, sd,
              rim_weight, criterion, output):  # fmt: skip
    """Choose COUNT manholes of NETWORK for new depth sensors (sd 0.01 m) from the twin's
    own prior (no truth): the members' rain-factor and roughness spread run over the
    event; the first sensor where it explains most of the depth variance at the wet
    manholes in the filter's localised update, each next one (spread, the default) the
    wet manhole farthest from the sensors so far, or (total) again the one explaining
    most of what is left.  Existing sensors come first.  Writes a sensor file for
    `twin watch --sensors` (the existing sensors, then the new ones)."""
    from pathlib import Path

    from twin.errors import InputError
    from twin.files import check_output
    from twin.ops.placement import place_sensors, write_sensors

    out = check_output(Path(output), suffixes=(".toml",), named=True)
    net = twin.load_network(network)
    opts = {}
    if scenario:
        from twin.scenarios import load_scenario

        sc = load_scenario(scenario)
        net = sc.apply(net)
        opts = dict(sc.options)
    if end_hours is None:
        end_hours = opts.get("end_hours")
    elif not end_hours > 0:
        raise InputError(f"must be > 0, got {end_hours}", field="--end-hours")
    existing = None
    if existing_path:
        from twin.ops.sensors import load_sensors

        existing = load_sensors(existing_path, net)
    for name, value, low in (("--count", count, 1), ("--members", members, 2)):
        if value < low:
            raise InputError(f"must be >= {low}, got {value}", field=name)
    p = place_sensors(net, count, existing=existing, members=members, seed=seed,
                      end_hours=end_hours, sd=sd, rim_weight=rim_weight,
                      criterion=criterion)  # fmt: skip
    before = p.existing_explained / p.prior_variance if p.prior_variance > 0 else 0.0
    header = (
        f"twin sensors place {network} --count {count}"
        + (f" --scenario {scenario}" if scenario else "")
        + (f" --existing {existing_path}" if existing_path else "")
        + f" --members {members} --seed {seed} --criterion {criterion}\n"
        + f"prior depth variance explained: {100 * before:.1f} %"
        + f" by the existing sensors, {100 * p.explained_fraction:.1f} % with the new ones"
    )
    write_sensors(out, p.sensors, header)
    names = [str(net.nodes.name[i]) for i in p.nodes]
    click.echo(f"placed {len(names)} sensors: {', '.join(names)}")
    click.echo(
        f"prior depth variance at {len(p.targets)} wet manholes explained: "
        f"{100 * before:.1f} % existing -> "
        f"{100 * p.explained_fraction:.1f} %; written to {out}"
    )
