"""The page's view of a network: what each node is to an operator."""

import twin
from twin.serve.network_view import NetworkView


def test_storage_units_are_tanks_and_junctions_manholes():
    net = twin.load_network("rtc")
    view = NetworkView.from_network(net)
    types = {str(n): view.node_type(i) for i, n in enumerate(view.node_name)}
    for name, kind in zip(view.node_name, view.node_kind, strict=True):
        want = {"junction": "manhole", "storage": "tank", "outfall": "outfall"}[str(kind)]
        assert types[str(name)] == want
    assert "tank" in types.values() and "manhole" in types.values()
