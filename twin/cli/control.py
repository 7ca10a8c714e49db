"""`twin control`: run a control strategy in closed loop against a plant."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import click

from twin.cli import cli

OUTPUTS = ("control.json", "advice.jsonl", "actions.csv")


def _write_outputs(outdir: Path, result, meta: dict) -> list[Path]:
    """control.json, advice.jsonl and actions.csv, each whole or not at all."""
    from twin.files import write_text

    doc = {**meta, **result.to_dict()}
    paths = [outdir / name for name in OUTPUTS]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["time", "element", "setting"])
    for a in result.actions:
        w.writerow([a["time"], a["element"], f"{a['setting']:.4g}"])
    write_text(paths[0], json.dumps(doc, indent=2) + "\n")
    write_text(paths[1], "".join(json.dumps(c) + "\n" for c in result.cycles))
    write_text(paths[2], buf.getvalue())
    return paths


@cli.command("control")
@click.argument("network", default="rtc")
@click.argument("scenario", required=False)
@click.option(
    "--strategy",
    type=click.Choice(["passive", "rules", "mpc", "foresight"]),
    default="mpc",
    show_default=True,
    help="Who operates the actuators.",
)
@click.option(
    "--plant",
    type=click.Choice(["swmm", "twin"]),
    default="swmm",
    show_default=True,
    help="What stands for the city: EPA SWMM 5.2, or a twin of a perturbed truth.",
)
@click.option(
    "--members",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="Forecast members (mpc).",
)
@click.option(
    "--cycle-min",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Minutes between plans.",
)
@click.option(
    "--horizon-min",
    type=click.FloatRange(min=0, min_open=True),
    default=90.0,
    show_default=True,
    help="Planning horizon [min].",
)
@click.option(
    "--interval-min",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Control interval: settings are held this long [min].",
)
@click.option(
    "--actuators",
    "actuators_file",
    type=click.Path(dir_okay=False),
    help="TOML: actuators, limits, sensors and costs (default: from the network).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the forecast perturbations and the plant's truth.",
)
@click.option(
    "--scheduler",
    default=lambda: os.environ.get("TWIN_SCHEDULER"),
    help="Dask scheduler (tcp://host:port, or TWIN_SCHEDULER) to run the members on.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False),
    help="Folder for control.json, advice.jsonl and actions.csv.",
)
@click.option("--quiet", is_flag=True, help="No progress lines.")
def control_cmd(network, scenario, strategy, plant, members, cycle_min, horizon_min,
                interval_min, actuators_file, seed, scheduler, as_json, outdir,
                quiet):  # fmt: skip
    """Operate NETWORK's pumps, gates and weirs under SCENARIO (a TOML file or bundled
    name; default: the network's own rain) in closed loop against a plant, and report
    its flood and CSO volumes.

    mpc plans every cycle over the forecast members (perturbed rain) and applies the
    first interval; foresight plans with the true rain; rules runs the network's own
    [CONTROLS]; passive sets nothing.
    """
    from twin.api import load_network
    from twin.control.config import load_config
    from twin.control.loop import LoopSettings, run_closed_loop, scenario_truth
    from twin.scenarios.scenario import load_scenario

    if outdir:  # checked before the work
        from twin.files import check_output

        for name in OUTPUTS:
            check_output(Path(outdir) / name)
    net = load_network(network)
    sc = load_scenario(scenario) if scenario else None
    truth = scenario_truth(net, sc)  # with its [simulation.options]
    config = load_config(actuators_file, truth) if actuators_file else None
    settings = LoopSettings(strategy=strategy, plant=plant, members=members,
                            cycle_s=60.0 * cycle_min, horizon_s=60.0 * horizon_min,
                            interval_s=60.0 * interval_min, seed=seed)  # fmt: skip

    def progress(c):
        if not quiet and not as_json:
            moves = ", ".join(f"{k}={'auto' if v is None else f'{v:g}'}"
                              for k, v in c["settings"].items())  # fmt: skip
            click.echo(
                f"  {c['time']}  {c['kind']:<14} {moves}  expected flood "
                f"{c['expected_flood_m3']:.0f} m3 (passive "
                f"{c['expected_flood_passive_m3']:.0f})  {c['seconds']:.0f} s",
                err=True,
            )

    client = None
    if scheduler:
        from dask.distributed import Client

        from twin.errors import InputError, TwinError

        try:
            client = Client(scheduler, timeout=30)
        except OSError as exc:
            raise TwinError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        except (ValueError, TypeError) as exc:
            raise InputError(f"not a Dask scheduler address: {exc}", field="scheduler") from None
    try:
        result = run_closed_loop(truth, None, settings, config, progress=progress, client=client)
    finally:
        if client is not None:
            client.close()
    meta = {"network": network, "scenario": scenario or "(network rain)"}
    if outdir:
        _write_outputs(Path(outdir), result, meta)
    if as_json:
        d = result.to_dict()
        click.echo(json.dumps({k: d[k] for k in (
            "strategy", "plant", "flood_volume_m3", "cso_volume_m3", "pump_energy_kwh",
            "actions", "per_node_flood_m3")}))  # fmt: skip
        return
    click.echo(f"strategy {result.strategy}, plant {result.plant}: {network}"
               f"{' under ' + scenario if scenario else ''}")  # fmt: skip
    top = sorted(result.per_node_flood_m3.items(), key=lambda kv: -kv[1])[:5]
    where = ", ".join(f"{k} {v:.0f}" for k, v in top)
    click.echo(f"  flood volume  {result.flood_volume_m3:10.1f} m3{f'  ({where})' if top else ''}")
    click.echo(f"  CSO volume    {result.cso_volume_m3:10.1f} m3")
    click.echo(f"  pump energy   {result.pump_energy_kwh:10.1f} kWh")
    click.echo(f"  actions       {len(result.actions):10d}")
    for a in result.actions[:20]:
        click.echo(f"    {a['time']}  {a['element']:<12} {a['setting']:.3g}")
    if len(result.actions) > 20:
        more = len(result.actions) - 20
        click.echo(f"    ... {more} more" + (" (actions.csv)" if outdir else ""))
