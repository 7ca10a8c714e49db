"""Fixtures shared by the engine tests.

A test module that asks for ``net`` or ``plain`` names its network and run length in
module constants: ``NETWORK`` (a catalog name for :func:`twin.load_network`) and
``END_H`` (hours).  A module that defines its own ``net`` fixture keeps it.
"""

from __future__ import annotations

import pytest

import twin
from twin.engine.simulation import Simulation


@pytest.fixture(scope="module")
def net(request):
    """The module's ``NETWORK``, loaded once per module."""
    return twin.load_network(request.module.NETWORK)


@pytest.fixture(scope="module")
def plain(net, request):
    """The uninterrupted run of ``net`` over the module's ``END_H`` hours."""
    return Simulation(net, end_hours=request.module.END_H).run()
