"""`twin export`: a results file as a GeoPackage (QGIS, ArcGIS) or a GeoTIFF of the depth."""

from __future__ import annotations

import click

from twin.cli import cli


@cli.command("export")
@click.argument("results", type=click.Path())
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help=".gpkg: layers nodes, links, subcatchments, flood_extent; .tif: surface max depth.",
)
@click.option(
    "--crs",
    help="CRS of the coordinates, e.g. EPSG:5186 (reprojects when the result has another).",
)
@click.option(
    "--threshold",
    type=float,
    default=0.1,
    show_default=True,
    help="flood_extent: depth [m] above which a street cell counts as flooded.",
)
@click.option(
    "--layers",
    help="Comma-separated GeoPackage layers (default: every layer the result has).",
)
def export_cmd(results, output, crs, threshold, layers):
    """Export RESULTS (a `twin run`/`twin ensemble` file) to GIS formats.

    The GeoPackage opens in QGIS as it is: nodes with peak depth and flood volume
    (and flood probability for an ensemble), links with peak flow and max depth /
    full depth along their vertices, subcatchment outlines with peak runoff, and the
    street flood extent by depth class when the run had the 2D surface.
    """
    from twin.export import export_results

    path = export_results(results, output, crs=crs, threshold_m=threshold, layers=layers)
    click.echo(f"export: {path}")
