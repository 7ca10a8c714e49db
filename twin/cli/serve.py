"""`twin serve`: the operator's page over a results file, an ensemble or a watch folder."""

from __future__ import annotations

import click

from twin.cli import cli


@cli.command("serve")
@click.argument("path", type=click.Path())
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; one beyond this machine needs --token.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8050,
    show_default=True,
    help="TCP port (0: a free one).",
)
@click.option(
    "--token",
    envvar="TWIN_SERVE_TOKEN",
    help="Access token (also $TWIN_SERVE_TOKEN); open http://HOST:PORT/?token=T.",
)
@click.option(
    "--network", help="A watch folder's network (name or .inp), if its files do not name it."
)
@click.option(
    "--sensors",
    type=click.Path(dir_okay=False),
    help="A watch folder's sensor file (TOML): sensors on the map, their forecast fan.",
)
@click.option("--poll", type=click.FloatRange(0.05, 60.0), default=0.5, show_default=True,
              help="How often a watch folder is looked at [s].")  # fmt: skip
def serve_cmd(path, host, port, token, network, sensors, poll):
    """Serve the operator's page for PATH (a results or ensemble file, or a watch folder).

    The page is read-only: a plan map coloured by depth, flooding, flood probability
    or pipe capacity with a time slider, the manholes most at risk, hydrographs on
    click, and for a watch folder the sensors, warnings and advice, following new
    cycles as the twin writes them.
    """
    from twin.serve.server import bind, check_access, serve, url_of
    from twin.serve.sources import open_board

    check_access(host, token)
    board = open_board(path, network=network, sensors=sensors)
    try:
        sock = bind(host, port)
    except BaseException:
        board.close()
        raise
    url = url_of(sock, host)
    click.echo(f"twin serve: {board.kind} {path} on {url}" + (" (token required)" if token else ""))
    serve(board, sock, token=token, poll_s=poll)
