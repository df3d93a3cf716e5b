"""The topology as Graphviz DOT: one node per device, one edge per link, ports as labels."""

from __future__ import annotations

from collections.abc import Sequence

import graphviz

from muniops.inventory.discovery import NeighbourPublic


def to_dot(links: Sequence[NeighbourPublic], name: str = "topology") -> str:
    """A link reported from both ends (A sees B, B sees A) is drawn once."""
    graph = graphviz.Graph(name, graph_attr={"overlap": "false"}, node_attr={"shape": "box"})
    nodes: set[str] = set()
    drawn: set[frozenset[tuple[str, str]]] = set()
    for link in links:
        remote = link.remote_device or link.remote_name or link.remote_address or "?"
        for node in (link.device, remote):
            if node not in nodes:
                nodes.add(node)
                graph.node(node)
        ends = frozenset({(link.device, link.local_port), (remote, link.remote_port)})
        if ends in drawn:
            continue
        drawn.add(ends)
        graph.edge(link.device, remote, taillabel=link.local_port, headlabel=link.remote_port,
                   label=link.protocol.value)
    return graph.source
