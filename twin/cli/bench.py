"""`twin bench`: speed against EPA SWMM 5.2."""

from __future__ import annotations

import click

from twin.cli import cli
from twin.errors import TwinError


@cli.command("bench")
@click.option("--quick", is_flag=True, help="Small cases, one repetition (about 2 minutes).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--cases", "case_names", multiple=True, metavar="NAMES",
    help="Cases to run, comma-separated or repeated; default: the quick/full set.",
)  # fmt: skip
@click.option("--repeats", type=int, help="Alternating (SWMM, twin) runs per case.")
@click.option("--cases-only", is_flag=True, help="Skip compile, 2D surface and ensemble runs.")
@click.option(
    "--solver", "solvers", multiple=True, type=click.Choice(["swmm", "newton"]),
    help="twin's dynamic-wave solver, repeated for a row of each (default: swmm).",
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Also write JSON here.")
def bench_cmd(quick, as_json, case_names, repeats, cases_only, solvers, output):
    """Time twin against EPA SWMM 5.2 on this machine (needs swmm-toolkit)."""
    import importlib.util
    import tempfile

    if importlib.util.find_spec("swmm") is None:
        raise TwinError("twin bench needs EPA SWMM: pip install 'sewer-twin[bench]'")
    if output:  # checked before the benchmark runs: a folder, or one that can be made
        from pathlib import Path

        from twin.files import check_output

        check_output(Path(output) / "bench.json")

    from twin.bench import run_suite
    from twin.bench.report import markdown_table, to_json, write_json

    def log(msg):
        click.echo(msg, err=True)

    names = [n.strip() for item in case_names for n in item.split(",") if n.strip()]
    extras = not cases_only
    with tempfile.TemporaryDirectory(prefix="twin-bench-") as workdir:
        doc = run_suite(names or None, workdir, quick=quick, repeats=repeats, log=log,
                        compile=extras, surface=extras, ensemble=extras,
                        solvers=solvers or ("swmm",))  # fmt: skip
    if output:
        log(f"results: {write_json(doc, output)}")
    click.echo(to_json(doc, indent=None) if as_json else markdown_table(doc))
