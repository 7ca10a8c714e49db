"""`twin compare`: a model run by twin and by EPA SWMM 5.2, compared element by element."""

from __future__ import annotations

import json

import click

from twin.cli import cli
from twin.errors import TwinError


def _value(c) -> str:
    v = c["value"]
    if v is None:
        return "-"
    if isinstance(v, list):
        return " / ".join(f"{x:.1f}" for x in v) + f" {c['unit']}"
    return f"{v:.3f} {c['unit']}".rstrip()


def _table(title, rows, unit) -> list[str]:
    if not rows:
        return []
    lines = [f"{title} (agreeing least first):",
             f"  {'name':16s} {'agrees':6s} {'NSE':>8s} {'RMSE/peak':>9s} "
             f"{'RMSE':>9s} {'peak twin':>10s} {'peak SWMM':>10s}  [{unit}]"]  # fmt: skip
    for r in rows:
        nse = "-" if r["nse"] is None else format(r["nse"], "8.4f")
        lines.append(f"  {r['name']:16s} {'yes' if r['agrees'] else 'NO':6s} {nse:>8s} "
                     f"{100 * r['rmse_over_peak']:8.2f}% {r['rmse']:9.4g} "
                     f"{r['peak_twin']:10.4g} {r['peak_swmm']:10.4g}")  # fmt: skip
    return lines


def report_text(rep: dict) -> str:
    """The comparison as the terminal shows it."""
    lines = [f"twin against EPA SWMM {rep['swmm_version']} on {rep['file']}",
             f"{rep['n_nodes']} nodes, {rep['n_links']} links, {rep['n_subcatchments']} "
             f"subcatchments, {rep['n_times']} report times; wall time twin "
             f"{rep['twin_seconds']:.2f} s, SWMM {rep['swmm_seconds']:.2f} s", ""]  # fmt: skip
    for c in rep["criteria"]:
        lines.append(f"  {'ok ' if c['ok'] else 'NO '} {c['criterion']}: {_value(c)} "
                     f"({c['threshold']})")  # fmt: skip
    lines.append("")
    lines += _table("nodes, depth", rep["worst_nodes"], "m")
    lines += _table("links, flow", rep["worst_links"], "m3/s")
    lines += _table("subcatchments, runoff", rep["worst_subcatchments"], "m3/s")
    lines.append("")
    lines.append("agrees with SWMM" if rep["agrees"]
                 else "does NOT agree with SWMM: " + "; ".join(rep["failed"]))  # fmt: skip
    return "\n".join(lines)


@cli.command("compare")
@click.argument("network", default="default")
@click.option("--solver", type=click.Choice(["swmm", "newton"]), default="swmm",
              show_default=True, help="twin's dynamic-wave solver.")  # fmt: skip
@click.option("--top", type=click.IntRange(0, 10_000), default=10, show_default=True,
              help="Elements listed per kind, those agreeing least first.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Also write the comparison as JSON here.")  # fmt: skip
def compare_cmd(network, solver, top, as_json, output):
    """Run NETWORK (a name or a SWMM .inp file) in twin and in EPA SWMM 5.2 and compare
    nodes' depths, links' flows, subcatchments' runoff, flooding and continuity with the
    project's agreement criteria. Exit 0 when twin agrees, 1 when it does not (needs
    swmm-toolkit)."""
    import importlib.util

    if importlib.util.find_spec("swmm") is None:
        raise TwinError("twin compare needs EPA SWMM: pip install 'sewer-twin[bench]'")
    from pathlib import Path

    from twin.files import check_output, write_bytes
    from twin.validation.with_swmm import compare_with_swmm

    if output:
        check_output(Path(output), suffixes=(".json",))
    rep = compare_with_swmm(network, top=top, solver=solver)
    if output:
        write_bytes(Path(output), (json.dumps(rep, indent=1) + "\n").encode("utf-8"))
    click.echo(json.dumps(rep) if as_json else report_text(rep))
    if not rep["agrees"]:
        raise SystemExit(1)
