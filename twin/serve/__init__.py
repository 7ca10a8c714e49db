"""The operator's web page (`twin serve`): a map, the risk, forecasts, warnings and advice.

:func:`~twin.serve.sources.open_board` reads a results file, an ensemble file or a
watch folder; :func:`~twin.serve.app.create_app` is the read-only ASGI application
over it (Starlette), :func:`~twin.serve.server.serve` runs it with uvicorn.  The
page's scripts, styles and the libraries it uses (Leaflet, uPlot) are package data
in ``static/``: nothing is loaded from another site.
"""

from twin.serve.sources import open_board

__all__ = ["open_board"]
